package weir

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// cursor is a session's open cursor (DECLARE … CURSOR FOR query): the
// query was planned and run once, at DECLARE, over what the session read
// then (a transaction block's snapshot), and FETCH and MOVE read its rows
// forward, one batch at a time, from the reader it keeps open.
type cursor struct {
	name   string
	cols   types.Schema
	schema *arrow.Schema
	// rows is the query's open reader; nil once drained or materialized.
	rows array.RecordReader
	// stop cancels the query's context, which outlives DECLARE's.
	stop context.CancelFunc
	// held are the rows a WITH HOLD cursor read ahead when its transaction
	// committed (materialize), not fetched yet.
	held []arrow.RecordBatch
	// batch is the batch being fetched, whose rows before off were
	// fetched; nil when none is.
	batch arrow.RecordBatch
	off   int64
	hold  bool
	// inBlock: the cursor was declared in the open transaction block,
	// whose end closes it (a COMMIT keeps it WITH HOLD).
	inBlock bool
}

// errNoCursor is Postgres' error for a cursor name the session has not
// declared.
func errNoCursor(name sql.Name) error {
	return sqlstate.ErrorfAt(sqlstate.InvalidCursorName, name.Pos, "cursor \"%s\" does not exist", name.Value)
}

// cursorStatement runs DECLARE, FETCH, MOVE and CLOSE.
func (s *Session) cursorStatement(ctx context.Context, st sql.Statement) (*Result, error) {
	switch st := st.(type) {
	case *sql.DeclareCursor:
		return s.declareCursor(ctx, st)
	case *sql.FetchCursor:
		return s.fetchCursor(st)
	case *sql.CloseCursor:
		if st.All {
			s.closeCursors(func(*cursor) bool { return true })
			return &Result{Tag: "CLOSE CURSOR ALL"}, nil
		}
		c, ok := s.cursors[st.Name.Value]
		if !ok {
			return nil, errNoCursor(st.Name)
		}
		c.close()
		delete(s.cursors, c.name)
		return &Result{Tag: "CLOSE CURSOR"}, nil
	}
	return nil, fmt.Errorf("cursorStatement: %T", st)
}

// declareCursor runs the query of DECLARE and keeps its reader open as the
// cursor's rows; the session's other cursors are read into memory then.
// Outside a transaction block only a WITH HOLD cursor may be
// declared; its rows are read at once (materialize), as Postgres does.
func (s *Session) declareCursor(ctx context.Context, st *sql.DeclareCursor) (*Result, error) {
	if s.tx == nil && !st.Hold {
		return nil, sqlstate.ErrorfAt(sqlstate.NoActiveSQLTransaction, st.Pos, "DECLARE CURSOR can only be used in transaction blocks")
	}
	if _, ok := s.cursors[st.Name.Value]; ok {
		return nil, sqlstate.ErrorfAt(sqlstate.DuplicateCursor, st.Name.Pos, "cursor \"%s\" already exists", st.Name.Value)
	}
	if st.Binary {
		return nil, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, st.Pos, "BINARY cursors are not supported").
			WithHint("Fetch the rows in binary format through the extended protocol instead.")
	}
	// A query DuckDB runs holds one of its pooled connections until its
	// rows are read: the session's other cursors read theirs into memory
	// first, so that a session holds at most one (and cannot wait on
	// itself for one).
	for _, c := range s.cursors {
		if err := c.materialize(); err != nil {
			return nil, err
		}
	}
	// The query reads on after DECLARE returns: its context outlives the
	// statement's, but DECLARE can still be canceled while it runs.
	qctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	unhook := context.AfterFunc(ctx, stop)
	res, err := s.run(qctx, st.Query)
	if !unhook() || err != nil {
		stop()
		if res != nil && res.Rows != nil {
			res.Rows.Release()
		}
		if err == nil {
			err = context.Cause(ctx)
		}
		return nil, err
	}
	c := &cursor{name: st.Name.Value, cols: res.Columns, schema: res.Rows.Schema(), rows: res.Rows, stop: stop, hold: st.Hold, inBlock: s.tx != nil}
	if s.tx == nil {
		if err := c.materialize(); err != nil {
			c.close()
			return nil, err
		}
	}
	if s.cursors == nil {
		s.cursors = map[string]*cursor{}
	}
	s.cursors[c.name] = c
	return &Result{Tag: "DECLARE CURSOR"}, nil
}

