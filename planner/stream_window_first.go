package planner

import "github.com/weir-stream/weir/exec/expr"

// windowFirst returns aggregate a with its input's group column that
// carries a watermark (a window column) moved to the front, when it is not
// there already, and a projection over it that puts the output columns
// back in a's order. An aggregate's state keys are table, vnode, then the
// group key, so with the window first a vnode's closed windows are one
// range of keys, which ops.WindowAgg frees with one range delete. Any
// other aggregate is returned as it is.
func windowFirst(a *StreamHashAgg) StreamNode {
	if a.NumGroup < 2 {
		return a
	}
	in := a.Input
	inCols := in.Columns()
	wm := WatermarkColumns(in)
	if wm[0] && windowCloseType(inCols[0].Type) {
		return a
	}
	j := -1
	for i := 1; i < a.NumGroup; i++ {
		if wm[i] && windowCloseType(inCols[i].Type) {
			j = i
			break
		}
	}
	if j < 0 {
		return a
	}
	// swap maps a column to its place once columns 0 and j trade places.
	swap := func(i int) int {
		switch i {
		case 0:
			return j
		case j:
			return 0
		}
		return i
	}
	exprs := make([]expr.Expr, len(inCols))
	cols := make([]Col, len(inCols))
	for k := range inCols {
		c := inCols[swap(k)]
		exprs[k], cols[k] = expr.Column(swap(k), c.Name, c.Type), c
	}
	remap := func(e expr.Expr) expr.Expr {
		if e == nil {
			return nil
		}
		return expr.Substitute(e, func(c *expr.ColumnRef) expr.Expr { return expr.Column(swap(c.Index()), c.Name(), c.Type()) })
	}
	aggs := make([]expr.Aggregate, len(a.Aggs))
	for i, ag := range a.Aggs {
		ag.Arg, ag.Filter, ag.Sep = remap(ag.Arg), remap(ag.Filter), remap(ag.Sep)
		ag.OrderBy = append([]expr.AggOrderKey(nil), ag.OrderBy...)
		for k := range ag.OrderBy {
			ag.OrderBy[k].Expr = remap(ag.OrderBy[k].Expr)
		}
		aggs[i] = ag
	}
	aggCols := make([]Col, len(a.Cols))
	for k := range a.Cols {
		aggCols[k] = a.Cols[swap(k)]
	}
	agg := NewStreamHashAgg(NewStreamProject(in, exprs, cols), a.NumGroup, aggs, aggCols)
	agg.InputAppendOnly = a.InputAppendOnly
	back := make([]expr.Expr, len(a.Cols))
	for k, c := range a.Cols {
		back[k] = expr.Column(swap(k), c.Name, c.Type)
	}
	return NewStreamProject(agg, back, a.Cols)
}
