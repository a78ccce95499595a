//go:build duckdb_arrow

package adhoc

import (
	"github.com/weir-stream/weir/sql"
)

// fromScalarFuncs are the scalar functions catalog queries call in FROM
// (Grafana's string_to_array(current_setting('search_path'), ',') s):
// in Postgres a scalar function in FROM is a table of one row whose
// column is named by the alias; DuckDB knows no table function of that
// name.
var fromScalarFuncs = map[string]bool{
	"string_to_array": true, "current_schemas": true, "parse_ident": true,
	"regexp_split_to_array": true, "array_to_string": true, "current_setting": true,
}

// scalarFuncsInFrom writes each scalar function of fromScalarFuncs called
// in a FROM of st as a subquery of one row, (SELECT call AS alias) alias;
// undo gets what puts the tree back.
func scalarFuncsInFrom(st *sql.Select, undo *[]func()) {
	var walkItem func(p *sql.TableExpr)
	walkItem = func(p *sql.TableExpr) {
		switch t := (*p).(type) {
		case *sql.JoinTableExpr:
			walkItem(&t.Left)
			walkItem(&t.Right)
		case *sql.TableFunc:
			if t.Call == nil || t.Call.Name.Quoted || !fromScalarFuncs[t.Call.Name.Value] || len(t.Columns) > 1 {
				return
			}
			name := sql.Name{Pos: t.Pos, Value: t.Call.Name.Value}
			if t.Alias != nil {
				name = *t.Alias
			}
			if len(t.Columns) == 1 {
				name = t.Columns[0]
			}
			alias := name
			if t.Alias != nil {
				alias = *t.Alias
			}
			q := &sql.Select{Pos: t.Pos, Items: []sql.SelectItem{{Pos: t.Pos, Expr: t.Call, Alias: &name}}}
			old := *p
			*p = &sql.Subquery{Pos: t.Pos, Query: q, Alias: &alias}
			*undo = append(*undo, func() { *p = old })
		}
	}
	sql.Walk(st, func(n sql.Node) bool {
		if sel, ok := n.(*sql.Select); ok {
			for i := range sel.From {
				walkItem(&sel.From[i])
			}
		}
		return true
	})
}