// fetchCursor runs FETCH, whose rows stream from the cursor as the client
// reads them, and MOVE, which skips them and counts them.
func (s *Session) fetchCursor(st *sql.FetchCursor) (*Result, error) {
	c, ok := s.cursors[st.Name.Value]
	if !ok {
		return nil, errNoCursor(st.Name)
	}
	if st.Backward {
		return nil, sqlstate.ErrorfAt(sqlstate.ObjectNotInPrerequisiteState, st.Pos, "cursor can only scan forward").
			WithHint("Declare it with SCROLL option to enable backward scan.")
	}
	if st.Count == 0 && !st.All {
		return nil, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, st.Pos, "FETCH of the current row (a count of 0) is not supported")
	}
	limit := st.Count
	if st.All {
		limit = -1
	}
	if st.Move {
		var n int64
		for limit < 0 || n < limit {
			b, err := c.take(limit - n)
			if err != nil {
				return nil, err
			}
			if b == nil {
				break
			}
			n += b.NumRows()
			b.Release()
		}
		return &Result{Tag: fmtTag("MOVE", n)}, nil
	}
	return &Result{Columns: c.cols, Rows: &fetchRows{c: c, left: limit, refs: 1}, Tag: "FETCH"}, nil
}

// fetchColumns returns the row description of FETCH (none for MOVE), for
// the extended protocol's Describe.
func (s *Session) fetchColumns(st *sql.FetchCursor) (types.Schema, error) {
	c, ok := s.cursors[st.Name.Value]
	if !ok {
		return nil, errNoCursor(st.Name)
	}
	if st.Move {
		return nil, nil
	}
	return c.cols, nil
}

// CursorColumns returns the columns of the session's cursor called name:
// the wire server describes a cursor as the portal it is in Postgres.
func (s *Session) CursorColumns(name string) (types.Schema, bool) {
	c, ok := s.cursors[name]
	if !ok {
		return nil, false
	}
	return c.cols, true
}

// take returns the cursor's next rows, at most max of them (all of a batch
// when max < 0), or nil at the end; the caller releases them.
func (c *cursor) take(max int64) (arrow.RecordBatch, error) {
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
		b, err := c.next()
		if b == nil || err != nil {
			return nil, err
		}
		c.batch, c.off = b, 0
	}
}

// next returns the cursor's next batch, which the caller owns: one read
// ahead, else one from the reader; nil at the end.
func (c *cursor) next() (arrow.RecordBatch, error) {
	if len(c.held) > 0 {
		b := c.held[0]
		c.held = c.held[1:]
		return b, nil
	}
	if c.rows == nil {
		return nil, nil
	}
	if c.rows.Next() {
		b := c.rows.RecordBatch()
		b.Retain()
		return b, nil
	}
	err := c.rows.Err()
	c.rows.Release()
	c.rows = nil
	c.stop()
	return nil, err
}

// materialize reads the rest of the cursor's rows into memory and ends
// its query: a WITH HOLD cursor does when its transaction commits.
func (c *cursor) materialize() error {
	for c.rows != nil {
		if !c.rows.Next() {
			err := c.rows.Err()
			c.rows.Release()
			c.rows = nil
			c.stop()
			return err
		}
		b := c.rows.RecordBatch()
		b.Retain()
		c.held = append(c.held, b)
	}
	return nil
}

// close releases what the cursor holds.
func (c *cursor) close() {
	if c.batch != nil {
		c.batch.Release()
		c.batch = nil
	}
	for _, b := range c.held {
		b.Release()
	}
	c.held = nil
	if c.rows != nil {
		c.rows.Release()
		c.rows = nil
	}
	c.stop()
}

// closeCursors closes the session's cursors that which selects.
func (s *Session) closeCursors(which func(*cursor) bool) {
	for name, c := range s.cursors {
		if which(c) {
			c.close()
			delete(s.cursors, name)
		}
	}
}

// holdCursors reads into memory the rows of the WITH HOLD cursors of a
// transaction block about to commit, as Postgres does: a cursor whose query
// fails fails the COMMIT.
func (s *Session) holdCursors() error {
	for _, c := range s.cursors {
		if c.hold && c.inBlock {
			if err := c.materialize(); err != nil {
				return err
			}
		}
	}
	return nil
}

// keepHeldCursors keeps the WITH HOLD cursors of a block that committed
// past its end (endTransaction closes the others).
func (s *Session) keepHeldCursors() {
	for _, c := range s.cursors {
		if c.hold {
			c.inBlock = false
		}
	}
}

// fetchRows are the rows of one FETCH, read from the cursor as the client
// reads them: at most left (all when left < 0).
type fetchRows struct {
	c     *cursor
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
	b, err := f.c.take(f.left)
	if err != nil || b == nil {
		f.err, f.left = err, 0
		return false
	}
	if f.left > 0 {
		f.left -= b.NumRows()
	}
	f.batch = b
	return true
}

func (f *fetchRows) RecordBatch() arrow.RecordBatch { return f.batch }
func (f *fetchRows) Record() arrow.RecordBatch      { return f.batch }
func (f *fetchRows) Err() error                     { return f.err }
func (f *fetchRows) Retain()                        { f.refs++ }

// Release releases the batch being read; the cursor's rows stay.
func (f *fetchRows) Release() {
	if f.refs--; f.refs == 0 && f.batch != nil {
		f.batch.Release()
		f.batch = nil
	}
}
