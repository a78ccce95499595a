package subscribe

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// chunk returns a chunk of rows (v, hidden key) with ops.
func chunk(mem memory.Allocator, vals []int64, ops []exec.Op) exec.Chunk {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "v", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "_key0", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for i, v := range vals {
		b.Field(0).(*array.Int64Builder).Append(v)
		b.Field(1).(*array.Int64Builder).Append(int64(1000 + i))
	}
	return exec.Chunk{Batch: b.NewRecordBatch(), Ops: ops}
}

// readAll returns the rows the feed has queued, as text, without waiting.
func readAvailable(t *testing.T, f *Feed) []string {
	t.Helper()
	var out []string
	for {
		f.mu.Lock()
		n := len(f.queue)
		f.mu.Unlock()
		if n == 0 {
			return out
		}
		if !f.Next() {
			t.Fatalf("Next: %v", f.Err())
		}
		rec := f.RecordBatch()
		for r := range int(rec.NumRows()) {
			var cells []string
			for c := range int(rec.NumCols()) {
				col := rec.Column(c)
				if col.IsNull(r) {
					cells = append(cells, "NULL")
					continue
				}
				cells = append(cells, col.ValueStr(r))
			}
			out = append(out, strings.Join(cells, " "))
		}
	}
}

// TestFeedEpochs checks the rows of two epochs (an insert, then an update
// pair and a delete), with and without progress rows, and that the hidden
// column stays hidden.
func TestFeedEpochs(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	for _, progress := range []bool{false, true} {
		closed := 0
		f := NewFeed(context.Background(), Options{
			Columns: types.Schema{{Name: "v", Type: types.Int64Type}}, Visible: []int{0},
			Progress: progress, Mem: mem,
		}, func() { closed++ })
		ctx := context.Background()
		c := chunk(mem, []int64{7}, nil)
		if err := f.ProcessChunk(ctx, 0, c, nil); err != nil {
			t.Fatal(err)
		}
		c.Release()
		if got := readAvailable(t, f); len(got) != 0 {
			t.Fatalf("rows before the barrier: %v", got)
		}
		if err := f.OnBarrier(ctx, exec.Barrier{Epoch: 5}, nil, nil); err != nil {
			t.Fatal(err)
		}
		c = chunk(mem, []int64{7, 8, 9}, []exec.Op{exec.UpdateDelete, exec.UpdateInsert, exec.Delete})
		if err := f.ProcessChunk(ctx, 0, c, nil); err != nil {
			t.Fatal(err)
		}
		c.Release()
		if err := f.OnBarrier(ctx, exec.Barrier{Epoch: 6}, nil, nil); err != nil {
			t.Fatal(err)
		}
		got := strings.Join(readAvailable(t, f), "\n")
		want := "5 1 7\n6 -1 7\n6 1 8\n6 -1 9"
		names := "mz_timestamp mz_diff v"
		if progress {
			want = "5 false 1 7\n6 true NULL NULL\n6 false -1 7\n6 false 1 8\n6 false -1 9\n7 true NULL NULL"
			names = "mz_timestamp mz_progressed mz_diff v"
		}
		if got != want {
			t.Errorf("progress %v: rows\n%s\nwant\n%s", progress, got, want)
		}
		var gotNames []string
		for _, c := range f.Columns() {
			gotNames = append(gotNames, c.Name)
		}
		if strings.Join(gotNames, " ") != names {
			t.Errorf("columns %v, want %s", gotNames, names)
		}
		f.Release()
		if closed != 1 {
			t.Fatalf("onClose ran %d times", closed)
		}
		f.Release()
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestFeedOverflow checks that a feed whose reader does not read fails its
// dataflow with 53000 once the waiting rows outgrow the bound, without
// blocking, and that the reader then learns why.
func TestFeedOverflow(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	f := NewFeed(context.Background(), Options{
		Columns: types.Schema{{Name: "v", Type: types.Int64Type}}, Visible: []int{0},
		BufferBytes: 4 << 10, Mem: mem,
	}, nil)
	ctx := context.Background()
	vals := make([]int64, 100)
	var err error
	epochs := 0
	for epochs = 1; epochs < 100 && err == nil; epochs++ {
		c := chunk(mem, vals, nil)
		err = f.ProcessChunk(ctx, 0, c, nil)
		c.Release()
		if err == nil {
			err = f.OnBarrier(ctx, exec.Barrier{Epoch: exec.Epoch(epochs)}, nil, nil)
		}
	}
	if e := sqlstate.From(err); e.Code != sqlstate.InsufficientResources || !strings.Contains(e.Message, "did not keep up") {
		t.Fatalf("after %d epochs: %v", epochs, err)
	}
	// The dataflow goes on draining without error until it is stopped.
	c := chunk(mem, vals, nil)
	if err := f.ProcessChunk(ctx, 0, c, nil); err != nil {
		t.Fatal(err)
	}
	c.Release()
	if f.Next() {
		t.Fatal("a failed feed returned rows")
	}
	if e := sqlstate.From(f.Err()); e.Code != sqlstate.InsufficientResources {
		t.Fatalf("reader's error %v", f.Err())
	}
	f.Release()
}

// TestFeedEnds checks the reasons a reader stops: the context's cancel
// (reported as a cancelled statement), End's error, and the dataflow's end.
func TestFeedEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	f := NewFeed(ctx, Options{Columns: types.Schema{{Name: "v", Type: types.Int64Type}}, Visible: []int{0}}, nil)
	done := make(chan bool)
	go func() { done <- f.Next() }()
	cancel()
	if <-done {
		t.Fatal("Next returned rows after cancel")
	}
	if e := sqlstate.From(f.Err()); e.Code != sqlstate.QueryCanceled || e.Message != "canceling statement due to user request" {
		t.Fatalf("cancel: %v", f.Err())
	}
	f.Release()

	dropped := errors.New("relation dropped")
	f = NewFeed(context.Background(), Options{Columns: types.Schema{{Name: "v", Type: types.Int64Type}}, Visible: []int{0}}, nil)
	f.End(dropped)
	_ = f.Close()
	if f.Next() || !errors.Is(f.Err(), dropped) {
		t.Fatalf("End: %v", f.Err())
	}
	f.Release()

	f = NewFeed(context.Background(), Options{Columns: types.Schema{{Name: "v", Type: types.Int64Type}}, Visible: []int{0}}, nil)
	_ = f.Close()
	if f.Next() || !errors.Is(f.Err(), ErrInputEnded) {
		t.Fatalf("Close: %v", fmt.Sprint(f.Err()))
	}
	f.Release()
}
