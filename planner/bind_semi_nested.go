package planner

import (
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// A semi or anti join's subquery may itself hold subqueries in its WHERE
// clause (TPC-H's Q20: `s_suppkey IN (SELECT ps_suppkey FROM partsupp
// WHERE ps_partkey IN (SELECT …) AND ps_availqty > (SELECT 0.5 * sum(…)
// FROM lineitem WHERE l_partkey = ps_partkey AND …))`). The conjuncts that
// hold one are bound over the subquery's FROM clause on their own, as the
// WHERE of a SELECT of their own would be: an IN or EXISTS conjunct is a
// semi or anti join, a scalar subquery a join (a correlated one, a left
// join with its aggregate grouped by the correlation keys: a key without
// rows gives NULL, and the comparison with NULL keeps no row). The rest of
// the WHERE clause, which may refer to the outer query, stays the semi
// join's condition. A nested subquery may refer to the subquery around it,
// not to the query outside that.

// hasSubquery reports whether e holds a subquery outside a nested one.
func hasSubquery(e sql.Expr) bool {
	found := false
	walk(e, func(x sql.Expr) {
		if _, ok := x.(*sql.SubqueryExpr); ok {
			found = true
		}
	})
	return found
}

// splitNested returns the conjuncts of where that hold a subquery, and the
// others ANDed (nil when none).
func splitNested(where sql.Expr) (nested []sql.Expr, rest sql.Expr) {
	for _, c := range andTerms(where) {
		if hasSubquery(c) {
			nested = append(nested, c)
			continue
		}
		if rest == nil {
			rest = c
		} else {
			rest = &sql.BinaryExpr{Pos: c.Position(), Op: sql.OpAnd, Left: rest, Right: c}
		}
	}
	return nested, rest
}

// bindNestedWhere binds the conjuncts nested (each holding a subquery) of
// subquery q's WHERE over right, q's FROM clause (scope rsc), and returns
// the node and its scope. sc is the scope of the query q is a subquery of:
// a nested subquery that refers to it is refused.
func (b *Binder) bindNestedWhere(q *sql.Select, nested []sql.Expr, right Node, rsc, sc *scope) (Node, *scope, error) {
	where := nested[0]
	for _, c := range nested[1:] {
		where = &sql.BinaryExpr{Pos: c.Position(), Op: sql.OpAnd, Left: where, Right: c}
	}
	inner := &sql.Select{Pos: q.Pos, From: q.From, Where: where}
	node, isc, err := b.bindScalarSubqueries(inner, right, rsc)
	if err == nil {
		node, isc, err = b.bindWhere(node, isc, where)
	}
	if err != nil {
		return nil, nil, b.nestedOuterError(err, nested, sc)
	}
	return node, isc, nil
}

// nestedOuterError returns err, the error of binding the nested conjuncts
// over their subquery's FROM clause alone, as feature_not_supported when a
// name it did not find is one of the outer query's (scope sc).
func (b *Binder) nestedOuterError(err error, nested []sql.Expr, sc *scope) error {
	code := sqlstate.From(err).Code
	if code != sqlstate.UndefinedColumn && code != sqlstate.UndefinedTable {
		return err
	}
	outer := false
	for _, c := range nested {
		sql.Walk(c, func(n sql.Node) bool {
			if ref, ok := n.(*sql.ColumnRef); ok {
				if _, rerr := sc.resolve(ref); rerr == nil {
					outer = true
				}
			}
			return !outer
		})
	}
	if !outer {
		return err
	}
	return sqlstate.Errorf(sqlstate.FeatureNotSupported, "a subquery nested in a subquery's WHERE that refers to the outermost query is not supported").
		WithHint("A nested subquery may refer to the subquery around it only.")
}
