package ops

import (
	"context"

	"github.com/weir-stream/weir/exec"
)

// WindowAgg is a hash aggregate whose group key holds a column with a
// watermark (a window aggregate over TUMBLE or HOP: window_start,
// window_end). It passes on a watermark on a group column, which is also
// that output column, after the barrier's changes: the aggregate emits
// its groups' changes at the barrier, and the groups below the watermark
// may change until then. Watermarks on other columns are dropped, as the
// hash aggregate drops them.
type WindowAgg struct {
	*HashAgg
	numGroup int
	pending  []exec.Watermark
}

// NewWindowAgg returns h, which groups by its input's first numGroup
// columns, passing on the watermarks of those columns.
func NewWindowAgg(h *HashAgg, numGroup int) *WindowAgg {
	return &WindowAgg{HashAgg: h, numGroup: numGroup}
}

// OnWatermark keeps a watermark of a group column for the next barrier.
func (a *WindowAgg) OnWatermark(_ context.Context, _ int, w exec.Watermark, _ exec.Output) error {
	if w.Column < a.numGroup {
		a.pending = append(a.pending, w)
	}
	return nil
}

// OnBarrier emits the epoch's changes, then the watermarks kept.
func (a *WindowAgg) OnBarrier(ctx context.Context, b exec.Barrier, w exec.StateWriter, out exec.Output) error {
	if err := a.HashAgg.OnBarrier(ctx, b, w, out); err != nil {
		return err
	}
	pending := a.pending
	a.pending = nil
	for _, wm := range pending {
		if err := exec.PushWatermark(ctx, out, wm); err != nil {
			return err
		}
	}
	return nil
}
