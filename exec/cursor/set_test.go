package cursor

import (
	"context"
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

var testCols = types.Schema{{Name: "n", Type: types.Int64Type, Nullable: true}}

// batchOf returns a batch of the values vs.
func batchOf(mem memory.Allocator, vs ...int64) arrow.RecordBatch {
	b := array.NewInt64Builder(mem)
	defer b.Release()
	b.AppendValues(vs, nil)
	col := b.NewArray()
	defer col.Release()
	return array.NewRecordBatch(testCols.Arrow(), []arrow.Array{col}, int64(len(vs)))
}

// chanSource is a Source whose rows arrive over a channel, as a
// subscription's do: Next waits for a batch until ctx ends.
type chanSource struct {
	batches chan arrow.RecordBatch
	closed  bool
}

func (c *chanSource) Schema() *arrow.Schema { return testCols.Arrow() }

func (c *chanSource) Next(ctx context.Context) (arrow.RecordBatch, error) {
	select {
	case b, ok := <-c.batches:
		if !ok {
			return nil, nil
		}
		return b, nil
	default:
	}
	select {
	case b, ok := <-c.batches:
		if !ok {
			return nil, nil
		}
		return b, nil
	case <-ctx.Done():
		return nil, ErrNoRowsYet
	}
}

func (c *chanSource) Close() {
	c.closed = true
	for b := range c.batches {
		b.Release()
	}
}

// fetch runs FETCH n (all when n < 0) of the cursor c under ctx and returns
// the values read.
func fetch(t *testing.T, ctx context.Context, s *Set, n int64) []int64 {
	t.Helper()
	st := &sql.FetchCursor{Name: sql.Name{Value: "c"}, Count: n, All: n < 0}
	_, rows, tag, err := s.Fetch(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if tag != "FETCH" {
		t.Fatalf("tag %q", tag)
	}
	defer rows.Release()
	var out []int64
	for rows.Next() {
		col := rows.RecordBatch().Column(0).(*array.Int64)
		out = append(out, col.Int64Values()...)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCursorOverChannel reads a cursor whose rows arrive over a channel: a
// FETCH whose context ends before more rows came ends with the rows it has
// (ErrNoRowsYet), the cursor stays open and later FETCHes read what came
// since, up to the source's end; CLOSE closes the source.
func TestCursorOverChannel(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	src := &chanSource{batches: make(chan arrow.RecordBatch, 4)}
	var s Set
	st := &sql.DeclareCursor{Name: sql.Name{Value: "c"}, Query: &sql.Select{}}
	if err := s.Add(context.Background(), st, true, testCols, src); err != nil {
		t.Fatal(err)
	}
	ended, cancel := context.WithCancel(context.Background())
	cancel()

	src.batches <- batchOf(mem, 1, 2, 3)
	src.batches <- batchOf(mem, 4, 5)
	if got := fetch(t, ended, &s, 4); !equal(got, 1, 2, 3, 4) {
		t.Fatalf("FETCH 4: %v, want [1 2 3 4]", got)
	}
	if got := fetch(t, ended, &s, 10); !equal(got, 5) {
		t.Fatalf("FETCH 10 with one row come: %v, want [5]", got)
	}
	if got := fetch(t, ended, &s, 10); len(got) != 0 {
		t.Fatalf("FETCH 10 with no rows come: %v, want none", got)
	}
	src.batches <- batchOf(mem, 6)
	close(src.batches)
	if got := fetch(t, ended, &s, -1); !equal(got, 6) {
		t.Fatalf("FETCH ALL: %v, want [6]", got)
	}
	if !src.closed {
		t.Fatal("the source's end did not close it")
	}
	if tag, err := s.Close(&sql.CloseCursor{Name: sql.Name{Value: "c"}}); err != nil || tag != "CLOSE CURSOR" {
		t.Fatalf("CLOSE: %q, %v", tag, err)
	}
	_, _, _, err := s.Fetch(ended, &sql.FetchCursor{Name: sql.Name{Value: "c"}, Count: 1})
	var se *sqlstate.Error
	if !errors.As(err, &se) || se.Code != sqlstate.InvalidCursorName {
		t.Fatalf("FETCH after CLOSE: %v, want 34000", err)
	}
}

// TestCursorMoveAndBlockEnd counts MOVE's rows, and checks that the end of
// a block that commits closes its cursors but one WITH HOLD, whose source
// stays open (nothing is read ahead) and is read after the block.
func TestCursorMoveAndBlockEnd(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var s Set
	ctx := context.Background()
	declare := func(name string, hold bool, vs ...int64) *chanSource {
		src := &chanSource{batches: make(chan arrow.RecordBatch, 1)}
		src.batches <- batchOf(mem, vs...)
		close(src.batches)
		st := &sql.DeclareCursor{Name: sql.Name{Value: name}, Hold: hold, Query: &sql.Select{}}
		if err := s.Add(ctx, st, true, testCols, src); err != nil {
			t.Fatal(err)
		}
		return src
	}
	held := declare("c", true, 1, 2, 3, 4)
	gone := declare("gone", false, 7)
	_, _, tag, err := s.Fetch(ctx, &sql.FetchCursor{Move: true, Name: sql.Name{Value: "c"}, Count: 3})
	if err != nil || tag != "MOVE 3" {
		t.Fatalf("MOVE 3: %q, %v", tag, err)
	}
	s.KeepHeld()
	s.CloseBlock()
	if !gone.closed {
		t.Fatal("the block's end left its cursor without HOLD open")
	}
	if held.closed {
		t.Fatal("the block's end read the WITH HOLD cursor's source to its end")
	}
	if names := s.List(); len(names) != 1 || names[0].Name != "c" || !names[0].Hold {
		t.Fatalf("cursors after the block: %v", names)
	}
	if got := fetch(t, ctx, &s, -1); !equal(got, 4) {
		t.Fatalf("FETCH ALL after the block: %v, want [4]", got)
	}
	s.CloseAll()
}

func equal(got []int64, want ...int64) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

// stoppableRows is a query's reader whose rows come only while its query
// runs: once stop ends it, Next reports the end without an error, as an
// interrupted query's reader may.
type stoppableRows struct {
	array.RecordReader
	stopped bool
}

func (r *stoppableRows) Next() bool { return !r.stopped && r.RecordReader.Next() }
func (r *stoppableRows) stop()      { r.stopped = true }

// TestQueryCursorFetchCanceled: a FETCH whose context ends (a cancel
// request, statement_timeout) ends the cursor's query and fails with the
// context's cause, rather than reading on or ending quietly; a FETCH under
// a live context reads the rows.
func TestQueryCursorFetchCanceled(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b1, b2 := batchOf(mem, 1, 2), batchOf(mem, 3)
	rdr, err := array.NewRecordReader(testCols.Arrow(), []arrow.RecordBatch{b1, b2})
	b1.Release()
	b2.Release()
	if err != nil {
		t.Fatal(err)
	}
	rows := &stoppableRows{RecordReader: rdr}
	var s Set
	st := &sql.DeclareCursor{Name: sql.Name{Value: "c"}, Query: &sql.Select{}}
	if err := s.Add(context.Background(), st, true, testCols, Query(rows, rows.stop)); err != nil {
		t.Fatal(err)
	}
	if got := fetch(t, context.Background(), &s, 2); !equal(got, 1, 2) {
		t.Fatalf("FETCH 2: %v, want [1 2]", got)
	}
	if rows.stopped {
		t.Fatal("a FETCH under a live context ended the query")
	}
	canceled, cancel := context.WithCancelCause(context.Background())
	errCanceled := errors.New("canceling statement due to user request")
	cancel(errCanceled)
	_, fr, _, err := s.Fetch(canceled, &sql.FetchCursor{Name: sql.Name{Value: "c"}, Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	for fr.Next() {
		t.Fatalf("a canceled FETCH read %d rows", fr.RecordBatch().NumRows())
	}
	if !errors.Is(fr.Err(), errCanceled) || !rows.stopped {
		t.Fatalf("a canceled FETCH: error %v, query ended %v; want the cancel's cause and the query ended", fr.Err(), rows.stopped)
	}
	fr.Release()
	s.CloseAll()
}

// TestCursorFailedFetchFailsAfter: once a FETCH failed (here canceled,
// which ends the cursor's query), a later FETCH or MOVE of the cursor fails
// with Postgres' 55000 "portal … cannot be run" instead of finding the
// cursor at its end, which would pass the rows the query never gave for
// none.
func TestCursorFailedFetchFailsAfter(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b1, b2 := batchOf(mem, 1, 2), batchOf(mem, 3)
	rdr, err := array.NewRecordReader(testCols.Arrow(), []arrow.RecordBatch{b1, b2})
	b1.Release()
	b2.Release()
	if err != nil {
		t.Fatal(err)
	}
	rows := &stoppableRows{RecordReader: rdr}
	var s Set
	st := &sql.DeclareCursor{Name: sql.Name{Value: "c"}, Query: &sql.Select{}, Hold: true}
	if err := s.Add(context.Background(), st, false, testCols, Query(rows, rows.stop)); err != nil {
		t.Fatal(err)
	}
	if got := fetch(t, context.Background(), &s, 2); !equal(got, 1, 2) {
		t.Fatalf("FETCH 2: %v, want [1 2]", got)
	}
	canceled, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("canceling statement due to user request"))
	_, fr, _, err := s.Fetch(canceled, &sql.FetchCursor{Name: sql.Name{Value: "c"}, Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	for fr.Next() {
	}
	if fr.Err() == nil {
		t.Fatal("a canceled FETCH did not fail")
	}
	fr.Release()
	for _, move := range []bool{false, true} {
		_, fr, _, err := s.Fetch(context.Background(), &sql.FetchCursor{Name: sql.Name{Value: "c"}, All: true, Move: move})
		if fr != nil {
			n := 0
			for fr.Next() {
				n += int(fr.RecordBatch().NumRows())
			}
			fr.Release()
			t.Fatalf("MOVE %v after a failed FETCH: %d rows, error %v; want 55000", move, n, err)
		}
		var se *sqlstate.Error
		if !errors.As(err, &se) || se.Code != sqlstate.ObjectNotInPrerequisiteState || se.Message != `portal "c" cannot be run` {
			t.Fatalf("MOVE %v after a failed FETCH: %v, want 55000 portal \"c\" cannot be run", move, err)
		}
	}
	s.CloseAll()
}
