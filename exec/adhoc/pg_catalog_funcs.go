//go:build duckdb_arrow

package adhoc

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/weir-stream/weir/exec/systables"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// pgCatalogFuncs write the calls of Postgres' catalog functions that
// clients' catalog queries make (psql's \d family) as SQL over weir's
// pg_catalog relations (exec/systables), so that DuckDB's own pg_catalog
// functions never answer: each takes the calls' arguments as SQL text
// and returns the expression's text.
var pgCatalogFuncs = map[string]func(args []string) string{
	"pg_get_userbyid": func(a []string) string {
		return fmt.Sprintf("(SELECT rolname FROM pg_roles WHERE oid = (%s))", a[0])
	},
	"pg_table_is_visible": func(a []string) string {
		return catalogLookupSQL(fmt.Sprintf("SELECT oid AS weir_oid, relnamespace IN (%d, %d) AS weir_name FROM pg_class", systables.OIDPgCatalog, systables.OIDPublic), a[0])
	},
	"pg_function_is_visible":  visibleOID,
	"pg_type_is_visible":      visibleOID,
	"pg_collation_is_visible": visibleOID,
	"pg_operator_is_visible":  visibleOID,
	// Every role may connect to weir's one database and create in it.
	"has_database_privilege": func(a []string) string { return "((" + a[0] + ") IS NOT NULL)" },
	"format_type": func(a []string) string {
		// format_type(NULL, …) is NULL (DBeaver's nullif(typbasetype, 0)).
		return "(CASE WHEN (" + a[0] + ") IS NULL THEN NULL ELSE " + systables.FormatTypeSQL("("+a[0]+")", "coalesce(("+a[1]+"), -1)") + " END)"
	},
	"pg_encoding_to_char": func(a []string) string {
		return fmt.Sprintf("(CASE WHEN (%s) = 6 THEN 'UTF8' ELSE '' END)", a[0])
	},
	"pg_get_viewdef":                  definition("viewdef"),
	"pg_get_indexdef":                 definition("indexdef"),
	"pg_get_constraintdef":            definition("constraintdef"),
	"pg_get_function_result":          definition("function_result"),
	"pg_get_function_arguments":       definition("function_arguments"),
	"pg_get_expr":                     nullText,
	"obj_description":                 nullText,
	"col_description":                 nullText,
	"shobj_description":               nullText,
	"pg_get_statisticsobjdef_columns": nullText,
	"pg_table_size":                   nullBigint,
	"pg_relation_size":                nullBigint,
	"pg_total_relation_size":          nullBigint,
	"pg_indexes_size":                 nullBigint,
	"pg_database_size":                nullBigint,
	"pg_get_function_sqlbody":         nullText,
	// information_schema._pg_expandarray(a) (pgjdbc's primary keys): a
	// row (x, n) per element, as DuckDB structs.
	"_pg_expandarray":        func(a []string) string { return "unnest(weir_pg_expandarray(" + a[0] + "))" },
	"pg_get_partkeydef":      nullText, // weir has no partitioned tables
	"pg_get_serial_sequence": nullText, // weir has no sequences
	"json_build_object": func(a []string) string {
		return "json_object(" + strings.Join(a, ", ") + ")"
	},
	"pg_get_ruledef":             nullText,
	"version":                    func([]string) string { return "'PostgreSQL 16.0 (weir)'" },
	"pg_relation_is_publishable": func([]string) string { return "false" },
	"current_schema":             func([]string) string { return "'public'" },
	"current_database":           func([]string) string { return "'" + systables.DatabaseName + "'" },
	"current_catalog":            func([]string) string { return "'" + systables.DatabaseName + "'" },
	"current_schemas": func(a []string) string {
		return fmt.Sprintf("(CASE WHEN (%s) THEN ARRAY['pg_catalog', 'public'] ELSE ARRAY['public'] END)", a[0])
	},
}

