package expr

import (
	"slices"

	"github.com/weir-stream/weir/sql"
)

// Disjuncts returns the terms of e's top-level ORs, left to right (e
// itself when it is no OR; none for nil).
func Disjuncts(e Expr) []Expr {
	if e == nil {
		return nil
	}
	if l, ok := e.(*logicExpr); ok && l.op == sql.OpOr {
		return append(Disjuncts(l.l), Disjuncts(l.r)...)
	}
	return []Expr{e}
}

// CommonConjuncts returns the conjuncts every branch of the OR e has
// (sameTerm): (a = b AND x) OR (a = b AND y) implies a = b. None when e is
// no OR.
func CommonConjuncts(e Expr) []Expr {
	ors := Disjuncts(e)
	if len(ors) < 2 {
		return nil
	}
	var out []Expr
	for _, c := range Conjuncts(ors[0]) {
		everywhere := true
		for _, o := range ors[1:] {
			found := false
			for _, d := range Conjuncts(o) {
				found = found || sameTerm(c, d)
			}
			everywhere = everywhere && found
		}
		if everywhere {
			out = append(out, c)
		}
	}
	return out
}

// sameTerm reports whether a and b are the same expression: the same text
// over the same columns (a column's text is its name only).
func sameTerm(a, b Expr) bool {
	return a.String() == b.String() && slices.Equal(columnsInOrder(a, nil), columnsInOrder(b, nil))
}

// columnsInOrder appends the column indexes e references, in the order it
// references them, to out.
func columnsInOrder(e Expr, out []int) []int {
	if c, ok := e.(*ColumnRef); ok {
		out = append(out, c.index)
	}
	for _, k := range e.Children() {
		out = columnsInOrder(k, out)
	}
	return out
}
