package ops_test

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// windowOutput keeps the rows (window k n) and watermarks pushed to it.
type windowOutput struct{ got []string }

func (o *windowOutput) Push(_ context.Context, c exec.Chunk) error {
	defer c.Release()
	for i := 0; i < c.NumRows(); i++ {
		o.got = append(o.got, c.OpAt(i).String()+" "+c.Batch.Column(0).ValueStr(i)+" "+c.Batch.Column(1).ValueStr(i)+" "+c.Batch.Column(2).ValueStr(i))
	}
	return nil
}

func (o *windowOutput) PushWatermark(_ context.Context, w exec.Watermark) error {
	o.got = append(o.got, w.String())
	return nil
}

func (o *windowOutput) take() string {
	s := strings.Join(o.got, "; ")
	o.got = nil
	return s
}

// TestWindowClose checks EMIT ON WINDOW CLOSE's operator: nothing comes out
// before a watermark passes a window; then, at the barrier, each closed
// window's latest rows come once, as inserts, its state is freed (the
// store ends with the closed point alone), and a later change to it is
// dropped, also after a restart; a NULL window never closes and is not
// kept.
func TestWindowClose(t *testing.T) {
	mem := memory.NewGoAllocator()
	ctx := context.Background()
	schema := types.Schema{{Name: "w", Type: types.TSType, Nullable: true}, {Name: "k", Type: types.Int64Type}, {Name: "n", Type: types.Int64Type}}
	store := exectest.NewStore()
	wc := ops.NewWindowClose(mem, statestore.FirstUserTable, schema, 0, []int{0, 1})
	if err := wc.Open(ctx, exec.OpenContext{State: store}); err != nil {
		t.Fatal(err)
	}
	const sec = int64(1e6)
	chunk := func(rows [][3]int64, ops []exec.Op) exec.Chunk {
		wb := array.NewTimestampBuilder(mem, schema.Arrow().Field(0).Type.(*arrow.TimestampType))
		kb, nb := array.NewInt64Builder(mem), array.NewInt64Builder(mem)
		for _, r := range rows {
			if r[0] < 0 {
				wb.AppendNull()
			} else {
				wb.Append(arrow.Timestamp(r[0] * sec))
			}
			kb.Append(r[1])
			nb.Append(r[2])
		}
		return exec.Chunk{Batch: array.NewRecordBatch(schema.Arrow(), []arrow.Array{wb.NewArray(), kb.NewArray(), nb.NewArray()}, int64(len(rows))), Ops: ops}
	}
	out := &windowOutput{}
	step := func(c *exec.Chunk, wm int64) string {
		t.Helper()
		if c != nil {
			if err := wc.ProcessChunk(ctx, 0, *c, out); err != nil {
				t.Fatal(err)
			}
		}
		if wm > 0 {
			if err := wc.OnWatermark(ctx, 0, exec.Watermark{Column: 0, Value: wm * sec}, out); err != nil {
				t.Fatal(err)
			}
		}
		w := store.NewWriter()
		if err := wc.OnBarrier(ctx, exec.Barrier{}, w, out); err != nil {
			t.Fatal(err)
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
		return out.take()
	}
	c := chunk([][3]int64{{10, 1, 1}, {20, 1, 5}, {-1, 2, 9}}, nil)
	if got := step(&c, 0); got != "" {
		t.Fatalf("before a watermark: %s", got)
	}
	c = chunk([][3]int64{{10, 1, 1}, {10, 1, 2}}, []exec.Op{exec.UpdateDelete, exec.UpdateInsert})
	if got, want := step(&c, 15), "+ 1970-01-01T00:00:10 1 2; watermark $0 ≥ 15000000"; got != want {
		t.Fatalf("watermark 15 s:\n got %s\nwant %s", got, want)
	}
	c = chunk([][3]int64{{10, 1, 2}, {20, 1, 5}, {20, 1, 6}}, []exec.Op{exec.Delete, exec.UpdateDelete, exec.UpdateInsert})
	if got := step(&c, 15); got != "" || wc.Dropped != 1 {
		t.Fatalf("a change to a closed window: emitted %q, dropped %d", got, wc.Dropped)
	}
	if got, want := step(nil, 30), "+ 1970-01-01T00:00:20 1 6; watermark $0 ≥ 30000000"; got != want {
		t.Fatalf("watermark 30 s:\n got %s\nwant %s", got, want)
	}
	if n := store.Len(); n != 1 {
		t.Fatalf("%d keys left in state, want the closed point alone", n)
	}

	// After a restart the closed point comes back from state: a change to
	// a window emitted before it is dropped, not kept and emitted again
	// when the watermark next rises.
	wc = ops.NewWindowClose(mem, statestore.FirstUserTable, schema, 0, []int{0, 1})
	if err := wc.Open(ctx, exec.OpenContext{State: store}); err != nil {
		t.Fatal(err)
	}
	c = chunk([][3]int64{{20, 1, 6}, {20, 1, 7}, {40, 1, 1}}, []exec.Op{exec.UpdateDelete, exec.UpdateInsert, exec.Insert})
	if got := step(&c, 0); got != "" || wc.Dropped != 2 {
		t.Fatalf("after a restart, a change to a closed window: emitted %q, dropped %d", got, wc.Dropped)
	}
	if got, want := step(nil, 50), "+ 1970-01-01T00:00:40 1 1; watermark $0 ≥ 50000000"; got != want {
		t.Fatalf("after a restart, watermark 50 s:\n got %s\nwant %s", got, want)
	}
}