// duckOnlyCatalogFuncs are functions of DuckDB's own pg_catalog that
// would answer about DuckDB rather than weir (every privilege granted,
// DuckDB's type names, its client address): a call is 42883, as of a
// function weir does not have.
var duckOnlyCatalogFuncs = map[string]bool{
	"has_any_column_privilege": true, "has_column_privilege": true,
	"has_foreign_data_wrapper_privilege": true, "has_function_privilege": true, "has_language_privilege": true,
	"has_schema_privilege": true, "has_sequence_privilege": true, "has_server_privilege": true,
	"has_table_privilege": true, "has_tablespace_privilege": true, "pg_has_role": true,
	"current_query": true, "inet_client_addr": true, "inet_client_port": true, "inet_server_addr": true,
	"inet_server_port": true, "map_to_pg_oid": true, "format_pg_type": true, "pg_typeof": true,
	"pg_postmaster_start_time": true, "pg_conf_load_time": true, "pg_my_temp_schema": true,
	"pg_is_other_temp_schema": true,
}

// visibleOID is pg_function_is_visible(oid) and its kin: every function
// and type weir has is in public or pg_catalog, both on the search path.
// pg_table_is_visible is false for information_schema's relations, which
// are on no search path.
func visibleOID(a []string) string { return fmt.Sprintf("((%s) IS NOT NULL)", a[0]) }

// nullText is a function whose object weir has none of (comments, column
// defaults, partition bounds, statistics objects).
func nullText([]string) string { return "CAST(NULL AS TEXT)" }

// nullBigint is a size weir does not measure per relation (its state is
// one store: weir_checkpoints has its size).
func nullBigint([]string) string { return "CAST(NULL AS BIGINT)" }

// definition reads a definition Postgres computes from its catalog
// (pg_get_viewdef, pg_get_indexdef, …) from weir_pg_definitions.
func definition(what string) func([]string) string {
	return func(a []string) string {
		return fmt.Sprintf("(SELECT definition FROM weir_pg_definitions WHERE oid = (%s) AND what = '%s')", a[0], what)
	}
}

// pgCatalogMacros define, in each DuckDB connection, the catalog functions
// psql's queries call that DuckDB lacks: quote_ident (which quotes a name
// that is not all lower-case letters, digits and underscores; unlike
// Postgres', not a key word), quote_literal, and pg_options_to_table,
// which has no rows for weir's catalog relations: their options
// (attfdwoptions, ftoptions) are NULL.
var pgCatalogMacros = []string{
	`CREATE OR REPLACE TEMP MACRO quote_ident(s) AS CASE WHEN regexp_full_match(s, '[a-z_][a-z0-9_$]*') THEN s
		ELSE '"' || replace(s, '"', '""') || '"' END`,
	// parse_ident splits a qualified name into its parts: a quoted part
	// as written, without its quotes; another folded to lower case.
	`CREATE OR REPLACE TEMP MACRO parse_ident(s) AS list_transform(regexp_extract_all(s, '"(?:[^"]|"")*"|[^."]+'),
		x -> CASE WHEN starts_with(x, '"') THEN replace(x[2:-2], '""', '"') ELSE lower(trim(x)) END)`,
	`CREATE OR REPLACE TEMP MACRO weir_pg_expandarray(a) AS list_transform(range(1, len(a) + 1), i -> {'x': a[i], 'n': CAST(i AS INTEGER)})`,
	`CREATE OR REPLACE TEMP MACRO quote_literal(s) AS '''' || replace(CAST(s AS VARCHAR), '''', '''''') || ''''`,
	`CREATE OR REPLACE TEMP MACRO pg_options_to_table(o) AS TABLE
		SELECT CAST(NULL AS VARCHAR) AS option_name, CAST(NULL AS VARCHAR) AS option_value WHERE false`,
}

func init() { funcMacros = append(funcMacros, pgCatalogMacros...) }

// pgCatalogMacroNames are the functions pgCatalogMacros define.
var pgCatalogMacroNames = map[string]bool{"quote_ident": true, "quote_literal": true, "pg_options_to_table": true, "parse_ident": true}

