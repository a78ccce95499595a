package sql

// arrayExpr prints ARRAY[…], a subscript or slice, or a comparison with ANY,
// SOME or ALL; ok is false for any other expression.
func (pr printer) arrayExpr(e Expr, minLvl int) (ok bool) {
	switch e := e.(type) {
	case *ArrayExpr:
		if e.Query != nil {
			pr.w("ARRAY(")
			pr.query(e.Query)
			pr.w(")")
			return true
		}
		pr.w("ARRAY[")
		pr.exprList(e.Elems)
		pr.w("]")
	case *SubscriptExpr:
		switch e.Expr.(type) {
		case *ColumnRef, *ParenExpr, *FuncCall, *ArrayExpr, *SubscriptExpr:
			pr.expr(e.Expr, 0, 0, false)
		default:
			pr.w("(")
			pr.expr(e.Expr, 0, 0, false)
			pr.w(")")
		}
		pr.w("[")
		if e.Slice {
			if e.Lo != nil {
				pr.expr(e.Lo, 0, 0, false)
			}
			pr.w(":")
			if e.Hi != nil {
				pr.expr(e.Hi, 0, 0, false)
			}
		} else {
			pr.expr(e.Index, 0, 0, false)
		}
		pr.w("]")
	case *FieldSelect:
		pr.fieldSelect(e)
	case *QuantifiedExpr:
		pr.expr(e.Left, minLvl, lvlCmp, true)
		pr.w(" " + e.Op.String() + " " + e.Word + " ")
		if sq, isQuery := e.Right.(*SubqueryExpr); isQuery {
			pr.exprInner(sq, 0, 0, false)
			return true
		}
		pr.w("(")
		pr.expr(e.Right, 0, 0, false)
		pr.w(")")
	default:
		return false
	}
	return true
}
