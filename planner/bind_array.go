package planner

import (
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// bindArrayExpr binds ARRAY[…], a subscript or slice, or op ANY | SOME |
// ALL (…) of an array. hint is the type the context expects: an array type
// gives an empty ARRAY[] and untyped literal elements their type.
func (b *Binder) bindArrayExpr(ec *exprContext, e sql.Expr, hint types.T) (expr.Expr, error) {
	switch e := e.(type) {
	case *sql.ArrayExpr:
		if e.Query != nil {
			// Ad-hoc queries run it in DuckDB; views cannot.
			return nil, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, e.Pos, "ARRAY(subquery) is not supported in views")
		}
		elemHint := hint.ElemType()
		if len(e.Elems) == 0 && hint.IsArray() {
			out, err := expr.Constant([]any{}, hint)
			return out, at(err, e.Pos)
		}
		elems := make([]expr.Expr, len(e.Elems))
		for i, el := range e.Elems {
			var err error
			if elems[i], err = b.bindExpr(ec, el, elemHint); err != nil {
				return nil, err
			}
		}
		if hint.IsArray() {
			// ARRAY['a', 'b'] where an int[] is expected: the literals take
			// the element type, as Postgres resolves them.
			for i, el := range elems {
				if el.Type().Family == types.Unknown {
					c, err := expr.Coerce(el, elemHint)
					if err != nil {
						return nil, atLiteral(err, e.Pos, e.Elems[i])
					}
					elems[i] = c
				}
			}
		}
		out, err := expr.ArrayConstructor(elems)
		return out, atLiteral(err, e.Pos, e.Elems...)
	case *sql.SubscriptExpr:
		a, err := b.bindExpr(ec, e.Expr, types.UnknownType)
		if err != nil {
			return nil, err
		}
		bound := func(x sql.Expr) (expr.Expr, error) {
			if x == nil {
				return nil, nil
			}
			return b.bindExpr(ec, x, types.Int32Type)
		}
		if !e.Slice {
			i, err := bound(e.Index)
			if err != nil {
				return nil, err
			}
			out, err := expr.Subscript(a, i)
			return out, atLiteral(err, e.Pos, e.Index)
		}
		lo, err := bound(e.Lo)
		if err != nil {
			return nil, err
		}
		hi, err := bound(e.Hi)
		if err != nil {
			return nil, err
		}
		out, err := expr.Slice(a, lo, hi)
		return out, atLiteral(err, e.Pos, e.Lo, e.Hi)
	case *sql.QuantifiedExpr:
		if _, ok := e.Right.(*sql.SubqueryExpr); ok {
			// The parser made = ANY and <> ALL of a subquery IN and NOT IN;
			// the other comparisons run ad hoc in DuckDB.
			return nil, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, e.Pos,
				"%s %s (subquery) is not supported; only = ANY and <> ALL are", e.Op, e.Word)
		}
		l, err := b.bindExpr(ec, e.Left, types.UnknownType)
		if err != nil {
			return nil, err
		}
		arrHint := types.UnknownType
		if t := l.Type(); types.ValidArrayElem(t) {
			arrHint = types.ArrayOf(t)
		}
		r, err := b.bindExpr(ec, e.Right, arrHint)
		if err != nil {
			return nil, err
		}
		out, err := expr.Quantified(e.Op, l, r, e.All())
		return out, atLiteral(err, e.Pos, e.Left, e.Right)
	}
	return nil, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, e.Position(), "unsupported expression %s", sql.String(e))
}

// arrayColumnName is the name Postgres gives the output column of an array
// expression: "array" for ARRAY[…], the subscripted expression's for a[i],
// the element type's for a cast to an array type.
func arrayColumnName(e sql.Expr) (string, bool) {
	switch e := e.(type) {
	case *sql.ArrayExpr:
		return "array", true
	case *sql.SubscriptExpr:
		return columnName(e.Expr), true
	case *sql.CastExpr:
		// A cast to an array type is named after the element type, as in
		// Postgres ('{1}'::int[] is int4).
		if e.Type.Type.IsArray() && columnName(e.Expr) == "?column?" {
			return typeColumnName(sql.TypeName{Type: e.Type.Type.ElemType()}), true
		}
	}
	return "", false
}
