//go:build duckdb_arrow

package adhoc

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql"
)

// arrayMacros define the array functions DuckDB answers differently from
// Postgres: array_length, array_lower and array_upper of an empty array
// (Postgres NULL, DuckDB 0) and as integer, and string_to_array of an empty
// text (Postgres {}, DuckDB {""}) or with an empty delimiter (Postgres the
// whole text), and array_to_string with a text for NULL elements, which
// DuckDB lacks.
var arrayMacros = []string{
	`CREATE OR REPLACE TEMP MACRO weir_array_length(a, d) AS CASE WHEN d = 1 AND len(a) > 0 THEN CAST(len(a) AS INTEGER) END`,
	`CREATE OR REPLACE TEMP MACRO weir_array_lower(a, d) AS CASE WHEN d = 1 AND len(a) > 0 THEN 1 END`,
	`CREATE OR REPLACE TEMP MACRO weir_array_to_string(a, d, n) AS array_to_string(list_transform(a, e -> coalesce(CAST(e AS VARCHAR), n)), d)`,
	`CREATE OR REPLACE TEMP MACRO weir_string_to_array(s, d) AS CASE WHEN s = '' THEN CAST([] AS VARCHAR[])
		WHEN d = '' THEN [s] ELSE string_to_array(s, d) END`,
}

func init() { funcMacros = append(funcMacros, arrayMacros...) }

// arrayRenames are the array functions Prepare writes as other DuckDB
// functions: cardinality (DuckDB's is of maps only) as len, the others as
// arrayMacros'.
var arrayRenames = map[string]string{"cardinality": "len", "array_length": "weir_array_length",
	"array_upper": "weir_array_length", "array_lower": "weir_array_lower", "string_to_array": "weir_string_to_array"}

// rewriteArrays writes the array expressions DuckDB reads or answers
// differently in forms it answers as Postgres does:
//
//   - x op ANY (a) and x op ALL (a) as NULL when a is NULL (DuckDB's are
//     false and true);
//   - a cast of a string literal to an array type ('{1,2}'::int[]; DuckDB
//     does not read Postgres' array text) as ARRAY[…] of its elements, cast;
//   - cardinality, array_length, array_lower, array_upper and the
//     two-argument string_to_array as arrayRenames says, and the
//     three-argument array_to_string as arrayMacros' weir_array_to_string;
//   - regexp_match(s, pattern[, flags]) with a literal pattern (and flags)
//     as CASE WHEN regexp_matches(s, pattern, opts) THEN [regexp_extract(s,
//     pattern, 1, opts), …] END, one element a capture group (the match
//     when there are none); DuckDB extracts a group that took no part as an empty text
//     where Postgres has NULL;
//   - a select item without an alias that holds one of them, or is an
//     ARRAY[…] or a subscript, keeps the name Postgres gives it.
//
// undo gets what puts the tree back.
func rewriteArrays(st *sql.Select, undo *[]func()) error {
	sql.Walk(st, func(n sql.Node) bool {
		sel, ok := n.(*sql.Select)
		if !ok {
			return true
		}
		for i := range sel.Items {
			it := &sel.Items[i]
			if it.Star || it.Alias != nil || !hasArrayRewrite(it.Expr) {
				continue
			}
			it.Alias = &sql.Name{Value: arrayItemName(it.Expr), Quoted: true}
			*undo = append(*undo, func() { it.Alias = nil })
		}
		return true
	})
	sql.Walk(st, func(n sql.Node) bool {
		f, ok := n.(*sql.FuncCall)
		if !ok || f.Name.Quoted {
			return true
		}
		to := arrayRenames[f.Name.Value]
		if f.Name.Value == "array_to_string" && len(f.Args) == 3 {
			to = "weir_array_to_string"
		}
		if to == "" || f.Name.Value == "string_to_array" && len(f.Args) != 2 {
			return true
		}
		from := f.Name.Value
		f.Name.Value = to
		*undo = append(*undo, func() { f.Name.Value = from })
		return true
	})
	u, err := sql.RewriteExprs(st, arrayCall)
	if err != nil {
		return err
	}
	*undo = append(*undo, u)
	return nil
}

// hasArrayRewrite reports whether e holds what rewriteArrays writes
// differently, or is an array constructor or subscript.
func hasArrayRewrite(e sql.Expr) bool {
	switch e.(type) {
	case *sql.ArrayExpr, *sql.SubscriptExpr:
		return true
	}
	found := false
	sql.Walk(e, func(n sql.Node) bool {
		if f, ok := n.(*sql.FuncCall); ok && !f.Name.Quoted && (arrayRenames[f.Name.Value] != "" || f.Name.Value == "regexp_match" ||
			f.Name.Value == "array_to_string" && len(f.Args) == 3) {
			found = true
		}
		return !found
	})
	return found
}

