package planner

import (
	"github.com/weir-stream/weir/exec/expr"
)

// joinLeaf is one input of a cluster of inner joins: its node and where its
// columns start in the cluster's output.
type joinLeaf struct {
	node          Node
	offset, width int
	singleRow     bool // the one row of a scalar subquery (Join.SingleRow)
}

// orderInnerJoins returns, for a cluster of three or more inputs joined by
// inner joins (a comma join: FROM a, b, c WHERE …), the same join in an
// order where each input joins what comes before it on an equality when
// one exists, each join holding the conditions over its inputs (a
// condition goes to the lowest join that has its columns), under a
// projection back to the cluster's column order. A stream join needs an
// equality between its two sides: FROM part, supplier, partsupp WHERE
// p_partkey = ps_partkey AND s_suppkey = ps_suppkey cannot join part and
// supplier first, and every join below the top one would otherwise see
// none of WHERE. A scalar subquery's one row (Join.SingleRow) is an input
// like the others, joined without a key when no equality joins it. A condition every branch of an OR holds counts as one of
// WHERE's. The joins are built left-deep, each left side a
// joinedInOrder so that it is not taken for a cluster again. ok is
// false for two inputs or fewer (planJoin handles those as they are).
func orderInnerJoins(j *Join, where expr.Expr) (Node, bool) {
	var leaves []joinLeaf
	conds := expr.Conjuncts(where)
	var flatten func(n Node, off int)
	flatten = func(n Node, off int) {
		if x, ok := n.(*Join); ok && x.Kind == InnerJoin && !x.Temporal {
			flatten(x.Left, off)
			if r := off + len(x.Left.Columns()); x.SingleRow {
				leaves = append(leaves, joinLeaf{node: x.Right, offset: r, width: len(x.Right.Columns()), singleRow: true})
			} else {
				flatten(x.Right, r)
			}
			for _, c := range expr.Conjuncts(x.On) {
				conds = append(conds, shiftColumns(c, off))
			}
			return
		}
		leaves = append(leaves, joinLeaf{node: n, offset: off, width: len(n.Columns())})
	}
	flatten(j, 0)
	if len(leaves) < 3 {
		return nil, false
	}
	// An OR whose every branch holds the same condition implies it
	// (TPC-H's Q19 writes its join key in each branch): the condition
	// joins too, the OR stays as it is.
	for _, c := range conds {
		conds = append(conds, expr.CommonConjuncts(c)...)
	}
	leafOf := func(col int) int {
		for i, l := range leaves {
			if col >= l.offset && col < l.offset+l.width {
				return i
			}
		}
		return -1
	}
	// within reports whether every column of e is in a leaf in set.
	within := func(e expr.Expr, set map[int]bool) bool {
		for _, c := range expr.Columns(e) {
			if !set[leafOf(c)] {
				return false
			}
		}
		return true
	}
	chosen := map[int]bool{0: true}
	order := []int{0}
	for len(order) < len(leaves) {
		next := -1
		for i := range leaves {
			if chosen[i] {
				continue
			}
			if next < 0 || leaves[i].singleRow && !leaves[next].singleRow {
				// No equality joins any: the first one-row side left,
				// else the first left, as written.
				next = i
			}
			one := map[int]bool{i: true}
			joins := false
			for _, c := range conds {
				if l, r, ok := expr.Equality(c); ok && len(expr.Columns(l)) > 0 && len(expr.Columns(r)) > 0 &&
					(within(l, chosen) && within(r, one) || within(r, chosen) && within(l, one)) {
					joins = true
					break
				}
			}
			if joins {
				next = i
				break
			}
		}
		chosen[next] = true
		order = append(order, next)
	}
	// Where each column of the cluster goes in the reordered join.
	newIndex := make([]int, 0)
	total := 0
	for _, l := range leaves {
		total += l.width
	}
	newIndex = make([]int, total)
	at := 0
	for _, i := range order {
		for c := range leaves[i].width {
			newIndex[leaves[i].offset+c] = at + c
		}
		at += leaves[i].width
	}
	remap := func(e expr.Expr) expr.Expr {
		return expr.Substitute(e, func(c *expr.ColumnRef) expr.Expr {
			return expr.Column(newIndex[c.Index()], c.Name(), c.Type())
		})
	}
	used := make([]bool, len(conds))
	var cur Node = leaves[order[0]].node
	have := map[int]bool{order[0]: true}
	for k, i := range order[1:] {
		have[i] = true
		var on []expr.Expr
		for ci, c := range conds {
			if !used[ci] && (within(c, have) || k == 0 && len(expr.Columns(c)) == 0) {
				used[ci] = true
				on = append(on, remap(c))
			}
		}
		if k > 0 {
			cur = joinedInOrder{cur.(*Join)}
		}
		cur = &Join{Left: cur, Right: leaves[i].node, Kind: InnerJoin, On: expr.And(on), SingleRow: leaves[i].singleRow}
	}
	cols := j.Columns()
	exprs := make([]expr.Expr, len(cols))
	for old, c := range cols {
		exprs[old] = expr.Column(newIndex[old], c.Name, c.Type)
	}
	return &Project{Input: cur, Exprs: exprs, Cols: cols}, true
}

// shiftColumns returns e with its column indexes moved by off.
func shiftColumns(e expr.Expr, off int) expr.Expr {
	if off == 0 {
		return e
	}
	return expr.Substitute(e, func(c *expr.ColumnRef) expr.Expr {
		return expr.Column(c.Index()+off, c.Name(), c.Type())
	})
}

// joinedInOrder is a join orderInnerJoins built: planNode plans it as it
// is, not as a cluster to order again.
type joinedInOrder struct{ *Join }

// pushBelowLeftSide returns f with the conjuncts of its condition that read
// only the left side of the join below it moved under that join, onto its
// left input, when that join is a left join, which keeps every left row as
// it is: a correlated scalar subquery binds as a left join over the
// FROM clause, and the comma join there needs WHERE's equalities (TPC-H's
// Q17 and Q2). false when there is none to move.
func pushBelowLeftSide(f *Filter) (Node, bool) {
	j, ok := f.Input.(*Join)
	if !ok || j.Kind != LeftJoin {
		return nil, false
	}
	lw := len(j.Left.Columns())
	var down, stay []expr.Expr
	for _, c := range expr.Conjuncts(f.Pred) {
		if cols := expr.Columns(c); len(cols) > 0 && cols[len(cols)-1] < lw && !expr.IsVolatile(c) {
			down = append(down, c)
		} else {
			stay = append(stay, c)
		}
	}
	if len(down) == 0 {
		return nil, false
	}
	var out Node = &Join{Left: &Filter{Input: j.Left, Pred: expr.And(down)}, Right: j.Right, Kind: j.Kind, On: j.On, SingleRow: j.SingleRow}
	if len(stay) > 0 {
		out = &Filter{Input: out, Pred: expr.And(stay)}
	}
	return out, true
}
