package expr

import "github.com/weir-stream/weir/sql"

// Conjuncts returns the terms of e's top-level ANDs, left to right (e
// itself when it is no AND; none for nil).
func Conjuncts(e Expr) []Expr {
	if e == nil {
		return nil
	}
	if l, ok := e.(*logicExpr); ok && l.op == sql.OpAnd {
		return append(Conjuncts(l.l), Conjuncts(l.r)...)
	}
	return []Expr{e}
}

// And returns the conjunction of es, in order (nil for none).
func And(es []Expr) Expr {
	var out Expr
	for _, e := range es {
		if out == nil {
			out = e
		} else {
			out = &logicExpr{op: sql.OpAnd, l: out, r: e}
		}
	}
	return out
}

// Equality returns the operands of e when e is an `=` comparison; they
// have one type (the comparison converted them to it).
func Equality(e Expr) (l, r Expr, ok bool) {
	c, ok := e.(*compareExpr)
	if !ok || c.op != sql.OpEq {
		return nil, nil, false
	}
	return c.l, c.r, true
}