// callsCatalogFunc reports whether st calls a function of pgCatalogFuncs
// (or of pgCatalogMacros, or names the session's role) or casts to
// regclass, which only DuckDB runs (over weir's pg_catalog relations).
func callsCatalogFunc(st *sql.Select) bool {
	found := false
	sql.Walk(st, func(n sql.Node) bool {
		switch n := n.(type) {
		case *sql.FuncCall:
			found = found || !n.Name.Quoted && (pgCatalogFuncs[n.Name.Value] != nil || pgCatalogMacroNames[n.Name.Value] || userFuncs[n.Name.Value] || n.Name.Value == "current_setting" || n.Name.Value == "pg_backend_pid") || callsSignalFunc(n)
		case *sql.CastExpr:
			found = found || regTypeOf(n) != "" // 'name'::regclass reads pg_class
		}
		return !found
	})
	return found
}

// nameScalarFuncColumns gives each function in FROM that returns one
// column and has an alias without column names (generate_series(…) s) the
// alias as its column's name, as Postgres does, so that s names the value
// (DuckDB's s would be the row).
func nameScalarFuncColumns(st *sql.Select, undo *[]func()) {
	sql.Walk(st, func(n sql.Node) bool {
		if f, ok := n.(*sql.TableFunc); ok && f.Alias != nil && len(f.Columns) == 0 &&
			(f.Call.Name.Value == "generate_series" || f.Call.Name.Value == "unnest" && len(f.Call.Args) == 1) {
			f.Columns = []sql.Name{*f.Alias}
			*undo = append(*undo, func() { f.Columns = nil })
		}
		return true
	})
}

// rewritePgCatalogFuncs writes every call of pgCatalogFuncs in st as its
// SQL, and casts to Postgres' object identifier types as regCasts does
// ('name'::regclass is the relation's oid, 42P01 when lookup knows no
// relation of that name). undo gets what puts the tree back.
func rewritePgCatalogFuncs(st *sql.Select, undo *[]func(), lookup Lookup) error {
	scalarFuncsInFrom(st, undo)
	regs := regCasts{columns: regprocColumns(st)}
	u, err := sql.RewriteExprs(st, func(e sql.Expr) (sql.Expr, error) {
		switch e := e.(type) {
		case *sql.FuncCall:
			if x, ok, err := signalCall(e); ok || err != nil {
				return x, err
			}
			if duckOnlyCatalogFuncs[e.Name.Value] && !e.Name.Quoted {
				return nil, sqlstate.ErrorfAt(sqlstate.UndefinedFunction, e.Pos, "function %s does not exist", e.Name.Value)
			}
			fn := pgCatalogFuncs[e.Name.Value]
			if fn == nil || e.Name.Quoted || e.Over != nil {
				return e, nil
			}
			args := make([]string, max(len(e.Args), 2))
			for i, a := range e.Args {
				args[i] = sql.String(a)
			}
			for i := len(e.Args); i < len(args); i++ {
				args[i] = "NULL"
			}
			return sql.ParseExpr(fn(args))
		case *sql.CastExpr:
			if x, ok, err := regs.cast(e, lookup); ok || err != nil {
				return x, err
			}
		case *sql.ColumnRef:
			if x, ok, err := regs.column(e); ok || err != nil {
				return x, err
			}
		}
		return e, nil
	})
	if err != nil {
		return err
	}
	*undo = append(*undo, u)
	if err := regs.nameOutputs(st, undo); err != nil {
		return err
	}
	nameScalarFuncColumns(st, undo)
	return nil
}

// userFuncs are the functions that name the session's role.
var userFuncs = map[string]bool{"current_user": true, "session_user": true, "current_role": true, "user": true}

