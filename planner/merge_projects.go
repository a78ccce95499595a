package planner

import "github.com/weir-stream/weir/exec/expr"

// substituteProjection returns outer, expressions over the output of a
// projection computing inner, rewritten over that projection's input, and
// whether it may be: an inner expression other than a column or a constant
// that outer uses more than once stops it (it would be computed twice).
// Inner expressions outer does not use are not computed at all, as
// Postgres does not compute a subquery's unused columns. Both the stream
// planner (mergeProjects) and ad-hoc queries (MergeProjects) merge
// projections this way, so a view and the same query ad hoc agree, errors
// included.
func substituteProjection(outer, inner []expr.Expr) ([]expr.Expr, bool) {
	uses := make([]int, len(inner))
	var count func(e expr.Expr)
	count = func(e expr.Expr) {
		if c, ok := e.(*expr.ColumnRef); ok {
			uses[c.Index()]++
		}
		for _, k := range e.Children() {
			count(k)
		}
	}
	for _, e := range outer {
		count(e)
	}
	for i, e := range inner {
		switch e.(type) {
		case *expr.ColumnRef, *expr.Const:
		default:
			if uses[i] > 1 {
				return nil, false
			}
		}
	}
	out := make([]expr.Expr, len(outer))
	for i, e := range outer {
		out[i] = expr.Substitute(e, func(c *expr.ColumnRef) expr.Expr { return inner[c.Index()] })
	}
	return out, true
}

// MergeProjects returns n with every projection over a projection merged
// into one (see substituteProjection), the way views' plans are: ad-hoc
// queries run it before they run on weir's operators.
func MergeProjects(n Node) Node {
	switch n := n.(type) {
	case *Project:
		in := MergeProjects(n.Input)
		if p, ok := in.(*Project); ok {
			if exprs, ok := substituteProjection(n.Exprs, p.Exprs); ok {
				return &Project{Input: p.Input, Exprs: exprs, Cols: n.Cols}
			}
		}
		if in == n.Input {
			return n
		}
		return &Project{Input: in, Exprs: n.Exprs, Cols: n.Cols}
	case *Filter:
		if in := MergeProjects(n.Input); in != n.Input {
			return &Filter{Input: in, Pred: n.Pred}
		}
	case *Sort:
		if in := MergeProjects(n.Input); in != n.Input {
			return &Sort{Input: in, Keys: n.Keys}
		}
	case *Limit:
		if in := MergeProjects(n.Input); in != n.Input {
			return &Limit{Input: in, Count: n.Count, Offset: n.Offset}
		}
	case *Union:
		ins := make([]Node, len(n.Inputs))
		changed := false
		for i, c := range n.Inputs {
			ins[i] = MergeProjects(c)
			changed = changed || ins[i] != c
		}
		if changed {
			return &Union{Inputs: ins, Cols: n.Cols}
		}
	}
	return n
}
