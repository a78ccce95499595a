package expr

import "github.com/weir-stream/weir/sql"

// Comparison returns the operator and operands of e when e is a comparison
// (= <> < <= > >=); the operands have one type (the comparison converted
// them to it).
func Comparison(e Expr) (op sql.BinaryOp, l, r Expr, ok bool) {
	c, ok := e.(*compareExpr)
	if !ok {
		return 0, nil, nil, false
	}
	return c.op, c.l, c.r, true
}

// BetweenOperands returns the operands of e when e is `x BETWEEN lo AND
// hi` (not NOT BETWEEN).
func BetweenOperands(e Expr) (x, lo, hi Expr, ok bool) {
	b, ok := e.(*betweenExpr)
	if !ok || b.not {
		return nil, nil, nil, false
	}
	return b.e, b.lo, b.hi, true
}