// writeSessionValues writes current_user, session_user, current_role and
// user in st as the session's role, and current_setting('name'[,
// missing_ok]) as the session's value of the parameter (an Env with User
// and Setting methods; DuckDB would answer with its own), and returns what
// puts st back. current_setting of a name that is not a constant is
// 0A000: DuckDB's settings are not the session's.
func (q Queries) writeSessionValues(st *sql.Select) (func(), error) {
	// The output columns are named for what the user wrote first.
	var undo []func()
	nameOutputColumns(st, &undo)
	undoAll := func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	env, ok := q.Env.(interface {
		User() string
		Setting(name string) (string, error)
	})
	if !ok {
		return undoAll, nil
	}
	pid, hasPID := q.Env.(interface{ BackendPID() int32 })
	u, err := sql.RewriteExprs(st, func(e sql.Expr) (sql.Expr, error) {
		f, ok := e.(*sql.FuncCall)
		if !ok || f.Name.Quoted {
			return e, nil
		}
		switch {
		case f.Name.Value == "pg_backend_pid" && len(f.Args) == 0 && hasPID:
			return &sql.CastExpr{Pos: f.Pos, Expr: &sql.Literal{Pos: f.Pos, Kind: sql.LitInteger, Value: strconv.Itoa(int(pid.BackendPID()))}, Type: sql.TypeName{Type: types.Int32Type}}, nil
		case privilegeFuncs[f.Name.Value] && len(f.Args) == 2:
			user := &sql.Literal{Pos: f.Pos, Kind: sql.LitString, Value: env.User()}
			return &sql.FuncCall{Pos: f.Pos, Name: f.Name, Args: append([]sql.Expr{user}, f.Args...)}, nil
		case userFuncs[f.Name.Value] && len(f.Args) == 0:
			return &sql.Literal{Pos: f.Pos, Kind: sql.LitString, Value: env.User()}, nil
		case f.Name.Value == "current_setting" && (len(f.Args) == 1 || len(f.Args) == 2):
			name, ok := f.Args[0].(*sql.Literal)
			if !ok || name.Kind != sql.LitString {
				return nil, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, f.Pos, "current_setting of a name that is not a constant is not supported")
			}
			v, err := env.Setting(name.Value)
			if err != nil {
				if missing, ok := f.Args[len(f.Args)-1].(*sql.Literal); len(f.Args) == 2 && ok && missing.Kind == sql.LitBool && missing.Value == "true" {
					return &sql.CastExpr{Pos: f.Pos, Expr: &sql.Literal{Pos: f.Pos, Kind: sql.LitNull}, Type: sql.TypeName{Type: types.TextType}}, nil
				}
				var se *sqlstate.Error
				if errors.As(err, &se) {
					return nil, sqlstate.ErrorfAt(se.Code, f.Pos, "%s", se.Message)
				}
				return nil, err
			}
			return &sql.Literal{Pos: f.Pos, Kind: sql.LitString, Value: v}, nil
		}
		return e, nil
	})
	if err != nil {
		undoAll()
		return nil, err
	}
	undo = append(undo, u)
	return undoAll, nil
}

// catalogRelation reports whether t names a relation of pg_catalog, which
// is first on the search path as in Postgres: a name qualified with
// pg_catalog, or one of its relations' names (pg_class), even where the
// catalog has an object of that name; or one of information_schema's,
// qualified with it.
func (q Queries) catalogRelation(t *sql.TableName) bool {
	parts := t.Name.Parts
	switch {
	case len(parts) == 2 && (parts[0].Value == "pg_catalog" || parts[0].Value == systables.InformationSchema):
		return true
	case len(parts) == 1 && strings.HasPrefix(parts[0].Value, "pg_"):
		_, ok := q.Env.SystemTable(parts[0].Value)
		return ok
	}
	return false
}

// systemTableName returns the name of the system table t would name: an
// information_schema relation by its qualified name
// (information_schema.tables), which is on no search path; any other by
// its last part.
func systemTableName(t *sql.TableName) string {
	if parts := t.Name.Parts; len(parts) == 2 && parts[0].Value == systables.InformationSchema {
		return systables.InformationSchema + "." + parts[1].Value
	}
	return t.Name.Last().Value
}

// readsCatalogRelation reports whether st names a relation of pg_catalog
// (catalogRelation), which weir's binder would take for the catalog's
// object of that name: DuckDB runs it, over weir's pg_catalog relation.
func (q Queries) readsCatalogRelation(st *sql.Select) bool {
	found := false
	sql.WalkTableNames(st, func(t *sql.TableName) {
		found = found || q.catalogRelation(t)
	})
	return found
}
