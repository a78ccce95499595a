package planner

import (
	"strconv"

	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// valuesQuery returns VALUES (…), (…) as the query it is in Postgres: the
// UNION ALL of one SELECT per row, whose columns are named column1,
// column2, …, typed as a set operation's (each column the common type of
// its rows), with the ORDER BY, LIMIT and OFFSET of the VALUES.
func valuesQuery(s *sql.Select) *sql.Select {
	var q *sql.Select
	for _, row := range s.Values {
		sel := &sql.Select{Pos: s.Pos}
		for i, e := range row {
			sel.Items = append(sel.Items, sql.SelectItem{Pos: e.Position(), Expr: e,
				Alias: &sql.Name{Pos: e.Position(), Value: "column" + strconv.Itoa(i+1)}})
		}
		if q == nil {
			q = sel
		} else {
			q = &sql.Select{Pos: s.Pos, Set: &sql.SetOp{Pos: s.Pos, Op: sql.SetUnion, All: true, Left: q, Right: sel}}
		}
	}
	q.OrderBy, q.Limit, q.Offset = s.OrderBy, s.Limit, s.Offset
	return q
}

// renameColumns gives the first visible columns of n, a subquery with an
// alias, the names of cols: FROM (…) AS alias (a, b).
func renameColumns(n Node, alias *sql.Name, cols []sql.Name) (Node, error) {
	if len(cols) == 0 {
		return n, nil
	}
	out := append([]Col(nil), n.Columns()...)
	k := 0
	for i := range out {
		if out[i].Hidden || k == len(cols) {
			continue
		}
		out[i].Name = cols[k].Value
		k++
	}
	if k < len(cols) {
		return nil, sqlstate.ErrorfAt(sqlstate.InvalidColumnReference, cols[k].Pos,
			"table \"%s\" has %d columns available but %d columns specified", alias.Value, k, len(cols))
	}
	p := n.(*Project) // requalify's
	return &Project{Input: p.Input, Exprs: p.Exprs, Cols: out}, nil
}
