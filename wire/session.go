// Package wire serves weir sessions over the Postgres wire protocol (v3):
// startup with trust authentication, the simple and the extended query
// protocols, cancel requests, and the text and binary encodings of weir's SQL
// types. It programs only against the Session interface below and the types
// of package sql/session; the engine (package weir) provides the
// implementation, and wire does not import it, so the protocol builds
// without the engine's cgo dependencies.
package wire

import (
	"context"

	"github.com/weir-stream/weir/sql/session"
	"github.com/weir-stream/weir/sql/types"
)

// SessionFactory opens a session for an authenticated connection. It is
// called from many connection goroutines at once and must be safe for that.
type SessionFactory interface {
	NewSession(ctx context.Context, user, database string) (Session, error)
}

// Session runs the statements of one client connection. wire calls a
// Session from one goroutine at a time (the connection's), so an
// implementation needs no locking of its own for wire's sake.
type Session interface {
	// ExecuteScript runs a simple-protocol query string: zero or more
	// ';'-separated statements, in order. emit is called once per statement
	// with its Result; wire owns the Result's Rows and releases them. It
	// returns the first statement error; statements after it do not run. An
	// empty script returns nil without calling emit.
	ExecuteScript(ctx context.Context, text string, emit func(*session.Result) error) error
	// Prepare parses and binds one statement with $n parameters. paramTypes
	// are the client's declared types (UnknownType where unspecified).
	Prepare(ctx context.Context, text string, paramTypes []types.T) (*session.Prepared, error)
	// Execute runs a prepared statement with bound parameters in text form.
	// The Result's Rows may be read after Execute returns, while ctx lives.
	Execute(ctx context.Context, p *session.Prepared, params []session.Param) (*session.Result, error)
	// TxStatus is the transaction status ReadyForQuery reports: 'I' idle,
	// 'T' in a transaction block, 'E' in a failed transaction block.
	TxStatus() byte
	// FailTransaction fails the open transaction block, if any: wire calls
	// it for every error it sends, so that one outside the session's
	// statements (a bad parameter) fails the block as it does in Postgres.
	FailTransaction()
	// Close releases the session; wire calls it once, when the connection ends.
	Close() error
}
