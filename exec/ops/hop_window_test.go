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
	"github.com/weir-stream/weir/sql/types"
)

// hopOutput keeps the rows and watermarks pushed to it as text.
type hopOutput struct{ got []string }

func (o *hopOutput) Push(_ context.Context, c exec.Chunk) error {
	defer c.Release()
	id := c.Batch.Column(0).(*array.Int64)
	ws := c.Batch.Column(2).(*array.Timestamp)
	we := c.Batch.Column(3).(*array.Timestamp)
	for i := 0; i < c.NumRows(); i++ {
		o.got = append(o.got, c.OpAt(i).String()+" "+id.ValueStr(i)+" ["+ws.ValueStr(i)+", "+we.ValueStr(i)+")")
	}
	return nil
}

func (o *hopOutput) PushWatermark(_ context.Context, w exec.Watermark) error {
	o.got = append(o.got, w.String())
	return nil
}

// TestHop checks that HOP copies a row into each window holding its time
// (windows before the epoch too), none for a NULL time, turns an update
// pair into a delete and an insert, and maps a watermark on the time to
// window_start and window_end.
func TestHop(t *testing.T) {
	mem := memory.NewGoAllocator()
	ctx := context.Background()
	out := types.Schema{{Name: "id", Type: types.Int64Type}, {Name: "ts", Type: types.TSType, Nullable: true},
		{Name: "window_start", Type: types.TSType}, {Name: "window_end", Type: types.TSType}}
	const sec = int64(1e6)
	h := ops.NewHop(mem, out, 1, 10*sec, 5*sec, 0)
	in := out[:2].Arrow()
	batch := func(ids []int64, ts []int64, valid []bool) arrow.RecordBatch {
		ib := array.NewInt64Builder(mem)
		ib.AppendValues(ids, nil)
		tb := array.NewTimestampBuilder(mem, in.Field(1).Type.(*arrow.TimestampType))
		for i, v := range ts {
			if valid[i] {
				tb.Append(arrow.Timestamp(v))
			} else {
				tb.AppendNull()
			}
		}
		return array.NewRecordBatch(in, []arrow.Array{ib.NewArray(), tb.NewArray()}, int64(len(ids)))
	}
	o := &hopOutput{}
	if err := h.ProcessChunk(ctx, 0, exec.Chunk{Batch: batch([]int64{1, 2, 3}, []int64{7 * sec, -3 * sec, 0}, []bool{true, true, false})}, o); err != nil {
		t.Fatal(err)
	}
	if err := h.ProcessChunk(ctx, 0, exec.Chunk{Batch: batch([]int64{1, 1}, []int64{7 * sec, 12 * sec}, []bool{true, true}),
		Ops: []exec.Op{exec.UpdateDelete, exec.UpdateInsert}}, o); err != nil {
		t.Fatal(err)
	}
	if err := h.OnWatermark(ctx, 0, exec.Watermark{Column: 1, Value: 12 * sec}, o); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"+ 1 [1970-01-01T00:00:00, 1970-01-01T00:00:10)",
		"+ 1 [1970-01-01T00:00:05, 1970-01-01T00:00:15)",
		"+ 2 [1969-12-31T23:59:50, 1970-01-01T00:00:00)",
		"+ 2 [1969-12-31T23:59:55, 1970-01-01T00:00:05)",
		"- 1 [1970-01-01T00:00:00, 1970-01-01T00:00:10)",
		"- 1 [1970-01-01T00:00:05, 1970-01-01T00:00:15)",
		"+ 1 [1970-01-01T00:00:05, 1970-01-01T00:00:15)",
		"+ 1 [1970-01-01T00:00:10, 1970-01-01T00:00:20)",
		"watermark $1 ≥ 12000000",
		"watermark $2 ≥ 5000000",
		"watermark $3 ≥ 15000000",
	}
	if got := strings.Join(o.got, "\n"); got != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
}
