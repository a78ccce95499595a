package dataflow

import (
	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/planner"
)

// aggOperator returns instance i of n of aggregate a: a window aggregate
// (ops.WindowAgg, which passes its group columns' watermarks on after each
// barrier's changes) when a group column carries a watermark, else the
// hash aggregate.
func (b *builder) aggOperator(a *planner.StreamHashAgg, i, n int) exec.Operator {
	h := b.hashAgg(a, i, n)
	for _, ok := range planner.WatermarkColumns(a)[:a.NumGroup] {
		if ok {
			w := ops.NewWindowAgg(h, a.NumGroup)
			w.KeepGroups = !planner.WindowGroupsClosed(a)
			return w
		}
	}
	return h
}
