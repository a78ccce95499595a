package session

import "context"

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

// Binary reports whether the format is binary.
func (o CopyOptions) Binary() bool { return o.Format == "binary" }

// CopyIn is the front end's side of COPY FROM STDIN: Begin asks the client
// for the data (Postgres' CopyInResponse), and Next returns the client's
// data messages one at a time, io.EOF once the client is done (CopyDone),
// or the error with which the client aborted the copy (CopyFail).
type CopyIn interface {
	Begin(binary bool, columns int) error
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
