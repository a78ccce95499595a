//go:build duckdb_arrow

package adhoc

import (
	"strconv"
	"strings"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql"
)

// funcMacros define, in each DuckDB connection, the functions Prepare writes
// calls DuckDB lacks or answers differently as (renamedFuncs): initcap,
// which DuckDB lacks (a letter or digit continues a word), and split_part
// (an empty delimiter: Postgres' one field, DuckDB's one a character),
// exp, repeat, substr (substring) and lcm, whose errors Postgres has where
// DuckDB answers: field 0, an exp out of double precision's range (DuckDB:
// infinity), a text over 1 GB, a negative length, an lcm of integers out of
// integer's range (DuckDB: a bigint).
var funcMacros = []string{
	`CREATE OR REPLACE TEMP MACRO weir_initcap(s) AS array_to_string(list_transform(range(1, length(s) + 1),
		i -> CASE WHEN i > 1 AND regexp_matches(substr(s, i - 1, 1), '[\pL\pN]') THEN lower(substr(s, i, 1))
		ELSE upper(substr(s, i, 1)) END), '')`,
	`CREATE OR REPLACE TEMP MACRO weir_split_part(s, d, n) AS CASE WHEN n = 0 THEN error('field position must not be zero')
		WHEN d = '' THEN CASE WHEN s IS NULL OR n IS NULL THEN NULL WHEN n IN (1, -1) THEN s ELSE '' END ELSE split_part(s, d, n) END`,
	`CREATE OR REPLACE TEMP MACRO weir_exp(x) AS CASE WHEN isinf(exp(x)) AND NOT isinf(x) THEN error('value out of range: overflow')
		WHEN exp(x) = 0 AND NOT isinf(x) THEN error('value out of range: underflow') ELSE exp(x) END`,
	`CREATE OR REPLACE TEMP MACRO weir_repeat(s, n) AS CASE WHEN strlen(s) * greatest(n, 0) > 1073741819 THEN error('requested length too large') ELSE repeat(s, n) END`,
	`CREATE OR REPLACE TEMP MACRO weir_substr(s, f, l) AS CASE WHEN l < 0 THEN error('negative substring length not allowed') ELSE substr(s, f, l) END`,
	`CREATE OR REPLACE TEMP MACRO weir_date_bin(s, t, o) AS CASE
		WHEN datepart('year', s) <> 0 OR datepart('month', s) <> 0 THEN error('timestamps cannot be binned into intervals containing months or years')
		WHEN s <= INTERVAL '0 seconds' THEN error('stride must be greater than zero') ELSE time_bucket(s, t, o) END`,
	`CREATE OR REPLACE TEMP MACRO weir_minus_seconds(t, n) AS t - to_seconds(n)`,
	`CREATE OR REPLACE TEMP MACRO weir_to_timestamp(s, f) AS CAST(strptime(s, f) AS TIMESTAMPTZ)`,
	`CREATE OR REPLACE TEMP MACRO weir_lcm(a, b) AS CASE WHEN typeof(a) IN ('INTEGER', 'SMALLINT') AND typeof(b) IN ('INTEGER', 'SMALLINT')
		AND lcm(a::BIGINT, b::BIGINT) > 2147483647 THEN error('integer out of range') ELSE lcm(a, b) END`,
}

// renamedFuncs are the functions Prepare writes as funcMacros' functions.
// substr and substring with a length are written as weir_substr.
var renamedFuncs = map[string]string{"initcap": "weir_initcap", "split_part": "weir_split_part", "exp": "weir_exp",
	"repeat": "weir_repeat", "lcm": "weir_lcm", "date_bin": "weir_date_bin"}

// hasRenamedFunc reports whether e calls a function of renamedFuncs.
func hasRenamedFunc(e sql.Expr) bool {
	found := false
	if e == nil {
		return false
	}
	sql.Walk(e, func(n sql.Node) bool {
		if f, ok := n.(*sql.FuncCall); ok && !f.Name.Quoted && (renamedFuncs[f.Name.Value] != "" || f.Name.Value == "to_char" ||
			f.Name.Value == "substr" || f.Name.Value == "substring") {
			found = true
		}
		return !found
	})
	return found
}

