package ops

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql/types"
)

// Hop is the HOP window table function: each change's row is emitted once
// per window [start, start+size) that holds its time column, the starts
// being offset plus multiples of slide from the epoch (size is a multiple
// of slide, so there are size/slide of them), with window_start and
// window_end appended. A row whose time is NULL is in no window. It keeps
// no state; an update pair becomes the delete of the old row's copies and
// the insert of the new row's, since window_start is part of the output's
// key. Hop is driven by one fragment goroutine.
type Hop struct {
	mem                 memory.Allocator
	timeCol             int
	size, slide, offset int64
	schema              *arrow.Schema
	tsType              *arrow.TimestampType
}

// NewHop returns a Hop over rows whose column timeCol holds the time; out
// is the output's schema: the input's columns, then window_start and
// window_end. Durations are microseconds.
func NewHop(mem memory.Allocator, out types.Schema, timeCol int, size, slide, offset int64) *Hop {
	schema := out.Arrow()
	return &Hop{mem: mem, timeCol: timeCol, size: size, slide: slide, offset: offset, schema: schema,
		tsType: schema.Field(len(out) - 2).Type.(*arrow.TimestampType)}
}

// FirstWindowStart returns the start of the latest window holding ts
// (microseconds): the largest offset + k·slide not after ts.
func FirstWindowStart(ts, slide, offset int64) int64 {
	d := ts - offset
	r := d % slide
	if r < 0 {
		r += slide
	}
	return ts - r
}

// ProcessChunk pushes the window copies of c's rows.
func (h *Hop) ProcessChunk(ctx context.Context, _ int, c exec.Chunk, out exec.Output) error {
	n := c.NumRows()
	if n == 0 {
		return nil
	}
	times, ok := c.Batch.Column(h.timeCol).(*array.Timestamp)
	if !ok {
		return fmt.Errorf("hop: time column is %s, not a timestamp", c.Batch.Column(h.timeCol).DataType())
	}
	copies := h.size / h.slide
	rows := make([]int, 0, n*int(copies))
	starts := make([]int64, 0, n*int(copies))
	var outOps []exec.Op
	appendOnly := true
	for i := 0; i < n; i++ {
		if times.IsNull(i) {
			continue
		}
		op := exec.Insert
		if !c.OpAt(i).IsInsert() {
			op = exec.Delete
			appendOnly = false
		}
		last := FirstWindowStart(int64(times.Value(i)), h.slide, h.offset)
		for k := copies - 1; k >= 0; k-- {
			rows = append(rows, i)
			starts = append(starts, last-k*h.slide)
			outOps = append(outOps, op)
		}
	}
	if len(rows) == 0 {
		return nil
	}
	taken, err := expr.TakeRows(ctx, h.mem, c.Batch, rows)
	if err != nil {
		return err
	}
	defer taken.Release()
	b := array.NewTimestampBuilder(h.mem, h.tsType)
	defer b.Release()
	b.Reserve(len(starts))
	for _, s := range starts {
		b.UnsafeAppend(arrow.Timestamp(s))
	}
	ws := b.NewArray()
	defer ws.Release()
	b.Reserve(len(starts))
	for _, s := range starts {
		b.UnsafeAppend(arrow.Timestamp(s + h.size))
	}
	we := b.NewArray()
	defer we.Release()
	cols := append(append([]arrow.Array(nil), taken.Columns()...), ws, we)
	batch := array.NewRecordBatch(h.schema, cols, int64(len(rows)))
	if appendOnly {
		outOps = nil
	}
	return out.Push(ctx, exec.Chunk{Batch: batch, Ops: outOps})
}

// OnWatermark passes a watermark on an input column on unchanged (the
// copies keep the input's columns), and one on the time column W also as
// watermarks of window_start and window_end: a later row has its time at
// or above W, so its windows start at or after the earliest window holding
// W.
func (h *Hop) OnWatermark(ctx context.Context, _ int, w exec.Watermark, out exec.Output) error {
	if err := exec.PushWatermark(ctx, out, w); err != nil || w.Column != h.timeCol {
		return err
	}
	start := FirstWindowStart(w.Value, h.slide, h.offset) - (h.size - h.slide)
	n := h.schema.NumFields()
	if err := exec.PushWatermark(ctx, out, exec.Watermark{Column: n - 2, Value: start}); err != nil {
		return err
	}
	return exec.PushWatermark(ctx, out, exec.Watermark{Column: n - 1, Value: start + h.size})
}
