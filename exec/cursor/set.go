package cursor

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// Set is one session's open cursors by name. Its zero value has none. A
// Set is used by its session's goroutine only.
type Set struct {
	open map[string]*Cursor
}

// RunQuery runs a cursor's query under ctx, which outlives the DECLARE
// (the cursor's rows are read after it), and returns its columns and
// rows.
type RunQuery func(ctx context.Context) (types.Schema, array.RecordReader, error)

// check returns Postgres' error for a DECLARE the set cannot take: outside
// a transaction block (inBlock false) only a WITH HOLD cursor may be
// declared, and a name may be open only once.
func (s *Set) check(st *sql.DeclareCursor, inBlock bool) error {
	if !inBlock && !st.Hold {
		return sqlstate.ErrorfAt(sqlstate.NoActiveSQLTransaction, st.Pos, "DECLARE CURSOR can only be used in transaction blocks")
	}
	if _, ok := s.open[st.Name.Value]; ok {
		return sqlstate.ErrorfAt(sqlstate.DuplicateCursor, st.Name.Pos, "cursor \"%s\" already exists", st.Name.Value)
	}
	if st.Binary {
		return sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, st.Pos, "BINARY cursors are not supported").
			WithHint("Fetch the rows in binary format through the extended protocol instead.")
	}
	return nil
}

// Declare runs DECLARE … CURSOR FOR query: run runs the query once, under
// a context that outlives ctx (DECLARE can still be canceled while the
// query starts), and the cursor keeps its rows. inBlock tells whether a
// transaction block is open.
func (s *Set) Declare(ctx context.Context, st *sql.DeclareCursor, inBlock bool, run RunQuery) error {
	if err := s.check(st, inBlock); err != nil {
		return err
	}
	qctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	unhook := context.AfterFunc(ctx, stop)
	cols, rows, err := run(qctx)
	if !unhook() || err != nil {
		stop()
		if rows != nil {
			rows.Release()
		}
		if err == nil {
			err = context.Cause(ctx)
		}
		return err
	}
	return s.Add(ctx, st, inBlock, cols, Query(rows, stop))
}

// Add opens the cursor st declares over src, whose columns are cols; the
// cursor takes src over (closes it on an error). A WITH HOLD cursor keeps
// src open past its block's COMMIT (Postgres reads its rows into a store
// then, as its snapshot ends; a query's reader here holds its rows already,
// apart from the block's snapshot).
func (s *Set) Add(ctx context.Context, st *sql.DeclareCursor, inBlock bool, cols types.Schema, src Source) error {
	if err := s.check(st, inBlock); err != nil {
		src.Close()
		return err
	}
	c := &Cursor{Name: st.Name.Value, Statement: declareText(st), Hold: st.Hold, Created: time.Now(),
		cols: cols, schema: src.Schema(), src: src, inBlock: inBlock}
	if s.open == nil {
		s.open = map[string]*Cursor{}
	}
	s.open[c.Name] = c
	return nil
}

// Fetch runs FETCH, whose rows (the result, with its columns) stream from
// the cursor as the client reads them under ctx, and MOVE, which skips them
// and counts them (no rows). tag is the statement's command tag (FETCH's
// count is the rows'). A FETCH's rows must be read or released before the
// cursor's next statement.
func (s *Set) Fetch(ctx context.Context, st *sql.FetchCursor) (cols types.Schema, rows array.RecordReader, cmdTag string, err error) {
	c, ok := s.open[st.Name.Value]
	if !ok {
		return nil, nil, "", errNoCursor(st.Name)
	}
	if c.failed {
		return nil, nil, "", errFailed(c.Name)
	}
	if st.Backward {
		return nil, nil, "", sqlstate.ErrorfAt(sqlstate.ObjectNotInPrerequisiteState, st.Pos, "cursor can only scan forward").
			WithHint("Declare it with SCROLL option to enable backward scan.")
	}
	if st.Count == 0 && !st.All {
		return nil, nil, "", sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, st.Pos, "FETCH of the current row (a count of 0) is not supported")
	}
	limit := st.Count
	if st.All {
		limit = -1
	}
	if st.Move {
		var n int64
		for limit < 0 || n < limit {
			if n > 0 {
				ctx = hasRows(ctx)
			}
			b, err := c.take(ctx, limit-n)
			if err != nil {
				return nil, nil, "", err
			}
			if b == nil {
				break
			}
			n += b.NumRows()
			b.Release()
		}
		return nil, nil, tag("MOVE", n), nil
	}
	return c.cols, &fetchRows{ctx: ctx, c: c, left: limit, refs: 1}, "FETCH", nil
}

