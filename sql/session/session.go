// Package session holds what a SQL session and the front end serving it
// exchange: a statement's Result (rows, tag, notices, warnings, reported
// parameters), a Prepared statement and its bound Param values, the context
// mark of a password-authenticated connection, and the session's run-time
// parameters (Params: what SET, SHOW and RESET change and print, by the
// table of parameters weir knows). The engine (package weir)
// answers with these types and the wire server sends them, so that neither
// imports the other and the protocol builds without the engine's cgo
// dependencies.
package session

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/sql/types"
)

// Result is the outcome of one statement.
//
// Rows, when non-nil, streams the result rows as Arrow record batches whose
// columns are in the order and of the SQL types of Columns. The receiver of a
// Result owns Rows and must Release it (wire does, after sending the rows).
// Tag is the CommandComplete tag: "SELECT 3", "INSERT 0 2", "CREATE TABLE", …;
// for a SELECT the row count is only known after Rows is drained, so Tag is
// then the verb alone ("SELECT") and the receiver appends the count.
type Result struct {
	Columns types.Schema
	Rows    array.RecordReader
	Tag     string
	// Notices are sent to the client as NoticeResponse before the rows.
	Notices []string
	// Warnings are sent after Notices, as NoticeResponse with severity
	// WARNING (psql prints them as "WARNING:  …").
	Warnings []Warning
	// Reports are the parameters the statement changed that clients track
	// (ParameterStatus messages, sent with the notices).
	Reports []ParameterStatus
	// CopyOut, when set, makes Rows the data of COPY … TO STDOUT: the front
	// end sends them in its format (CopyOutResponse, CopyData, CopyDone)
	// and the tag COPY n.
	CopyOut *CopyOptions
	// Endless: the rows never end by themselves (SUBSCRIBE's); a server
	// shutdown cancels them rather than wait for their end.
	Endless bool
}

// ParameterStatus is a run-time parameter whose new value the client is
// told of, as Postgres tells of its GUC_REPORT parameters (client_encoding,
// DateStyle, application_name, …), which psql and the drivers track.
type ParameterStatus struct {
	Name, Value string
}

// Warning is a message of severity WARNING for the client: it does not
// make the statement fail. Code is its SQLSTATE (01000 when none fits
// better).
type Warning struct {
	Code, Message, Detail, Hint string
}

// HasRows reports whether the statement returns a row set (even an empty one):
// such statements get a RowDescription.
func (r *Result) HasRows() bool { return r.Columns != nil }

// Prepared is a parsed and bound statement of the extended protocol.
// ParamTypes holds the type of each $n (resolved from the client's declared
// types and from context); Columns is the row description of its result, or
// nil for a statement that returns no rows. A Prepared is immutable and may be
// executed any number of times, from one session.
type Prepared struct {
	Text       string
	ParamTypes []types.T
	Columns    types.Schema
	// Stmt is the session's own form of the statement (the engine's parsed
	// statement); a front end does not look into it.
	Stmt any
}

// Param is one bound parameter value in text form (binary values are
// converted to text by the front end, with the type from Prepared.ParamTypes).
// A nil *string passed in a parameter list is SQL NULL.
type Param = *string

// passwordAuthKey marks a context whose connection authenticated with a
// password.
type passwordAuthKey struct{}

// WithPasswordAuthentication marks ctx as the context of a connection whose
// user authenticated with a password (the wire server does, with
// scram-sha-256): the engine then refuses a user that is no role, where it
// would otherwise open a superuser session as for trust authentication and
// its own sessions.
func WithPasswordAuthentication(ctx context.Context) context.Context {
	return context.WithValue(ctx, passwordAuthKey{}, true)
}

// PasswordAuthenticated reports whether ctx was marked by
// WithPasswordAuthentication.
func PasswordAuthenticated(ctx context.Context) bool {
	marked, _ := ctx.Value(passwordAuthKey{}).(bool)
	return marked
}
