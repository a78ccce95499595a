package planner

import (
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// maxGroupingSets is Postgres' bound on the grouping sets of one GROUP BY.
const maxGroupingSets = 4096

// groupingSetIDName names the hidden group key that numbers a row's
// grouping set.
const groupingSetIDName = "_grouping_set"

// hasGroupingSets reports whether GROUP BY's list has GROUPING SETS,
// ROLLUP, CUBE or ().
func hasGroupingSets(list []sql.Expr) bool {
	for _, e := range list {
		if _, ok := e.(*sql.GroupingSet); ok {
			return true
		}
	}
	return false
}

// expandGroupBy returns the grouping sets GROUP BY's list stands for, each
// the keys as written: the cross product of its elements' sets, a plain key
// being the one set of itself (GROUP BY a, ROLLUP (b) is (a, b), (a)).
func expandGroupBy(list []sql.Expr) ([][]sql.Expr, error) {
	sets := [][]sql.Expr{{}}
	for _, e := range list {
		es := [][]sql.Expr{{e}}
		if g, ok := e.(*sql.GroupingSet); ok {
			es = expandGroupingSet(g)
		}
		var next [][]sql.Expr
		for _, s := range sets {
			for _, x := range es {
				next = append(next, append(s[:len(s):len(s)], x...))
			}
			if len(next) > maxGroupingSets {
				return nil, sqlstate.ErrorfAt(sqlstate.StatementTooComplex, e.Position(),
					"too many grouping sets present (maximum %d)", maxGroupingSets)
			}
		}
		sets = next
	}
	return sets, nil
}

// expandGroupingSet returns the sets of one GROUPING SETS, ROLLUP, CUBE or
// (): ROLLUP (a, b) is (a, b), (a), (); CUBE (a, b) is (a, b), (a), (b), ().
func expandGroupingSet(g *sql.GroupingSet) [][]sql.Expr {
	var out [][]sql.Expr
	switch g.Kind {
	case sql.EmptyGrouping:
		out = [][]sql.Expr{{}}
	case sql.GroupingSets:
		for _, it := range g.Items {
			if nested, ok := firstExpr(it).(*sql.GroupingSet); ok && !it.Paren {
				out = append(out, expandGroupingSet(nested)...)
			} else {
				out = append(out, it.Exprs)
			}
		}
	case sql.Rollup:
		for n := len(g.Items); n >= 0; n-- {
			var s []sql.Expr
			for _, it := range g.Items[:n] {
				s = append(s, it.Exprs...)
			}
			out = append(out, s)
		}
	case sql.Cube:
		n := len(g.Items)
		if n > 12 {
			n = 13 // 8192 sets: expandGroupBy reports too many
		}
		for mask := (1 << n) - 1; mask >= 0; mask-- {
			var s []sql.Expr
			for i := range n {
				if mask&(1<<(n-1-i)) != 0 {
					s = append(s, g.Items[i].Exprs...)
				}
			}
			out = append(out, s)
		}
	}
	return out
}

// bindGroupingSets binds a GROUP BY with grouping sets into a: the keys of
// every set, each once, then (when there are several sets) the hidden key
// numbering the set a row belongs to; a.sets holds each set's keys.
func (b *Binder) bindGroupingSets(s *sql.Select, sc *scope, items []selectItem, a *aggregation) error {
	sets, err := expandGroupBy(s.GroupBy)
	if err != nil {
		return err
	}
	ec := &exprContext{scope: sc, clause: "GROUP BY"}
	index := map[string]int{}
	a.sets = make([][]int, len(sets))
	for i, set := range sets {
		inSet := map[int]bool{}
		for _, g := range set {
			target, err := b.groupKeyTarget(g, sc, items)
			if err != nil {
				return err
			}
			key := sql.String(target)
			k, ok := index[key]
			if !ok {
				e, err := b.bindExpr(ec, target, types.UnknownType)
				if err != nil {
					return err
				}
				k = len(a.groupExpr)
				index[key] = k
				a.groupSQL = append(a.groupSQL, key)
				a.groupExpr = append(a.groupExpr, e)
				a.groupCols = append(a.groupCols, Col{Name: columnName(target), Type: e.Type()})
			}
			if !inSet[k] {
				inSet[k] = true
				a.sets[i] = append(a.sets[i], k)
			}
		}
	}
	if len(sets) == 1 {
		// One set is a plain GROUP BY of its keys.
		a.sets = nil
		return nil
	}
	// The set number is a key no expression spells ("" never matches).
	a.groupSQL = append(a.groupSQL, "")
	a.groupExpr = append(a.groupExpr, expr.Null(types.Int32Type))
	a.groupCols = append(a.groupCols, Col{Name: groupingSetIDName, Type: types.Int32Type, Hidden: true})
	return nil
}

// planGroupingSets returns the nodes computing an aggregation with several
// grouping sets over input: per set, the aggregate of input grouped by the
// set's keys, projected to the aggregation's columns (NULL for the keys not
// in the set, then the set's number); the union of them all. The set number
// keeps apart rows of different sets whose keys agree (NULL in one, absent
// in the other), in the union's key as in its output.
func (a *aggregation) planGroupingSets(input Node) Node {
	nk := len(a.groupExpr) - 1
	out := append([]Col(nil), a.groupCols...)
	for _, c := range a.calls {
		out = append(out, Col{Name: c.name, Type: c.agg.Type})
	}
	u := &Union{Cols: out}
	for id, set := range a.sets {
		sub := *a
		sub.sets, sub.groupSQL, sub.groupExpr, sub.groupCols = nil, nil, nil, nil
		at := make([]int, nk)
		for k := range at {
			at[k] = -1
		}
		for j, k := range set {
			at[k] = j
			sub.groupSQL = append(sub.groupSQL, a.groupSQL[k])
			sub.groupExpr = append(sub.groupExpr, a.groupExpr[k])
			sub.groupCols = append(sub.groupCols, a.groupCols[k])
		}
		agg := sub.plan(input)
		exprs := make([]expr.Expr, 0, len(out))
		for k := range nk {
			if at[k] >= 0 {
				exprs = append(exprs, expr.Column(at[k], out[k].Name, out[k].Type))
			} else {
				exprs = append(exprs, expr.Null(out[k].Type))
			}
		}
		exprs = append(exprs, int32Const(id))
		for j, c := range a.calls {
			exprs = append(exprs, expr.Column(len(set)+j, c.name, c.agg.Type))
		}
		u.Inputs = append(u.Inputs, &Project{Input: agg, Exprs: exprs, Cols: out})
	}
	return u
}

// int32Const is the integer constant n.
func int32Const(n int) expr.Expr {
	c, err := expr.Constant(int64(n), types.Int32Type)
	if err != nil {
		panic(err) // an int32 constant is always valid
	}
	return c
}

// isGroupingCall reports whether call is GROUPING(…).
func isGroupingCall(call *sql.FuncCall) bool {
	return call.Name.Value == "grouping" && !call.Name.Quoted && call.Over == nil && len(call.Args) > 0
}

// bindGroupingCall binds GROUPING(k1, …, kn) over the aggregation: an
// integer whose bit n-i is set when the row's grouping set lacks key ki.
// Each argument must be a group key, as in Postgres (42803).
func (b *Binder) bindGroupingCall(ec *exprContext, call *sql.FuncCall) (expr.Expr, error) {
	a := ec.agg
	if len(call.Args) > 31 {
		return nil, sqlstate.ErrorfAt(sqlstate.TooManyArguments, call.Pos, "GROUPING must have fewer than 32 arguments")
	}
	keys := make([]int, len(call.Args))
	for i, arg := range call.Args {
		bound, ok, err := b.bindGrouped(ec, arg)
		if err != nil {
			return nil, err
		}
		c, isCol := bound.(*expr.ColumnRef)
		if !ok || !isCol || c.Index() >= len(a.groupSQL) || a.groupSQL[c.Index()] == "" {
			return nil, sqlstate.ErrorfAt(sqlstate.GroupingError, arg.Position(),
				"arguments to GROUPING must be grouping expressions of the associated query level")
		}
		keys[i] = c.Index()
	}
	value := func(set []int) expr.Expr {
		v := 0
		for i, k := range keys {
			found := false
			for _, s := range set {
				found = found || s == k
			}
			if !found {
				v |= 1 << (len(keys) - 1 - i)
			}
		}
		return int32Const(v)
	}
	if a.sets == nil {
		return int32Const(0), nil
	}
	id := len(a.groupSQL) - 1
	whens := make([][2]expr.Expr, len(a.sets))
	for i, set := range a.sets {
		whens[i] = [2]expr.Expr{int32Const(i), value(set)}
	}
	out, err := expr.Case(expr.Column(id, groupingSetIDName, types.Int32Type), whens, nil)
	return out, at(err, call.Pos)
}

// firstExpr is it's first expression, nil for ().
func firstExpr(it sql.GroupingItem) sql.Expr {
	if len(it.Exprs) == 0 {
		return nil
	}
	return it.Exprs[0]
}
