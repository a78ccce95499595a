package ops

import (
	"context"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
)

// The stateless operators' part of the watermark contract (exec.Watermark):
// a filter, a union and a materialization pass a watermark on unchanged,
// a projection maps it to the columns whose expression is non-decreasing in
// the watermark's column. Every other operator drops it by not being an
// exec.WatermarkHandler.

// OnWatermark passes w on: a filter keeps a subset of the rows, so every
// later row it emits still has the column at or above w.
func (f *Filter) OnWatermark(ctx context.Context, _ int, w exec.Watermark, out exec.Output) error {
	return exec.PushWatermark(ctx, out, w)
}

// OnWatermark passes w on: the runtime hands a union the minimum of its
// inputs' watermarks, and its columns are its inputs'.
func (u *Union) OnWatermark(ctx context.Context, _ int, w exec.Watermark, out exec.Output) error {
	return exec.PushWatermark(ctx, out, w)
}

// OnWatermark passes w on to the relation's readers: what Materialize emits
// for later rows are those rows (or retractions, which a watermark does not
// constrain).
func (m *Materialize) OnWatermark(ctx context.Context, _ int, w exec.Watermark, out exec.Output) error {
	return exec.PushWatermark(ctx, out, w)
}

// OnWatermark pushes, for every output column whose expression is
// non-decreasing in w's column, the watermark its expression takes at w's
// value; a watermark no output column keeps is dropped.
func (p *Project) OnWatermark(ctx context.Context, _ int, w exec.Watermark, out exec.Output) error {
	for i, e := range p.exprs {
		if !expr.NonDecreasingIn(e, w.Column) {
			continue
		}
		v, ok := expr.Map(ctx, p.mem, e, w.Column, w.Value)
		if !ok {
			continue
		}
		if err := exec.PushWatermark(ctx, out, exec.Watermark{Column: i, Value: v}); err != nil {
			return err
		}
	}
	return nil
}
