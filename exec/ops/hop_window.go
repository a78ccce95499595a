package ops

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
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
	taken, err := repeatRows(ctx, h.mem, c.Batch, rows)
	if err != nil {
		return err
	}
	defer releaseArrays(taken)
	ws := timestampsPlus(h.mem, h.tsType, starts, 0)
	defer ws.Release()
	we := timestampsPlus(h.mem, h.tsType, starts, h.size)
	defer we.Release()
	cols := append(taken, ws, we)
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

// repeatRows returns batch's columns taken at rows (each input row once per
// window holding it): 64-bit columns (integers, timestamps, doubles) are
// copied by a loop over their values, others through expr.Take.
func repeatRows(ctx context.Context, mem memory.Allocator, batch arrow.RecordBatch, rows []int) ([]arrow.Array, error) {
	cols := make([]arrow.Array, 0, batch.NumCols()+2)
	var indices arrow.Array
	defer func() {
		if indices != nil {
			indices.Release()
		}
	}()
	for _, col := range batch.Columns() {
		if fw, ok := col.DataType().(arrow.FixedWidthDataType); ok && fw.BitWidth() == 64 && col.DataType().ID() != arrow.BOOL {
			cols = append(cols, repeat64(mem, col, rows))
			continue
		}
		if indices == nil {
			ib := array.NewInt32Builder(mem)
			ib.Reserve(len(rows))
			for _, r := range rows {
				ib.UnsafeAppend(int32(r))
			}
			indices = ib.NewArray()
			ib.Release()
		}
		out, err := expr.Take(ctx, mem, col, indices)
		if err != nil {
			releaseArrays(cols)
			return nil, err
		}
		cols = append(cols, out)
	}
	return cols, nil
}

// repeat64 returns col's 64-bit values at rows.
func repeat64(mem memory.Allocator, col arrow.Array, rows []int) arrow.Array {
	data := col.Data()
	src := arrow.Uint64Traits.CastFromBytes(data.Buffers()[1].Bytes())[data.Offset() : data.Offset()+data.Len()]
	values := memory.NewResizableBuffer(mem)
	defer values.Release()
	values.Resize(arrow.Uint64Traits.BytesRequired(len(rows)))
	dst := arrow.Uint64Traits.CastFromBytes(values.Bytes())
	for k, r := range rows {
		dst[k] = src[r]
	}
	var valid *memory.Buffer
	nulls := 0
	if col.NullN() > 0 {
		valid = memory.NewResizableBuffer(mem)
		defer valid.Release()
		valid.Resize(int(bitutil.BytesForBits(int64(len(rows)))))
		bits := valid.Bytes()
		clear(bits)
		for k, r := range rows {
			if col.IsValid(r) {
				bitutil.SetBit(bits, k)
			} else {
				nulls++
			}
		}
	}
	d := array.NewData(col.DataType(), len(rows), []*memory.Buffer{valid, values}, nil, nulls, 0)
	defer d.Release()
	return array.MakeFromData(d)
}

// releaseArrays releases each of arrs.
func releaseArrays(arrs []arrow.Array) {
	for _, a := range arrs {
		a.Release()
	}
}

// timestampsPlus returns the timestamps vals plus d, none of them NULL.
func timestampsPlus(mem memory.Allocator, typ *arrow.TimestampType, vals []int64, d int64) arrow.Array {
	values := memory.NewResizableBuffer(mem)
	defer values.Release()
	values.Resize(arrow.Int64Traits.BytesRequired(len(vals)))
	dst := arrow.Int64Traits.CastFromBytes(values.Bytes())
	for i, v := range vals {
		dst[i] = v + d
	}
	data := array.NewData(typ, len(vals), []*memory.Buffer{nil, values}, nil, 0, 0)
	defer data.Release()
	return array.MakeFromData(data)
}
