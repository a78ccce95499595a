package planner

import (
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// bindUsing binds JOIN … USING (cols) and NATURAL JOIN (USING the columns
// both sides name, in the left side's order; none: a cross join), as
// Postgres does: join, whose condition is the equality of each pair of
// columns (converted to their common type), is projected to the merged
// columns first — the left side's for an inner or left join, the right's
// for a right join, COALESCE of both for a full join — named but not
// qualified, then every column of join, where each side's USING columns
// can still be named qualified (l.k) but are not selected by *.
func (b *Binder) bindUsing(j *sql.JoinTableExpr, join *Join) (Node, error) {
	lcols, rcols := join.Left.Columns(), join.Right.Columns()
	lw := len(lcols)
	names := j.Using
	if j.Natural {
		names = nil
		seen := map[string]bool{}
		for _, c := range lcols {
			if visibleUnqualified(c) && !seen[c.Name] && findUnqualified(rcols, c.Name) >= 0 {
				seen[c.Name] = true
				names = append(names, sql.Name{Pos: j.Pos, Value: c.Name})
			}
		}
		if len(names) == 0 {
			return join, nil // a cross join
		}
	}
	seen := map[string]bool{}
	var conds []expr.Expr
	var exprs []expr.Expr
	var cols []Col
	usedL, usedR := map[int]bool{}, map[int]bool{}
	for _, n := range names {
		if seen[n.Value] {
			return nil, sqlstate.ErrorfAt(sqlstate.DuplicateColumn, n.Pos, "column name \"%s\" appears more than once in USING clause", n.Value)
		}
		seen[n.Value] = true
		li, err := usingColumn(lcols, n, "left")
		if err != nil {
			return nil, err
		}
		ri, err := usingColumn(rcols, n, "right")
		if err != nil {
			return nil, err
		}
		usedL[li], usedR[ri] = true, true
		lt, rt := lcols[li].Type, rcols[ri].Type
		t, err := expr.CommonType([]types.T{lt, rt})
		if err != nil {
			return nil, sqlstate.ErrorfAt(sqlstate.DatatypeMismatch, n.Pos, "JOIN/USING types %s and %s cannot be matched", lt, rt)
		}
		l, err := convert(expr.Column(li, lcols[li].Name, lt), t)
		if err != nil {
			return nil, at(err, n.Pos)
		}
		r, err := convert(expr.Column(lw+ri, rcols[ri].Name, rt), t)
		if err != nil {
			return nil, at(err, n.Pos)
		}
		eq, err := expr.Binary(sql.OpEq, l, r)
		if err != nil {
			return nil, at(err, n.Pos)
		}
		conds = append(conds, eq)
		merged := l
		switch join.Kind {
		case RightJoin:
			merged = r
		case FullJoin:
			if merged, err = expr.Func("coalesce", []expr.Expr{l, r}); err != nil {
				return nil, at(err, n.Pos)
			}
		}
		exprs = append(exprs, merged)
		cols = append(cols, Col{Name: n.Value, Type: t})
	}
	join.On = expr.And(conds)
	for i, c := range join.Columns() {
		exprs = append(exprs, expr.Column(i, c.Name, c.Type))
		if (i < lw && usedL[i]) || (i >= lw && usedR[i-lw]) {
			c.QualifiedOnly = true
		}
		cols = append(cols, c)
	}
	return &Project{Input: join, Exprs: exprs, Cols: cols}, nil
}

// convert returns e as type t.
func convert(e expr.Expr, t types.T) (expr.Expr, error) {
	if e.Type() == t {
		return e, nil
	}
	return expr.Cast(e, t)
}

// usingProject reports whether p is the projection bindUsing puts over a
// join, which is still part of the FROM clause's join tree.
func usingProject(p *Project) bool {
	if _, ok := p.Input.(*Join); !ok {
		return false
	}
	for _, c := range p.Cols {
		if c.QualifiedOnly {
			return true
		}
	}
	return false
}

// visibleUnqualified reports whether c can be named without a qualifier.
func visibleUnqualified(c Col) bool { return !c.Hidden && !c.QualifiedOnly }

// findUnqualified returns the column of cols an unqualified name names
// (the first), or -1.
func findUnqualified(cols []Col, name string) int {
	for i, c := range cols {
		if visibleUnqualified(c) && c.Name == name {
			return i
		}
	}
	return -1
}

// usingColumn returns the one column of side's cols that USING's name n
// names.
func usingColumn(cols []Col, n sql.Name, side string) (int, error) {
	found := -1
	for i, c := range cols {
		if !visibleUnqualified(c) || c.Name != n.Value {
			continue
		}
		if found >= 0 {
			return 0, sqlstate.ErrorfAt(sqlstate.AmbiguousColumn, n.Pos, "common column name \"%s\" appears more than once in %s table", n.Value, side)
		}
		found = i
	}
	if found < 0 {
		return 0, sqlstate.ErrorfAt(sqlstate.UndefinedColumn, n.Pos, "column \"%s\" specified in USING clause does not exist in %s table", n.Value, side)
	}
	return found, nil
}

// ExpandUsingStars replaces each `*` of the SELECTs in st whose FROM clause
// has a JOIN … USING or a NATURAL JOIN by the columns it stands for, in
// Postgres' order: the merged columns (unqualified), then the others
// (qualified). DuckDB, which runs such queries ad hoc, orders a NATURAL
// join's columns otherwise. It returns what puts st back; a SELECT whose
// FROM clause does not bind on its own is left as it is.
func ExpandUsingStars(cat *catalog.Catalog, st *sql.Select) (undo func()) {
	var undos []func()
	sql.Walk(st, func(n sql.Node) bool {
		s, ok := n.(*sql.Select)
		if !ok || !hasStar(s) || !hasUsing(s.From) {
			return true
		}
		from, err := NewBinder(cat, nil).bindFromItems(s.From)
		if err != nil {
			return true
		}
		var items []sql.SelectItem
		for _, it := range s.Items {
			if !it.Star || it.Table != nil {
				items = append(items, it)
				continue
			}
			for _, c := range from.Columns() {
				if !visibleUnqualified(c) {
					continue
				}
				ref := &sql.ColumnRef{Name: sql.Name{Pos: it.Pos, Value: c.Name, Quoted: true}}
				if c.Table != "" {
					ref.Table = &sql.Name{Pos: it.Pos, Value: c.Table, Quoted: true}
				}
				items = append(items, sql.SelectItem{Pos: it.Pos, Expr: ref})
			}
		}
		old := s.Items
		s.Items = items
		undos = append(undos, func() { s.Items = old })
		return true
	})
	return func() {
		for i := len(undos) - 1; i >= 0; i-- {
			undos[i]()
		}
	}
}

func hasStar(s *sql.Select) bool {
	for _, it := range s.Items {
		if it.Star && it.Table == nil {
			return true
		}
	}
	return false
}

// hasUsing reports whether a FROM clause joins with USING or NATURAL.
func hasUsing(from []sql.TableExpr) bool {
	for _, t := range from {
		if j, ok := t.(*sql.JoinTableExpr); ok {
			if len(j.Using) > 0 || j.Natural || hasUsing([]sql.TableExpr{j.Left, j.Right}) {
				return true
			}
		}
	}
	return false
}
