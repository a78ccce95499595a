//go:build duckdb_arrow

package adhoc

import (
	"strings"

	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/sql"
)

// nameOutputColumns gives each select item of st's result (the first
// operand's, for a set operation) that has no alias the name Postgres
// gives it (planner.ColumnName: x for x::text, int4 for 1::int, regclass
// for 'users'::regclass), before the rewrites for DuckDB change the
// expressions DuckDB would name the columns after; undo gets what takes
// the names off.
func nameOutputColumns(st *sql.Select, undo *[]func()) {
	for st.Set != nil {
		st = st.Set.Left
	}
	if st.Values != nil {
		return
	}
	for i := range st.Items {
		it := &st.Items[i]
		if it.Star || it.Alias != nil {
			continue
		}
		it.Alias = &sql.Name{Pos: it.Pos, Value: outputColumnName(it.Expr), Quoted: true}
		*undo = append(*undo, func() { it.Alias = nil })
	}
}

// outputColumnName is planner.ColumnName, but for a field's selection,
// (x).f, which is named f, and for a cast of what Postgres
// has no name for (a constant, an expression), which is named after the
// outermost cast's type, as Postgres does ('int4'::text::regtype::oid is
// oid): one of Postgres' object identifier types after its name
// (regclass), not bigint's.
func outputColumnName(e sql.Expr) string {
	if f, ok := e.(*sql.FieldSelect); ok {
		return f.Field.Value
	}
	c, ok := e.(*sql.CastExpr)
	if !ok {
		return planner.ColumnName(e)
	}
	base := c.Expr
	for {
		inner, ok := base.(*sql.CastExpr)
		if !ok {
			break
		}
		base = inner.Expr
	}
	if _, lit := base.(*sql.Literal); !lit && planner.ColumnName(base) != "?column?" {
		return planner.ColumnName(base)
	}
	if w := strings.ToLower(c.Type.Written); objectIDTypes[w] {
		return w
	}
	return planner.ColumnName(&sql.CastExpr{Pos: c.Pos, Expr: &sql.Literal{Pos: c.Pos, Kind: sql.LitNull}, Type: c.Type})
}

// objectIDTypes are Postgres' object identifier types, which weir holds
// as bigint (sql: simpleTypes).
var objectIDTypes = map[string]bool{
	"oid": true, "regclass": true, "regtype": true, "regnamespace": true,
	"regproc": true, "regprocedure": true, "regrole": true,
}
