// Package cursor is a session's cursors (DECLARE … CURSOR, FETCH, MOVE,
// CLOSE): each holds the rows of a query planned and run once, at DECLARE,
// over what the session read then (a transaction block's snapshot), and FETCH
// and MOVE read them forward, one batch at a time, as the client reads them.
//
// Where a cursor's rows come from is a Source. A query's reader is one
// (Query); a source whose rows arrive over time, such as a subscription
// read from a channel, is another: Set.Add takes any.
//
// A query DuckDB runs keeps its connection until its rows are read, and a
// cursor's rows may stay unread for as long as its client likes. So the
// engine declares a cursor's query under adhoc.HoldRows: it runs on one of
// a bounded set of DuckDB connections kept apart from the pool every
// session's queries share (a session keeps at most a quarter of them), and
// when it may take none of those its rows are read into memory (bounded;
// past the bound DECLARE fails with 53000) and its connection given back at
// once. An open cursor therefore never keeps
// another session's query waiting. Rows weir's own operators compute are in
// memory already.
package cursor

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// Source is where a cursor's rows come from.
type Source interface {
	// Schema is the rows' Arrow schema.
	Schema() *arrow.Schema
	// Next returns the next batch of rows, which the caller releases, or
	// nil at the end. ctx is the FETCH's (or MOVE's). A source whose rows
	// arrive over time may wait for them until ctx ends, and then return
	// ErrNoRowsYet.
	Next(ctx context.Context) (arrow.RecordBatch, error)
	// Close ends the source and releases what it holds; it is called once,
	// after the end, an error, or when the cursor closes before either.
	Close()
}

// ErrNoRowsYet is what a Source's Next returns when no rows came before
// its context ended: the FETCH (or MOVE) ends with the rows it has, and the
// cursor stays open for the rows still to come.
var ErrNoRowsYet = errors.New("cursor: no rows yet")

// MayWait reports whether a Source's Next may wait for rows to come under
// ctx: not once the FETCH (or MOVE) it reads for has rows (then it takes
// only those there, and returns ErrNoRowsYet at once when there are none).
func MayWait(ctx context.Context) bool { return ctx.Value(hasRowsKey{}) == nil }

// hasRowsKey marks the context of a FETCH or MOVE that has rows.
type hasRowsKey struct{}

// hasRows returns ctx marked as a FETCH's that has rows (MayWait).
func hasRows(ctx context.Context) context.Context {
	if !MayWait(ctx) {
		return ctx
	}
	return context.WithValue(ctx, hasRowsKey{}, true)
}

// Query returns a query's rows as a Source: rows, a reader the Source takes
// over, and stop, which ends the query (cancels its context).
func Query(rows array.RecordReader, stop context.CancelFunc) Source {
	return &querySource{rows: rows, stop: stop}
}

type querySource struct {
	rows array.RecordReader
	stop context.CancelFunc
}

func (q *querySource) Schema() *arrow.Schema { return q.rows.Schema() }

// Next reads the query's next batch. The query computes its rows as they
// are read, so a FETCH canceled or past statement_timeout (ctx ending)
// while it reads ends the query, with ctx's cause as the error.
func (q *querySource) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if ctx.Err() != nil {
		q.stop()
		return nil, context.Cause(ctx)
	}
	unhook := context.AfterFunc(ctx, q.stop)
	defer unhook()
	if !q.rows.Next() {
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return nil, q.rows.Err()
	}
	b := q.rows.RecordBatch()
	b.Retain()
	return b, nil
}

func (q *querySource) Close() {
	q.rows.Release()
	q.stop()
}

// Cursor is one open cursor.
type Cursor struct {
	// Name is the cursor's name.
	Name string
	// Statement is the DECLARE statement, as weir prints it.
	Statement string
	// Hold: declared WITH HOLD, the cursor outlives the transaction block
	// that commits it.
	Hold bool
	// Created is when the cursor was declared.
	Created time.Time

	cols   types.Schema
	schema *arrow.Schema
	// src is the cursor's open source; nil once ended.
	src Source
	// batch is the batch being fetched, whose rows before off were
	// fetched; nil when none is.
	batch arrow.RecordBatch
	off   int64
	// inBlock: the cursor was declared in the open transaction block,
	// whose end closes it (a COMMIT keeps it WITH HOLD).
	inBlock bool
	// failed: reading its source failed (a FETCH canceled, an error of
	// its query), so that its rows are lost: a later FETCH or MOVE fails
	// (errFailed), as Postgres' failed portal does, rather than find the
	// cursor at its end.
	failed bool
}

// take returns the cursor's next rows, at most max of them (all of a batch
// when max < 0), or nil at the end or when its source has no rows yet; the
// caller releases them.
func (c *Cursor) take(ctx context.Context, max int64) (arrow.RecordBatch, error) {
	for {
		if c.batch != nil && c.off < c.batch.NumRows() {
			end := c.batch.NumRows()
			if max >= 0 && c.off+max < end {
				end = c.off + max
			}
			b := c.batch.NewSlice(c.off, end)
			c.off = end
			return b, nil
		}
		if c.batch != nil {
			c.batch.Release()
			c.batch = nil
		}
		b, err := c.next(ctx)
		if errors.Is(err, ErrNoRowsYet) {
			return nil, nil
		}
		if b == nil || err != nil {
			return nil, err
		}
		c.batch, c.off = b, 0
	}
}

// next returns the cursor's next batch from its source, which the caller
// owns; nil at the end.
func (c *Cursor) next(ctx context.Context) (arrow.RecordBatch, error) {
	if c.src == nil {
		return nil, nil
	}
	b, err := c.src.Next(ctx)
	if b != nil || errors.Is(err, ErrNoRowsYet) {
		return b, err
	}
	c.src.Close()
	c.src = nil
	c.failed = err != nil
	return nil, err
}

// close releases what the cursor holds.
func (c *Cursor) close() {
	if c.batch != nil {
		c.batch.Release()
		c.batch = nil
	}
	if c.src != nil {
		c.src.Close()
		c.src = nil
	}
}

// errNoCursor is Postgres' error for a cursor name the session has not
// declared.
func errNoCursor(name sql.Name) error {
	return sqlstate.ErrorfAt(sqlstate.InvalidCursorName, name.Pos, "cursor \"%s\" does not exist", name.Value)
}

// errFailed is Postgres' error for a FETCH or MOVE of a cursor whose
// reading failed before.
func errFailed(name string) error {
	return sqlstate.Errorf(sqlstate.ObjectNotInPrerequisiteState, "portal \"%s\" cannot be run", name)
}

func tag(verb string, n int64) string { return fmt.Sprintf("%s %d", verb, n) }
