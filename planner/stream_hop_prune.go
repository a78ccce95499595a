package planner

import (
	"slices"

	"github.com/weir-stream/weir/exec/expr"
)

// pruneHopInput returns in, when it is a HOP window, with its input
// projected to the columns exprs (a projection over it) read and those it
// needs itself (time, key), and exprs over that hop: a hop copies each row
// once per window holding it, so a column nothing above reads would be
// copied size/slide times for nothing (Nexmark q5 reads two of a bid's
// eight columns, five copies of each bid). Any other in, or a hop whose
// columns are all read, comes back as it is.
func pruneHopInput(in StreamNode, exprs []expr.Expr) (StreamNode, []expr.Expr) {
	h, ok := in.(*StreamHop)
	if !ok {
		return in, exprs
	}
	inCols := h.Input.Columns()
	n := len(inCols)
	need := make([]bool, n)
	for _, c := range columnsOf(exprs) {
		if c < n {
			need[c] = true
		}
	}
	need[h.TimeCol] = true
	for _, c := range h.Input.StreamKey() {
		need[c] = true
	}
	if !slices.Contains(need, false) {
		return in, exprs
	}
	pos := make([]int, n)
	var under []expr.Expr
	var cols []Col
	for i, c := range inCols {
		if need[i] {
			pos[i] = len(under)
			under = append(under, expr.Column(i, c.Name, c.Type))
			cols = append(cols, h.Cols[i])
		}
	}
	p := NewStreamProject(h.Input, under, cols)
	hop := &StreamHop{Input: p, TimeCol: pos[h.TimeCol], Size: h.Size, Slide: h.Slide, Offset: h.Offset}
	hop.Cols = append(append([]Col(nil), p.Cols...), h.Cols[n:]...)
	m := len(p.Cols)
	out := make([]expr.Expr, len(exprs))
	for i, e := range exprs {
		out[i] = expr.Substitute(e, func(c *expr.ColumnRef) expr.Expr {
			j := c.Index()
			if j < n {
				j = pos[j]
			} else {
				j = m + j - n
			}
			return expr.Column(j, c.Name(), c.Type())
		})
	}
	return hop, out
}
