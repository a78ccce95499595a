package planner

import (
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// bindAggOrder binds the ORDER BY inside aggregate call. Only string_agg's
// order matters (the others' results do not depend on it): ordered by its
// argument (first), ascending or descending, it needs no keys, since equal
// values join to the same text whatever the later keys; ordered by anything
// else it is OrderByOther with the keys bound (ties then go by value). With
// DISTINCT every ORDER BY expression must be an argument (42P10), as in
// Postgres.
func (b *Binder) bindAggOrder(ec *exprContext, call *sql.FuncCall, agg *expr.Aggregate) error {
	if len(call.OrderBy) == 0 {
		return nil
	}
	var keys []expr.AggOrderKey
	for _, o := range call.OrderBy {
		e, err := b.bindExpr(ec, o.Expr, types.UnknownType)
		if err != nil {
			return err
		}
		if e, err = resolveUnknown(e); err != nil {
			return at(err, o.Expr.Position())
		}
		nullsFirst := o.Desc
		if o.NullsFirst != nil {
			nullsFirst = *o.NullsFirst
		}
		keys = append(keys, expr.AggOrderKey{Expr: e, Desc: o.Desc, NullsFirst: nullsFirst})
		if call.Distinct && !isArgument(call, o.Expr) {
			return sqlstate.ErrorfAt(sqlstate.InvalidColumnReference, o.Expr.Position(),
				"in an aggregate with DISTINCT, ORDER BY expressions must appear in argument list")
		}
	}
	if !agg.Kind.Ordered() {
		return nil
	}
	first := call.OrderBy[0]
	switch {
	case sql.String(first.Expr) != sql.String(call.Args[0]):
		agg.Order, agg.OrderBy = expr.OrderByOther, keys
	case first.Desc:
		agg.Order = expr.OrderByValueDesc
	default:
		agg.Order = expr.OrderByValue
	}
	return nil
}

// isArgument reports whether e is written as one of call's arguments.
func isArgument(call *sql.FuncCall, e sql.Expr) bool {
	s := sql.String(e)
	for _, a := range call.Args {
		if sql.String(a) == s {
			return true
		}
	}
	return false
}

// notAggregateCall returns the error of a call of a function that is not an
// aggregate with an aggregate's DISTINCT, ORDER BY or FILTER (42809).
func notAggregateCall(call *sql.FuncCall) error {
	what := ""
	switch {
	case call.Filter != nil:
		what = "FILTER"
	case len(call.OrderBy) > 0:
		what = "ORDER BY"
	case call.Distinct:
		what = "DISTINCT"
	default:
		return nil
	}
	return sqlstate.ErrorfAt(sqlstate.WrongObjectType, call.Pos,
		"%s specified, but %s is not an aggregate function", what, call.Name.Value)
}

// projectAggInputs adds agg's FILTER condition, a string_agg delimiter that
// is not a constant and string_agg's ORDER BY keys to the projection in front of the aggregate
// (exprs, cols), as hidden columns, and makes agg read them from there.
func projectAggInputs(agg *expr.Aggregate, exprs []expr.Expr, cols []Col) ([]expr.Expr, []Col) {
	project := func(e expr.Expr) expr.Expr {
		name := e.String()
		col := expr.Column(len(exprs), name, e.Type())
		exprs = append(exprs, e)
		cols = append(cols, Col{Name: name, Type: e.Type(), Hidden: true})
		return col
	}
	if agg.Filter != nil {
		agg.Filter = project(agg.Filter)
	}
	if _, isConst := agg.Sep.(*expr.Const); agg.Sep != nil && !isConst {
		agg.Sep = project(agg.Sep)
	}
	if len(agg.OrderBy) > 0 {
		keys := make([]expr.AggOrderKey, len(agg.OrderBy))
		for i, k := range agg.OrderBy {
			k.Expr = project(k.Expr)
			keys[i] = k
		}
		agg.OrderBy = keys
	}
	return exprs, cols
}

// checkStreamAggs reports the aggregates a view cannot maintain: string_agg
// with a delimiter that is not a constant (0A000).
func checkStreamAggs(aggs []expr.Aggregate) error {
	for _, a := range aggs {
		if a.Kind != expr.StringAgg {
			continue
		}
		if _, ok := a.Sep.(*expr.Const); !ok {
			return sqlstate.Errorf(sqlstate.FeatureNotSupported, "string_agg with a delimiter that is not a constant is not supported in materialized views")
		}
	}
	return nil
}

// sharedDistinctArg returns, for a DISTINCT call whose argument an earlier
// DISTINCT call of the aggregation projects already (the same expression,
// not volatile), that projected column: the hash aggregate then keeps one
// value multiset for both (FILTERs may differ). Otherwise it records the
// call's argument as projected at column next and returns nil.
func sharedDistinctArg(seen map[string]expr.Expr, c aggCall, next int) expr.Expr {
	if !c.agg.Distinct || c.arg == nil || expr.IsVolatile(c.arg) {
		return nil
	}
	enc, err := expr.Marshal(c.arg)
	if err != nil {
		return nil
	}
	if col, ok := seen[string(enc)]; ok {
		return col
	}
	seen[string(enc)] = expr.Column(next, c.arg.String(), c.arg.Type())
	return nil
}
