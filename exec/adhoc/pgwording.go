//go:build duckdb_arrow

package adhoc

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/weir-stream/weir/sql/sqlstate"
)

// wordingRule turns one DuckDB error message into Postgres' code and
// wording: match is tried on DuckDB's message (without its "<Kind> Error: "
// prefix), and message builds Postgres' from the submatches.
type wordingRule struct {
	match   *regexp.Regexp
	code    string
	message func(m []string) string
	hint    string
}

// wordingRules are the DuckDB errors an ad-hoc query can meet and how
// Postgres words them. The first rule that matches applies.
var wordingRules = []wordingRule{
	{regexp.MustCompile(`(?i)^max expression depth limit of \d+ exceeded`), sqlstate.StatementTooComplex,
		func([]string) string { return "stack depth limit exceeded" },
		"weir runs the joins and aggregates of ad-hoc queries in DuckDB, whose expressions nest at most 500 levels; simplify the statement."},
	{regexp.MustCompile(`^Referenced column "?([^"]+?)"? not found in FROM clause`), sqlstate.UndefinedColumn,
		func(m []string) string { return fmt.Sprintf("column \"%s\" does not exist", m[1]) }, ""},
	{regexp.MustCompile(`^Table "([^"]+)" does not have a column named "([^"]+)"`), sqlstate.UndefinedColumn,
		func(m []string) string { return fmt.Sprintf("column %s.%s does not exist", m[1], m[2]) }, ""},
	{regexp.MustCompile(`^Referenced table "([^"]+)" not found`), sqlstate.UndefinedTable,
		func(m []string) string { return fmt.Sprintf("missing FROM-clause entry for table \"%s\"", m[1]) }, ""},
	{regexp.MustCompile(`^Ambiguous reference to column name "([^"]+)"`), sqlstate.AmbiguousColumn,
		func(m []string) string { return fmt.Sprintf("column reference \"%s\" is ambiguous", m[1]) }, ""},
	{regexp.MustCompile(`^Table with name "?([^"!\s]+)"? does not exist`), sqlstate.UndefinedTable,
		func(m []string) string { return fmt.Sprintf("relation \"%s\" does not exist", m[1]) }, ""},
	{regexp.MustCompile(`^(?:Scalar |Aggregate |Table |Macro )?Function with name "?([^"!\s]+)"? does not exist`), sqlstate.UndefinedFunction,
		func(m []string) string { return fmt.Sprintf("function %s does not exist", m[1]) },
		"No function matches the given name and argument types. You might need to add explicit type casts."},
	{regexp.MustCompile(`^No function matches the given name and argument types '([^(']+)\((.*)\)'`), sqlstate.UndefinedFunction,
		func(m []string) string { return fmt.Sprintf("function %s(%s) does not exist", m[1], pgTypeList(m[2])) },
		"No function matches the given name and argument types. You might need to add explicit type casts."},
	{regexp.MustCompile(`^Could not convert string '(.*)' to ([A-Z0-9_ ]+?)(?: when| with|$)`), sqlstate.InvalidTextRepresentation,
		func(m []string) string {
			return fmt.Sprintf("invalid input syntax for type %s: \"%s\"", pgType(m[2]), m[1])
		}, ""},
	{regexp.MustCompile(`^Overflow in (?:addition|subtraction|multiplication|negation|division) of ([A-Z0-9_]+)`), sqlstate.NumericValueOutOfRange,
		func(m []string) string { return pgType(m[1]) + " out of range" }, ""},
	{regexp.MustCompile(`out of range for the destination type ([A-Z0-9_]+)`), sqlstate.NumericValueOutOfRange,
		func(m []string) string { return pgType(m[1]) + " out of range" }, ""},
	{regexp.MustCompile(`(?i)^division by zero`), sqlstate.DivisionByZero,
		func([]string) string { return "division by zero" }, ""},
	{regexp.MustCompile(`^(field position must not be zero|negative substring length not allowed|stride must be greater than zero)`), sqlstate.InvalidParameterValue,
		func(m []string) string { return m[1] }, ""},
	{regexp.MustCompile(`^(timestamps cannot be binned into intervals containing months or years)`), sqlstate.FeatureNotSupported,
		func(m []string) string { return m[1] }, ""},
	{regexp.MustCompile(`^(?i:unknown TimeZone) '(.*)'`), sqlstate.InvalidParameterValue,
		func(m []string) string { return fmt.Sprintf("time zone \"%s\" not recognized", m[1]) }, ""},
	{regexp.MustCompile(`^(value out of range: (?:overflow|underflow)|integer out of range)`), sqlstate.NumericValueOutOfRange,
		func(m []string) string { return m[1] }, ""},
	{regexp.MustCompile(`^requested length too large`), sqlstate.ProgramLimitExceeded,
		func([]string) string { return "requested length too large" }, ""},
	{regexp.MustCompile(`^More than one row returned by a subquery used as an expression`), sqlstate.CardinalityViolation,
		func([]string) string { return "more than one row returned by a subquery used as an expression" }, ""},
	{regexp.MustCompile(`^column "([^"]+)" must appear in the GROUP BY clause`), sqlstate.GroupingError,
		func(m []string) string {
			return fmt.Sprintf("column \"%s\" must appear in the GROUP BY clause or be used in an aggregate function", m[1])
		}, ""},
	{regexp.MustCompile(`^aggregate function calls cannot be nested`), sqlstate.GroupingError,
		func([]string) string { return "aggregate function calls cannot be nested" }, ""},
	{regexp.MustCompile(`^WHERE clause cannot contain aggregates`), sqlstate.GroupingError,
		func([]string) string { return "aggregate functions are not allowed in WHERE" }, ""},
	{regexp.MustCompile(`^syntax error at or near (.*)`), sqlstate.SyntaxError,
		func(m []string) string { return "syntax error at or near " + m[1] }, ""},
	{regexp.MustCompile(`^syntax error at end of input`), sqlstate.SyntaxError,
		func([]string) string { return "syntax error at end of input" }, ""},
}

