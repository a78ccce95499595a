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
	p, pos, out, ok := pruneWindowInput(h.Input, h.Cols, exprs, append([]int{h.TimeCol}, h.Input.StreamKey()...))
	if !ok {
		return in, exprs
	}
	n := len(pos)
	hop := &StreamHop{Input: p, TimeCol: pos[h.TimeCol], Size: h.Size, Slide: h.Slide, Offset: h.Offset}
	hop.Cols = append(append([]Col(nil), p.Cols...), h.Cols[n:]...)
	return hop, out
}

// pruneWindowInput is the common part of pruneHopInput and
// pruneSessionInput: for a window node over input whose columns are cols
// (input's, then the window's own), it returns a projection of input to
// the columns exprs read and the columns keep, where each of input's
// columns went in it (pos), and exprs rewritten over the pruned window
// (its window columns following the projection's). ok is false when every
// column of input is needed: nothing to prune.
func pruneWindowInput(input StreamNode, cols []Col, exprs []expr.Expr, keep []int) (p *StreamProject, pos []int, out []expr.Expr, ok bool) {
	inCols := input.Columns()
	n := len(inCols)
	need := make([]bool, n)
	for _, c := range columnsOf(exprs) {
		if c < n {
			need[c] = true
		}
	}
	for _, c := range keep {
		need[c] = true
	}
	if !slices.Contains(need, false) {
		return nil, nil, nil, false
	}
	pos = make([]int, n)
	var under []expr.Expr
	var kept []Col
	for i, c := range inCols {
		if need[i] {
			pos[i] = len(under)
			under = append(under, expr.Column(i, c.Name, c.Type))
			kept = append(kept, cols[i])
		}
	}
	p = NewStreamProject(input, under, kept)
	m := len(p.Cols)
	out = make([]expr.Expr, len(exprs))
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
	return p, pos, out, true
}
