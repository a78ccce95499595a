package session

import (
	"context"
	"errors"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/sql/sqlstate"
)

// ErrStatementTimeout is the error of a statement that ran past the
// session's statement_timeout, as Postgres words it (57014).
var ErrStatementTimeout = sqlstate.Errorf(sqlstate.QueryCanceled, "canceling statement due to statement timeout")

// WithStatementTimeout runs a statement (run) under the session's
// statement_timeout: a context deadline that covers the statement and the
// reading of its rows (the result's Rows keep the deadline until they are
// released). Whatever error the deadline causes (a cancelled wait, DuckDB's
// interrupt) is reported as ErrStatementTimeout; the session goes on.
func (p *Params) WithStatementTimeout(ctx context.Context, run func(context.Context) (*Result, error)) (*Result, error) {
	d := p.StatementTimeout()
	if d <= 0 {
		return run(ctx)
	}
	tctx, cancel := context.WithTimeoutCause(ctx, d, ErrStatementTimeout)
	res, err := run(tctx)
	if err != nil {
		err = timeoutError(tctx, err)
		cancel()
		return nil, err
	}
	if res == nil || res.Rows == nil {
		cancel()
		return res, nil
	}
	res.Rows = &timedRows{RecordReader: res.Rows, ctx: tctx, cancel: cancel}
	return res, nil
}

// StatementDeadline puts the session's statement_timeout on ctx for the
// work of a protocol message other than a statement's execution (Prepare:
// parsing, binding, DuckDB's describe). done maps the error the deadline
// caused to ErrStatementTimeout and releases the deadline.
func (p *Params) StatementDeadline(ctx context.Context) (_ context.Context, done func(error) error) {
	d := p.StatementTimeout()
	if d <= 0 {
		return ctx, func(err error) error { return err }
	}
	tctx, cancel := context.WithTimeoutCause(ctx, d, ErrStatementTimeout)
	return tctx, func(err error) error {
		err = timeoutError(tctx, err)
		cancel()
		return err
	}
}

// timeoutError returns ErrStatementTimeout when err happened because ctx's
// statement timeout passed, and err otherwise.
func timeoutError(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil && errors.Is(context.Cause(ctx), ErrStatementTimeout) {
		return ErrStatementTimeout
	}
	return err
}

// timedRows is a result's rows read under a statement timeout: the
// deadline ends when the rows are released, and an error it causes reads as
// the timeout.
type timedRows struct {
	array.RecordReader
	ctx    context.Context
	cancel context.CancelFunc
	refs   int
}

func (r *timedRows) Retain() {
	r.refs++
	r.RecordReader.Retain()
}

func (r *timedRows) Release() {
	r.RecordReader.Release()
	if r.refs == 0 {
		r.cancel()
		return
	}
	r.refs--
}

func (r *timedRows) Next() bool {
	if r.ctx.Err() != nil {
		return false
	}
	return r.RecordReader.Next()
}

func (r *timedRows) Err() error {
	if err := r.RecordReader.Err(); err != nil {
		return timeoutError(r.ctx, err)
	}
	return timeoutError(r.ctx, r.ctx.Err())
}