// pgTypes are Postgres' names of DuckDB's types (logical and physical).
var pgTypes = map[string]string{
	"BOOLEAN": "boolean", "BOOL": "boolean",
	"TINYINT": "smallint", "INT8": "smallint", "SMALLINT": "smallint", "INT16": "smallint",
	"INTEGER": "integer", "INT32": "integer", "BIGINT": "bigint", "INT64": "bigint",
	"HUGEINT": "numeric", "INT128": "numeric", "UTINYINT": "smallint", "USMALLINT": "integer",
	"UINTEGER": "bigint", "UBIGINT": "numeric", "UINT8": "smallint", "UINT16": "integer",
	"UINT32": "bigint", "UINT64": "numeric",
	"FLOAT": "real", "REAL": "real", "DOUBLE": "double precision",
	"DECIMAL": "numeric", "VARCHAR": "text", "BLOB": "bytea", "DATE": "date",
	"TIME": "time without time zone", "TIMESTAMP": "timestamp without time zone",
	"TIMESTAMP WITH TIME ZONE": "timestamp with time zone", "TIMESTAMP_NS": "timestamp without time zone",
	"INTERVAL": "interval", "UUID": "uuid", "JSON": "json",
}

// pgType returns Postgres' name of the DuckDB type t (DECIMAL(p,s) is
// numeric); t itself, lower-cased, when there is none.
func pgType(t string) string {
	t = strings.TrimSpace(t)
	base, _, _ := strings.Cut(t, "(")
	if n, ok := pgTypes[strings.ToUpper(base)]; ok {
		return n
	}
	return strings.ToLower(t)
}

// pgTypeList renames the types of DuckDB's comma-separated list
// ("VARCHAR, DECIMAL(10,2)").
func pgTypeList(list string) string {
	if strings.TrimSpace(list) == "" {
		return ""
	}
	var parts []string
	depth, start := 0, 0
	for i, r := range list {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, pgType(list[start:i]))
				start = i + 1
			}
		}
	}
	parts = append(parts, pgType(list[start:]))
	return strings.Join(parts, ", ")
}

// internalName matches the names queries give relations in DuckDB
// (Engine.TempName), with the quotes around them.
var internalName = regexp.MustCompile(`"?__weir_\d+_([A-Za-z0-9_]*)"?`)

// didYouMean is DuckDB's suggestion at the end of a message, which names
// DuckDB's own catalog (pg_tables, duckdb_columns).
var didYouMean = regexp.MustCompile(`\s*Did you mean .*$`)

// pgWording rewrites a DuckDB error in Postgres' wording: rules map the
// known messages to Postgres' code and text; any other message keeps the
// code of its DuckDB error type, loses DuckDB's suggestions and its
// capital and exclamation mark. names maps the relations' names in DuckDB
// to the caller's (Relation.Display); a name DuckDB uses that is not in
// names loses its internal prefix. DuckDB's detail (its "LINE 1:" excerpt
// of the rewritten query, candidate bindings) is dropped: it shows the
// query DuckDB ran, not the one the user wrote.
func pgWording(e *sqlstate.Error, names map[string]string) {
	msg := didYouMean.ReplaceAllString(e.Message, "")
	msg = renameInternal(msg, names)
	e.Detail = ""
	for _, r := range wordingRules {
		if m := r.match.FindStringSubmatch(msg); m != nil {
			e.Code, e.Message, e.Hint = r.code, r.message(m), r.hint
			return
		}
	}
	msg = strings.TrimRight(msg, "!. ")
	if first, n := utf8.DecodeRuneInString(msg); n > 0 && unicode.IsUpper(first) {
		if second, _ := utf8.DecodeRuneInString(msg[n:]); !unicode.IsUpper(second) {
			msg = string(unicode.ToLower(first)) + msg[n:]
		}
	}
	e.Message = msg
}

// renameInternal replaces the relations' names in DuckDB by the caller's.
func renameInternal(msg string, names map[string]string) string {
	return internalName.ReplaceAllStringFunc(msg, func(m string) string {
		quoted := strings.HasPrefix(m, `"`)
		bare := strings.Trim(m, `"`)
		name, ok := names[bare]
		if !ok {
			name = internalName.FindStringSubmatch(m)[1]
		}
		if quoted {
			return `"` + name + `"`
		}
		return name
	})
}
