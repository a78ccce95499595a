package planner

import (
	"github.com/weir-stream/weir/exec/expr"
)

// pruneJoinInputs returns in, when it is an inner hash join, with each
// input projected to the columns exprs (a projection over it) read and
// those the join needs itself (its keys, its residual's columns, each
// input's stream key), and exprs over that join: a join keeps every row of
// both inputs in its state, so a column nothing reads would be written,
// kept and read back for nothing (Nexmark q7 keeps every bid for ten
// seconds and reads four of its eight columns). Any other in, or a join
// whose inputs' columns are all read, comes back as it is.
func pruneJoinInputs(in StreamNode, exprs []expr.Expr) (StreamNode, []expr.Expr) {
	j, ok := in.(*StreamHashJoin)
	if !ok || j.Kind != InnerJoin || j.Temporal || j.Frees != nil {
		return in, exprs
	}
	lCols, rCols := j.Left.Columns(), j.Right.Columns()
	width := len(lCols) + len(rCols)
	read := make([]bool, width)
	for _, c := range columnsOf(exprs) {
		if c < width {
			read[c] = true
		}
	}
	if j.Residual != nil {
		for _, c := range expr.Columns(j.Residual) {
			if c < width {
				read[c] = true
			}
		}
	}
	need := func(cols []Col, keys, streamKey []int, pos func(int) int) []bool {
		out := make([]bool, len(cols))
		for i := range cols {
			out[i] = read[pos(i)]
		}
		for _, k := range keys {
			out[k] = true
		}
		for _, k := range streamKey {
			out[k] = true
		}
		return out
	}
	lNeed := need(lCols, j.LeftKeys, j.Left.StreamKey(), j.LeftPos)
	rNeed := need(rCols, j.RightKeys, j.Right.StreamKey(), j.RightPos)
	left, lPos, lWidth, lOK := pruneJoinSide(j.Left, lCols, lNeed, j.LeftWidth)
	right, rPos, rWidth, rOK := pruneJoinSide(j.Right, rCols, rNeed, j.RightWidth)
	if !lOK && !rOK {
		return in, exprs
	}
	p := *j
	p.Left, p.Right, p.LeftWidth, p.RightWidth = left, right, lWidth, rWidth
	p.LeftKeys = remapColumns(j.LeftKeys, lPos)
	p.RightKeys = remapColumns(j.RightKeys, rPos)
	// at maps a column of the old join's output to the new one's.
	at := make([]int, width)
	for i := range lCols {
		at[j.LeftPos(i)] = -1
		if lPos[i] >= 0 {
			at[j.LeftPos(i)] = p.LeftPos(lPos[i])
		}
	}
	for i := range rCols {
		at[j.RightPos(i)] = -1
		if rPos[i] >= 0 {
			at[j.RightPos(i)] = p.RightPos(rPos[i])
		}
	}
	sub := func(e expr.Expr) expr.Expr {
		return expr.Substitute(e, func(c *expr.ColumnRef) expr.Expr {
			return expr.Column(at[c.Index()], c.Name(), c.Type())
		})
	}
	if j.Residual != nil {
		p.Residual = sub(j.Residual)
	}
	out := make([]expr.Expr, len(exprs))
	for i, e := range exprs {
		out[i] = sub(e)
	}
	return &p, out
}

// pruneJoinSide returns side projected to the columns need marks (in
// order, so that the first width columns' kept ones stay first), where
// each old column went (-1: dropped), the new width, and ok; side itself,
// the identity and ok false when every column is needed or the projection
// would not keep exactly those columns.
func pruneJoinSide(side StreamNode, cols []Col, need []bool, width int) (StreamNode, []int, int, bool) {
	pos := make([]int, len(cols))
	var under []expr.Expr
	var kept []Col
	newWidth := 0
	for i, c := range cols {
		pos[i] = -1
		if !need[i] {
			continue
		}
		pos[i] = len(under)
		under = append(under, expr.Column(i, c.Name, c.Type))
		kept = append(kept, c)
		if i < width {
			newWidth++
		}
	}
	if len(kept) == len(cols) {
		for i := range pos {
			pos[i] = i
		}
		return side, pos, width, false
	}
	p := NewStreamProject(side, under, kept)
	if len(p.Columns()) != len(kept) {
		for i := range pos {
			pos[i] = i
		}
		return side, pos, width, false
	}
	return p, pos, newWidth, true
}

// remapColumns returns cols moved by pos.
func remapColumns(cols []int, pos []int) []int {
	out := make([]int, len(cols))
	for i, c := range cols {
		out[i] = pos[c]
	}
	return out
}