// arrayItemName is the name Postgres gives a select item: "array" for
// ARRAY[…], the subscripted expression's for a subscript.
func arrayItemName(e sql.Expr) string {
	switch e := e.(type) {
	case *sql.ArrayExpr:
		return "array"
	case *sql.SubscriptExpr:
		return arrayItemName(e.Expr)
	case *sql.ParenExpr:
		return arrayItemName(e.Expr)
	}
	return columnName(e)
}

// arrayCall is the RewriteExprs function of rewriteArrays' casts of array
// literals and regexp_match calls.
func arrayCall(e sql.Expr) (sql.Expr, error) {
	switch e := e.(type) {
	case *sql.QuantifiedExpr:
		if _, isQuery := e.Right.(*sql.SubqueryExpr); isQuery {
			return e, nil
		}
		if e.Op == sql.OpEq && !e.All() {
			return anyEqual(e)
		}
		return &sql.CaseExpr{Pos: e.Pos, Whens: []sql.When{{
			Cond:   &sql.IsNullExpr{Pos: e.Pos, Expr: &sql.ParenExpr{Pos: e.Pos, Expr: e.Right}},
			Result: &sql.Literal{Pos: e.Pos, Kind: sql.LitNull},
		}}, Else: e}, nil
	case *sql.CastExpr:
		lit, ok := e.Expr.(*sql.Literal)
		if !ok || lit.Kind != sql.LitString || !e.Type.Type.IsArray() {
			return e, nil
		}
		texts, err := expr.ArrayElementTexts(lit.Value, e.Type.Type)
		if err != nil {
			return nil, err
		}
		elemType := sql.TypeName{Pos: e.Type.Pos, Type: e.Type.Type.ElemType()}
		arr := &sql.ArrayExpr{Pos: lit.Pos}
		for _, t := range texts {
			var el sql.Expr = &sql.Literal{Pos: lit.Pos, Kind: sql.LitNull}
			if t != nil {
				el = &sql.Literal{Pos: lit.Pos, Kind: sql.LitString, Value: *t}
			}
			arr.Elems = append(arr.Elems, &sql.CastExpr{Pos: lit.Pos, Expr: el, Type: elemType})
		}
		return &sql.CastExpr{Pos: e.Pos, Expr: arr, Type: e.Type}, nil
	case *sql.FuncCall:
		if e.Name.Quoted || e.Name.Value != "regexp_match" || len(e.Args) < 2 || len(e.Args) > 3 {
			return e, nil
		}
		pat, ok := e.Args[1].(*sql.Literal)
		if !ok || pat.Kind != sql.LitString {
			return e, nil
		}
		opts := "s"
		if len(e.Args) == 3 {
			flags, ok := e.Args[2].(*sql.Literal)
			if !ok || flags.Kind != sql.LitString || strings.Trim(flags.Value, "ic") != "" {
				return e, nil
			}
			if i, c := strings.LastIndexByte(flags.Value, 'i'), strings.LastIndexByte(flags.Value, 'c'); i > c {
				opts = "si"
			}
		}
		re, err := regexp.Compile(pat.Value)
		if err != nil {
			return e, nil // DuckDB reports it
		}
		str := func(s string) sql.Expr { return &sql.Literal{Pos: e.Pos, Kind: sql.LitString, Value: s} }
		groups := &sql.ArrayExpr{Pos: e.Pos}
		for g := range max(re.NumSubexp(), 1) {
			n := g + 1
			if re.NumSubexp() == 0 {
				n = 0
			}
			groups.Elems = append(groups.Elems, &sql.FuncCall{Pos: e.Pos, Name: sql.Name{Value: "regexp_extract"},
				Args: []sql.Expr{e.Args[0], e.Args[1], &sql.Literal{Pos: e.Pos, Kind: sql.LitInteger, Value: strconv.Itoa(n)}, str(opts)}})
		}
		match := &sql.FuncCall{Pos: e.Pos, Name: sql.Name{Value: "regexp_matches"}, Args: []sql.Expr{e.Args[0], e.Args[1], str(opts)}}
		return &sql.CaseExpr{Pos: e.Pos, Whens: []sql.When{{Cond: match, Result: groups}}}, nil
	}
	return e, nil
}

// anyEqual writes x = ANY (a) with DuckDB's list functions, which it runs
// anywhere (its own = ANY over a list is a subquery, which an outer join's
// condition cannot hold: pg_attribute's attnum = ANY(pg_index.indkey)),
// with Postgres' answer: NULL when a is NULL, false when a is empty, else
// true when an element equals x, else NULL when x or an element is NULL,
// else false.
func anyEqual(e *sql.QuantifiedExpr) (sql.Expr, error) {
	x, a := sql.String(e.Left), sql.String(e.Right)
	return sql.ParseExpr(fmt.Sprintf(`(CASE WHEN (%[2]s) IS NULL THEN NULL WHEN len(%[2]s) = 0 THEN false WHEN (%[1]s) IS NULL THEN NULL
		WHEN list_contains(%[2]s, %[1]s) THEN true WHEN list_count(%[2]s) < len(%[2]s) THEN NULL ELSE false END)`, x, a))
}
