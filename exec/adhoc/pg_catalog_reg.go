//go:build duckdb_arrow

package adhoc

import (
	"errors"
	"fmt"
	"strings"

	"github.com/weir-stream/weir/exec/systables"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// Postgres' object identifier types (regclass, regtype, regproc,
// regnamespace, regrole) are numbers that print as the names of what they
// identify. weir's catalog relations hold OIDs as bigint, and a cast to one
// of these types keeps the number (sql: simpleTypes); regCasts writes the
// places where Postgres shows the name as the name: an output column of
// the query (SELECT oid::regclass FROM pg_class, SELECT 'int4'::regtype)
// and a cast of one to text (attrelid::regclass::text). Everywhere else
// (comparisons, joins, ::oid) the value stays the number, as it compares
// in Postgres.
type regCasts struct {
	// kinds maps each expression that is a value of an identifier type,
	// as rewritten, to the type's name (regclass, …).
	kinds map[sql.Expr]string
	// columns are the references to regproc columns to write as OIDs
	// (regprocColumns).
	columns map[*sql.ColumnRef]bool
}

// regTypeOf returns the lower-case name of the identifier type e casts to,
// or "" when e is no such cast.
func regTypeOf(e *sql.CastExpr) string {
	w := strings.ToLower(e.Type.Written)
	if w != "oid" && objectIDTypes[w] {
		return w
	}
	return ""
}

// cast rewrites e, a cast, when it is one to an identifier type (a
// literal becomes the OID of the object it names) or a cast to text of a
// value of one (the name); ok is false for any other cast.
func (r *regCasts) cast(e *sql.CastExpr, lookup Lookup) (out sql.Expr, ok bool, err error) {
	if kind := r.kinds[e.Expr]; kind != "" && e.Type.Type.Family == types.Text {
		x, err := sql.ParseExpr(regNameSQL(kind, sql.String(e.Expr)))
		return x, err == nil, err
	}
	kind := regTypeOf(e)
	if kind == "" {
		return nil, false, nil
	}
	out = e
	if c, isCast := e.Expr.(*sql.CastExpr); isCast && c.Type.Type.Family == types.Text && r.kinds[c.Expr] == "" {
		// A name computed at run time ($1::text::regtype, pgx's LoadType).
		if out, err = sql.ParseExpr(regByNameSQL(kind, sql.String(c))); err != nil {
			return nil, false, err
		}
	} else if lit, isLit := e.Expr.(*sql.Literal); isLit && lit.Kind == sql.LitString {
		text, err := regLiteralSQL(kind, lit, lookup)
		if err != nil {
			return nil, false, err
		}
		if out, err = sql.ParseExpr(text); err != nil {
			return nil, false, err
		}
	}
	if r.kinds == nil {
		r.kinds = map[sql.Expr]string{}
	}
	r.kinds[out] = kind
	return out, true, nil
}

// nameOutputs writes each output column of st (the first operand's, for a
// set operation) that is a value of an identifier type as its name; undo
// gets what puts them back.
func (r *regCasts) nameOutputs(st *sql.Select, undo *[]func()) error {
	for st.Set != nil {
		st = st.Set.Left
	}
	for i := range st.Items {
		it := &st.Items[i]
		kind := r.kinds[it.Expr]
		if it.Star || kind == "" {
			continue
		}
		x, err := sql.ParseExpr(regNameSQL(kind, sql.String(it.Expr)))
		if err != nil {
			return err
		}
		old := it.Expr
		it.Expr = x
		*undo = append(*undo, func() { it.Expr = old })
	}
	return nil
}

// regNameSQL returns the SQL of the name Postgres prints for the OID x of
// kind: a relation's name, qualified with its schema when that is not on
// the search path (information_schema.tables); a type as format_type
// writes it (integer, character varying); a function's, a schema's or a
// role's name; '-' for 0; the number itself when nothing has that OID.
func regNameSQL(kind, x string) string {
	var from string
	switch kind {
	case "regclass":
		from = fmt.Sprintf(`SELECT c.oid AS weir_oid, CASE WHEN c.relnamespace IN (%d, %d) THEN quote_ident(c.relname)
			ELSE quote_ident(n.nspname) || '.' || quote_ident(c.relname) END AS weir_name
			FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace`, systables.OIDPgCatalog, systables.OIDPublic)
	case "regtype":
		from = "SELECT oid AS weir_oid, " + systables.FormatTypeSQL("oid", "-1") + " AS weir_name FROM pg_type"
	case "regproc", "regprocedure":
		from = "SELECT oid AS weir_oid, proname AS weir_name FROM pg_proc"
	case "regnamespace":
		from = "SELECT oid AS weir_oid, quote_ident(nspname) AS weir_name FROM pg_namespace"
	case "regrole":
		from = "SELECT oid AS weir_oid, quote_ident(rolname) AS weir_name FROM pg_roles"
	}
	return fmt.Sprintf("(CASE WHEN (%s) = 0 THEN '-' ELSE coalesce(%s, CAST((%s) AS VARCHAR)) END)", x, catalogLookupSQL(from, x), x)
}

// catalogLookupSQL returns the SQL of the weir_name of the row of from
// (a query with the columns weir_oid and weir_name) whose weir_oid is x:
// from is a derived table, so that the names of its relations' columns
// cannot capture the column references in x (oid::regclass over pg_class).
func catalogLookupSQL(from, x string) string {
	return fmt.Sprintf("(SELECT min(weir_lookup.weir_name) FROM (%s) weir_lookup WHERE weir_lookup.weir_oid = (%s))", from, x)
}

// regLiteralSQL returns the SQL of the OID that the literal lit names as
// a value of kind: 'users'::regclass (42P01 when no relation has that
// name), 'int4'::regtype or 'character varying'::regtype (42704 when weir
// has no such type), a function's, a schema's or a role's name.
func regLiteralSQL(kind string, lit *sql.Literal, lookup Lookup) (string, error) {
	quoted := "'" + strings.ReplaceAll(lit.Value, "'", "''") + "'"
	switch kind {
	case "regclass":
		on, err := sql.ParseObjectName(lit.Value)
		if err != nil {
			return "", sqlstate.ErrorfAt(sqlstate.InvalidName, lit.Pos, "invalid name syntax")
		}
		var se *sqlstate.Error
		if _, err := lookup(&sql.TableName{Name: on}); errors.As(err, &se) && se.Code == sqlstate.UndefinedTable {
			return "", sqlstate.ErrorfAt(sqlstate.UndefinedTable, lit.Pos, "relation \"%s\" does not exist", lit.Value)
		}
		name := "'" + strings.ReplaceAll(on.Last().Value, "'", "''") + "'"
		if len(on.Parts) == 2 {
			return fmt.Sprintf("(SELECT weir_rc.oid FROM pg_class weir_rc JOIN pg_namespace weir_rn ON weir_rn.oid = weir_rc.relnamespace WHERE weir_rc.relname = %s AND weir_rn.nspname = '%s')",
				name, strings.ReplaceAll(on.Parts[0].Value, "'", "''")), nil
		}
		return fmt.Sprintf("(SELECT min(weir_rc.oid) FROM pg_class weir_rc WHERE weir_rc.relname = %s AND weir_rc.relnamespace IN (%d, %d))",
			name, systables.OIDPgCatalog, systables.OIDPublic), nil
	case "regtype":
		oid, ok := systables.TypeOIDByName(lit.Value)
		if !ok {
			oid, ok = typeOIDOfSQL(lit.Value)
		}
		if !ok {
			return "", sqlstate.ErrorfAt(sqlstate.UndefinedObject, lit.Pos, "type \"%s\" does not exist", lit.Value)
		}
		return fmt.Sprint(oid), nil
	case "regproc", "regprocedure":
		name, _, _ := strings.Cut(lit.Value, "(")
		if on, err := sql.ParseObjectName(strings.TrimSpace(name)); err == nil && len(on.Parts) > 0 {
			name = on.Last().Value // 'pg_catalog.array_in'::regproc
		}
		return fmt.Sprintf("(SELECT min(weir_rp.oid) FROM pg_proc weir_rp WHERE weir_rp.proname = '%s')", strings.ReplaceAll(strings.TrimSpace(name), "'", "''")), nil
	case "regnamespace":
		return fmt.Sprintf("(SELECT weir_rs.oid FROM pg_namespace weir_rs WHERE weir_rs.nspname = %s)", quoted), nil
	case "regrole":
		return fmt.Sprintf("(SELECT weir_ra.oid FROM pg_roles weir_ra WHERE weir_ra.rolname = %s)", quoted), nil
	}
	return quoted, nil
}

// typeOIDOfSQL returns the OID of the type name writes in SQL (int,
// varchar(20), double precision): 1043 for a varchar, else its type's.
func typeOIDOfSQL(name string) (int64, bool) {
	x, err := sql.ParseExpr("CAST(NULL AS " + name + ")")
	c, ok := x.(*sql.CastExpr)
	if err != nil || !ok || c.Type.Type.Family == types.Unknown {
		return 0, false
	}
	if w := c.Type.Written; strings.HasPrefix(w, "VARCHAR") || strings.HasPrefix(w, "CHARACTER VARYING") {
		return 1043, true
	}
	return int64(c.Type.Type.OID()), true
}

// catalogFuncParams are the parameter types of the catalog functions
// Queries rewrites: a $n written as one of their arguments takes the
// parameter's type (the binder, which does not know them, guesses text,
// and DuckDB infers nothing for a function of weir's such as signalFunc).
// OIDs are bigint, as in weir's pg_catalog.
var catalogFuncParams = map[string][]types.T{
	"pg_cancel_backend":    {types.Int32Type},
	"pg_terminate_backend": {types.Int32Type, types.Int64Type},
	"pg_get_userbyid":      {types.Int64Type},
	"pg_table_is_visible":  {types.Int64Type},
	"format_type":          {types.Int64Type, types.Int32Type},
	"pg_get_viewdef":       {types.Int64Type},
	"pg_get_indexdef":      {types.Int64Type},
	"pg_get_constraintdef": {types.Int64Type},
	"pg_get_expr":          {types.TextType, types.Int64Type},
	"obj_description":      {types.Int64Type, types.TextType},
	"col_description":      {types.Int64Type, types.Int32Type},
	"current_setting":      {types.TextType},
	"pg_encoding_to_char":  {types.Int32Type},
}

// typeCatalogFuncParams sets params[i] of each $i+1 in st that is an
// argument of a function of catalogFuncParams, and that the client did not
// type, to that argument's type; declared says which the client typed.
func typeCatalogFuncParams(st *sql.Select, params, declared []types.T) {
	sql.Walk(st, func(n sql.Node) bool {
		f, ok := n.(*sql.FuncCall)
		if !ok || f.Name.Quoted {
			return true
		}
		want := catalogFuncParams[f.Name.Value]
		for i, a := range f.Args {
			if p, ok := a.(*sql.Param); ok && i < len(want) && p.Index >= 1 && p.Index <= len(params) &&
				(p.Index > len(declared) || declared[p.Index-1] == types.UnknownType) {
				params[p.Index-1] = want[i]
			}
		}
		return true
	})
}

// regByNameSQL returns the SQL of the OID of the object of kind whose name
// is the text x, computed when the query runs (NULL for none): a
// relation's unqualified name on the search path, a type's name as
// pg_type or format_type writes it, a function's, a schema's or a role's.
func regByNameSQL(kind, x string) string {
	var from string
	switch kind {
	case "regclass":
		from = fmt.Sprintf("SELECT oid AS weir_oid, relname AS weir_name FROM pg_class WHERE relnamespace IN (%d, %d)", systables.OIDPgCatalog, systables.OIDPublic)
	case "regtype":
		from = "SELECT oid AS weir_oid, typname AS weir_name FROM pg_type UNION ALL SELECT oid, " + systables.FormatTypeSQL("oid", "-1") + " FROM pg_type"
	case "regproc", "regprocedure":
		from = "SELECT oid AS weir_oid, proname AS weir_name FROM pg_proc"
	case "regnamespace":
		from = "SELECT oid AS weir_oid, nspname AS weir_name FROM pg_namespace"
	case "regrole":
		from = "SELECT oid AS weir_oid, rolname AS weir_name FROM pg_roles"
	}
	return fmt.Sprintf("(SELECT min(weir_byname.weir_oid) FROM (%s) weir_byname WHERE weir_byname.weir_name = (%s))", from, x)
}