// rewriteScalarFuncs writes the scalar function calls and operators DuckDB
// answers differently from Postgres in forms it answers the same:
//
//   - lpad(s, n) and rpad(s, n), which DuckDB lacks, as lpad(s, n, ' ') and
//     rpad(s, n, ' ');
//   - s ~ p, s ~* p, s !~ p, s !~* p (DuckDB's ~ matches the whole text) as
//     [NOT] regexp_matches(s, p, 's' or 'si'), and regexp_replace's flags
//     with s added: Postgres' dot matches a newline;
//   - initcap and split_part as funcMacros' weir_initcap and weir_split_part;
//   - to_char(ts, 'format'), which DuckDB lacks, as strftime(ts, format),
//     when the format is a literal of patterns strftime writes alike
//     (expr.ToCharStrftime); otherwise DuckDB reports 42883;
//   - a select item without an alias holding a regular expression operator
//     or one of those calls keeps the name Postgres gives it.
//
// undo gets what puts the tree back.
func rewriteScalarFuncs(st *sql.Select, undo *[]func()) error {
	sql.Walk(st, func(n sql.Node) bool {
		if sel, ok := n.(*sql.Select); ok {
			for i := range sel.Items {
				it := &sel.Items[i]
				if it.Star || it.Alias != nil || !hasRegexOp(it.Expr) && !hasRenamedFunc(it.Expr) {
					continue
				}
				it.Alias = &sql.Name{Value: columnName(it.Expr), Quoted: true}
				*undo = append(*undo, func() { it.Alias = nil })
			}
		}
		f, ok := n.(*sql.FuncCall)
		if !ok || f.Name.Quoted {
			return true
		}
		if (f.Name.Value == "substr" || f.Name.Value == "substring") && len(f.Args) == 3 {
			from := f.Name.Value
			f.Name.Value = "weir_substr"
			*undo = append(*undo, func() { f.Name.Value = from })
		}
		if to := renamedFuncs[f.Name.Value]; to != "" {
			from := f.Name.Value
			f.Name.Value = to
			*undo = append(*undo, func() { f.Name.Value = from })
		}
		switch f.Name.Value {
		case "lpad", "rpad":
			if len(f.Args) == 2 {
				args := f.Args
				f.Args = append(args[:2:2], &sql.Literal{Pos: f.Pos, Kind: sql.LitString, Value: " "})
				*undo = append(*undo, func() { f.Args = args })
			}
		case "to_char":
			if len(f.Args) != 2 {
				break
			}
			lit, ok := f.Args[1].(*sql.Literal)
			if !ok || lit.Kind != sql.LitString {
				break
			}
			if format, ok := expr.ToCharStrftime(lit.Value); ok {
				args := f.Args
				f.Name.Value = "strftime"
				f.Args = []sql.Expr{args[0], &sql.Literal{Pos: lit.Pos, Kind: sql.LitString, Value: format}}
				*undo = append(*undo, func() { f.Name.Value, f.Args = "to_char", args })
			}
		case "to_timestamp":
			// to_timestamp(text, 'format') as strptime's timestamp, in UTC
			// as weir's, when strptime reads the format's patterns alike.
			if len(f.Args) != 2 {
				break
			}
			lit, ok := f.Args[1].(*sql.Literal)
			if !ok || lit.Kind != sql.LitString {
				break
			}
			if format, ok := expr.ToTimestampStrptime(lit.Value); ok {
				args := f.Args
				f.Name.Value = "weir_to_timestamp"
				f.Args = []sql.Expr{args[0], &sql.Literal{Pos: lit.Pos, Kind: sql.LitString, Value: format}}
				*undo = append(*undo, func() { f.Name.Value, f.Args = "to_timestamp", args })
			}
		case "make_timestamptz":
			// DuckDB knows zone names only: a literal offset (+2, -05:30)
			// becomes UTC less the offset.
			if len(f.Args) != 7 {
				break
			}
			lit, ok := f.Args[6].(*sql.Literal)
			if !ok || lit.Kind != sql.LitString {
				break
			}
			if off, ok := expr.ZoneOffset(lit.Value); ok && strings.ContainsAny(lit.Value[:1], "+-") {
				args := f.Args
				utc := &sql.FuncCall{Pos: f.Pos, Name: f.Name, Args: append(args[:6:6], &sql.Literal{Pos: lit.Pos, Kind: sql.LitString, Value: "UTC"})}
				f.Name.Value = "weir_minus_seconds"
				f.Args = []sql.Expr{utc, &sql.Literal{Pos: lit.Pos, Kind: sql.LitInteger, Value: strconv.FormatInt(off, 10)}}
				*undo = append(*undo, func() { f.Name.Value, f.Args = "make_timestamptz", args })
			}
		case "regexp_replace":
			args := f.Args
			switch len(args) {
			case 3:
				f.Args = append(args[:3:3], &sql.Literal{Pos: f.Pos, Kind: sql.LitString, Value: "s"})
			case 4:
				f.Args = append(args[:3:3], &sql.BinaryExpr{Pos: f.Pos, Op: sql.OpConcat, Left: args[3],
					Right: &sql.Literal{Pos: f.Pos, Kind: sql.LitString, Value: "s"}})
			}
			*undo = append(*undo, func() { f.Args = args })
		}
		return true
	})
	u, err := sql.RewriteExprs(st, regexCall)
	if err != nil {
		return err
	}
	*undo = append(*undo, u)
	return nil
}

func isRegexOp(op sql.BinaryOp) bool { return op >= sql.OpRegexMatch && op <= sql.OpNotRegexIMatch }

// hasRegexOp reports whether e holds a regular expression operator.
func hasRegexOp(e sql.Expr) bool {
	found := false
	if e == nil {
		return false
	}
	sql.Walk(e, func(n sql.Node) bool {
		if b, ok := n.(*sql.BinaryExpr); ok && isRegexOp(b.Op) {
			found = true
		}
		return !found
	})
	return found
}

// regexCall is the RewriteExprs function that writes s ~ p as
// regexp_matches(s, p, 's') and its kin.
func regexCall(e sql.Expr) (sql.Expr, error) {
	b, ok := e.(*sql.BinaryExpr)
	if !ok || !isRegexOp(b.Op) {
		return e, nil
	}
	opts := "s"
	if b.Op == sql.OpRegexIMatch || b.Op == sql.OpNotRegexIMatch {
		opts = "si"
	}
	var out sql.Expr = &sql.FuncCall{Pos: b.Pos, Name: sql.Name{Value: "regexp_matches"},
		Args: []sql.Expr{b.Left, b.Right, &sql.Literal{Pos: b.Pos, Kind: sql.LitString, Value: opts}}}
	if b.Op == sql.OpNotRegexMatch || b.Op == sql.OpNotRegexIMatch {
		out = &sql.UnaryExpr{Pos: b.Pos, Op: sql.OpNot, Operand: &sql.ParenExpr{Pos: b.Pos, Expr: out}}
	}
	return out, nil
}
