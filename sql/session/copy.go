package session

import (
	"context"

	"github.com/weir-stream/weir/sql/types"
)

// CopyOptions are the options of a COPY statement as the engine checked
// them: the format ("text", "csv" or "binary") and, for text and CSV, the
// delimiter, the NULL string, the header line and CSV's quote and escape
// characters.
type CopyOptions struct {
	Format    string
	Delimiter byte
	Null      string
	// Header: the first line names the columns (COPY TO writes one, COPY
	// FROM skips it); HeaderMatch: COPY FROM checks that it names the
	// columns it loads, in order.
	Header      bool
	HeaderMatch bool
	Quote       byte
	Escape      byte
}

// TextCopyOptions are the text format's defaults: tab-separated, \N for
// NULL.
var TextCopyOptions = CopyOptions{Format: "text", Delimiter: '\t', Null: `\N`}

// Binary reports whether the format is binary.
func (o CopyOptions) Binary() bool { return o.Format == "binary" }

// CopyIn is the front end's side of COPY FROM STDIN: Begin asks the client
// for the data of columns of the given types (Postgres' CopyInResponse),
// and Next returns the client's data messages one at a time, io.EOF once
// the client is done (CopyDone), or the error with which the client
// aborted the copy (CopyFail). In the binary format the front end decodes
// the client's tuples and Next returns them in the text format with its
// default options (TextCopyOptions), a line per tuple.
type CopyIn interface {
	Begin(binary bool, columns []types.T) error
	// Next returns the next piece of data; it is valid until the next call.
	Next() ([]byte, error)
}

// copyInKey marks a context whose statements may read COPY data.
type copyInKey struct{}

// WithCopyIn returns ctx carrying in, the source of a COPY FROM STDIN run
// under it.
func WithCopyIn(ctx context.Context, in CopyIn) context.Context {
	return context.WithValue(ctx, copyInKey{}, in)
}

// CopyInFrom returns the CopyIn of ctx, or nil when its front end cannot
// send COPY data (the embedding API, the extended protocol).
func CopyInFrom(ctx context.Context) CopyIn {
	in, _ := ctx.Value(copyInKey{}).(CopyIn)
	return in
}
