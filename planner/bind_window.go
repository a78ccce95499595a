package planner

import (
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// windowFuncs are Postgres' window functions that are not aggregates; every
// aggregate is a window function too when called with OVER.
var windowFuncs = map[string]bool{
	"row_number": true, "rank": true, "dense_rank": true, "percent_rank": true,
	"cume_dist": true, "ntile": true, "lag": true, "lead": true,
	"first_value": true, "last_value": true, "nth_value": true,
}

// isWindowCall reports whether e is a window function call (has OVER).
func isWindowCall(e sql.Expr) bool {
	f, ok := e.(*sql.FuncCall)
	return ok && f.Over != nil
}

// windowCalls returns the window function calls of s's select list and
// ORDER BY, the clauses where Postgres allows them, outermost first; it
// does not look into subqueries, which are queries of their own.
func windowCalls(s *sql.Select) []*sql.FuncCall {
	var calls []*sql.FuncCall
	visit := func(n sql.Node) bool {
		switch n := n.(type) {
		case *sql.SubqueryExpr, *sql.Select:
			return false
		case *sql.FuncCall:
			if n.Over != nil {
				calls = append(calls, n)
			}
		}
		return true
	}
	for _, it := range s.Items {
		sql.Walk(it.Expr, visit)
	}
	for _, o := range s.OrderBy {
		sql.Walk(o.Expr, visit)
	}
	return calls
}

// checkWindowCalls checks s's window function calls and WINDOW clause as
// Postgres' parse analysis does: a named window exists and is defined once,
// a window refining another overrides neither its PARTITION BY nor its
// ORDER BY and copies no frame, calls are not nested, and DISTINCT, an
// argument ORDER BY and FILTER are refused where Postgres refuses them.
func checkWindowCalls(s *sql.Select) error {
	defs := map[string]*sql.WindowSpec{}
	for _, nw := range s.Windows {
		if _, dup := defs[nw.Name.Value]; dup {
			return sqlstate.ErrorfAt(sqlstate.WindowingError, nw.Name.Pos, "window \"%s\" is already defined", nw.Name.Value)
		}
		if err := checkWindowRef(nw.Spec, defs); err != nil {
			return err
		}
		defs[nw.Name.Value] = nw.Spec
	}
	for _, call := range windowCalls(s) {
		w := call.Over
		if w.Name != nil {
			if defs[w.Name.Value] == nil {
				return sqlstate.ErrorfAt(sqlstate.UndefinedObject, w.Name.Pos, "window \"%s\" does not exist", w.Name.Value)
			}
		} else if err := checkWindowRef(w, defs); err != nil {
			return err
		}
		if err := checkNotNested(call); err != nil {
			return err
		}
		name := call.Name.Value
		switch {
		case call.Distinct:
			return refusal{sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, call.Pos, "DISTINCT is not implemented for window functions")}
		case len(call.OrderBy) > 0:
			return refusal{sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, call.Pos, "aggregate ORDER BY is not implemented for window functions")}
		case call.Filter != nil && windowFuncs[name]:
			return refusal{sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, call.Pos, "FILTER is not implemented for non-aggregate window functions")}
		}
	}
	return nil
}

// checkWindowRef checks that the window w refines, if any, is defined in
// defs and that w may refine it.
func checkWindowRef(w *sql.WindowSpec, defs map[string]*sql.WindowSpec) error {
	if w.Ref == nil {
		return nil
	}
	ref := defs[w.Ref.Value]
	switch {
	case ref == nil:
		return sqlstate.ErrorfAt(sqlstate.UndefinedObject, w.Ref.Pos, "window \"%s\" does not exist", w.Ref.Value)
	case len(w.PartitionBy) > 0:
		return sqlstate.ErrorfAt(sqlstate.WindowingError, w.PartitionBy[0].Position(), "cannot override PARTITION BY clause of window \"%s\"", w.Ref.Value)
	case len(w.OrderBy) > 0 && len(ref.OrderBy) > 0:
		return sqlstate.ErrorfAt(sqlstate.WindowingError, w.OrderBy[0].Expr.Position(), "cannot override ORDER BY clause of window \"%s\"", w.Ref.Value)
	case ref.Frame != nil:
		return sqlstate.ErrorfAt(sqlstate.WindowingError, w.Ref.Pos, "cannot copy window \"%s\" because it has a frame clause", w.Ref.Value).
			WithHint("Omit the parentheses in this OVER clause.")
	}
	return nil
}

// checkNotNested fails when a window function call is inside call's
// arguments, FILTER or window.
func checkNotNested(call *sql.FuncCall) error {
	var inner *sql.FuncCall
	visit := func(n sql.Node) bool {
		switch n := n.(type) {
		case *sql.SubqueryExpr, *sql.Select:
			return false
		case *sql.FuncCall:
			if n.Over != nil && inner == nil {
				inner = n
			}
		}
		return inner == nil
	}
	for _, a := range call.Args {
		sql.Walk(a, visit)
	}
	sql.Walk(call.Filter, visit)
	if call.Over != nil {
		sql.Walk(call.Over, visit)
	}
	if inner != nil {
		return sqlstate.ErrorfAt(sqlstate.WindowingError, inner.Pos, "window function calls cannot be nested")
	}
	return nil
}

// windowCallError is the error for the call e, a window function call or a
// window function without OVER, met where the binder binds plain
// expressions: Postgres' error in the clauses that forbid window functions,
// and otherwise (the select list or ORDER BY of a query whose windows the
// binder does not plan) feature_not_supported, which an ad-hoc query
// answers in DuckDB. It returns nil for a call that is neither.
func windowCallError(ec *exprContext, e *sql.FuncCall) error {
	if e.Over == nil {
		if windowFuncs[e.Name.Value] {
			return sqlstate.ErrorfAt(sqlstate.WrongObjectType, e.Pos, "window function %s requires an OVER clause", e.Name.Value)
		}
		return nil
	}
	switch ec.clause {
	case "SELECT", "ORDER BY":
		return sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, e.Pos, "window function %s is not supported in materialized views yet", e.Name.Value).
			WithHint("A view keeps ROW_NUMBER(), RANK() and DENSE_RANK() filtered to the top rows of each partition (WHERE rn <= n in the query around it).")
	case "aggregate function calls":
		return sqlstate.ErrorfAt(sqlstate.GroupingError, e.Pos, "aggregate function calls cannot contain window function calls")
	case "JOIN/ON":
		return sqlstate.ErrorfAt(sqlstate.WindowingError, e.Pos, "window functions are not allowed in JOIN conditions")
	}
	return sqlstate.ErrorfAt(sqlstate.WindowingError, e.Pos, "window functions are not allowed in %s", ec.clause)
}

// isPlainAggregate reports whether e calls an aggregate as an aggregate
// (without OVER).
func isPlainAggregate(e *sql.FuncCall) bool {
	return e.Over == nil && expr.IsAggregateName(e.Name.Value)
}