// Columns returns the row description of FETCH (none for MOVE), for the
// extended protocol's Describe.
func (s *Set) Columns(st *sql.FetchCursor) (types.Schema, error) {
	c, ok := s.open[st.Name.Value]
	if !ok {
		return nil, errNoCursor(st.Name)
	}
	if st.Move {
		return nil, nil
	}
	return c.cols, nil
}

// ColumnsOf returns the columns of the cursor called name.
func (s *Set) ColumnsOf(name string) (types.Schema, bool) {
	c, ok := s.open[name]
	if !ok {
		return nil, false
	}
	return c.cols, true
}

// Close runs CLOSE name and CLOSE ALL, and returns the command tag.
func (s *Set) Close(st *sql.CloseCursor) (string, error) {
	if st.All {
		s.CloseAll()
		return "CLOSE CURSOR ALL", nil
	}
	c, ok := s.open[st.Name.Value]
	if !ok {
		return "", errNoCursor(st.Name)
	}
	c.close()
	delete(s.open, c.Name)
	return "CLOSE CURSOR", nil
}

// CloseAll closes every cursor: the session ends, or CLOSE ALL.
func (s *Set) CloseAll() { s.closeWhere(func(*Cursor) bool { return true }) }

// CloseBlock closes the cursors of the transaction block that ends: all
// that were declared in it, except the WITH HOLD ones of a block that
// committed (KeepHeld).
func (s *Set) CloseBlock() { s.closeWhere(func(c *Cursor) bool { return c.inBlock }) }

func (s *Set) closeWhere(which func(*Cursor) bool) {
	for name, c := range s.open {
		if which(c) {
			c.close()
			delete(s.open, name)
		}
	}
}

// KeepHeld keeps the WITH HOLD cursors of a block that committed past its
// end (CloseBlock closes the others): their sources stay open.
func (s *Set) KeepHeld() {
	for _, c := range s.open {
		if c.Hold {
			c.inBlock = false
		}
	}
}

// declareText returns st as weir prints it: pg_cursors' statement.
func declareText(st *sql.DeclareCursor) string {
	var b strings.Builder
	b.WriteString("DECLARE " + sql.QuoteIdent(st.Name.Value))
	if st.Binary {
		b.WriteString(" BINARY")
	}
	b.WriteString(" CURSOR ")
	if st.Hold {
		b.WriteString("WITH HOLD ")
	}
	if st.Subscribe != nil {
		sub := *st.Subscribe
		sub.Query = st.Query
		b.WriteString("FOR " + sql.String(&sub))
		return b.String()
	}
	b.WriteString("FOR " + sql.String(st.Query))
	return b.String()
}

// List returns the open cursors, by name.
func (s *Set) List() []*Cursor {
	out := make([]*Cursor, 0, len(s.open))
	for _, c := range s.open {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b *Cursor) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// fetchRows are the rows of one FETCH, read from the cursor as the client
// reads them: at most left (all when left < 0).
type fetchRows struct {
	ctx   context.Context
	c     *Cursor
	left  int64
	batch arrow.RecordBatch
	err   error
	refs  int64
}

func (f *fetchRows) Schema() *arrow.Schema { return f.c.schema }

// Next moves to the next batch of the FETCH's rows.
func (f *fetchRows) Next() bool {
	if f.batch != nil {
		f.batch.Release()
		f.batch = nil
	}
	if f.left == 0 || f.err != nil {
		return false
	}
	b, err := f.c.take(f.ctx, f.left)
	if err != nil || b == nil {
		f.err, f.left = err, 0
		return false
	}
	// A source whose rows come over time waits for a FETCH's first rows
	// only.
	f.ctx = hasRows(f.ctx)
	if f.left > 0 {
		f.left -= b.NumRows()
	}
	f.batch = b
	return true
}

func (f *fetchRows) RecordBatch() arrow.RecordBatch { return f.batch }

// Record returns the current batch.
//
// Deprecated: use RecordBatch.
func (f *fetchRows) Record() arrow.RecordBatch { return f.batch }
func (f *fetchRows) Err() error                { return f.err }
func (f *fetchRows) Retain()                   { f.refs++ }

// Release releases the batch being read; the cursor's rows stay.
func (f *fetchRows) Release() {
	if f.refs--; f.refs == 0 && f.batch != nil {
		f.batch.Release()
		f.batch = nil
	}
}
