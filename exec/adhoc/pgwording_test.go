//go:build duckdb_arrow

package adhoc

import (
	"testing"

	"github.com/weir-stream/weir/sql/sqlstate"
)

// TestPGWording: DuckDB's messages come out in Postgres' codes and words,
// with the caller's relation names and none of DuckDB's suggestions.
func TestPGWording(t *testing.T) {
	names := map[string]string{"__weir_7_users": "users"}
	for _, c := range []struct{ in, code, msg, hint string }{
		{`Referenced column "zz" not found in FROM clause!`, sqlstate.UndefinedColumn, `column "zz" does not exist`, ""},
		{`Table "__weir_7_users" does not have a column named "zz"`, sqlstate.UndefinedColumn, `column users.zz does not exist`, ""},
		{`Referenced table "u" not found!`, sqlstate.UndefinedTable, `missing FROM-clause entry for table "u"`, ""},
		{`Ambiguous reference to column name "id" (use: "a.id" or "b.id")`, sqlstate.AmbiguousColumn, `column reference "id" is ambiguous`, ""},
		{`Table with name v does not exist! Did you mean "pg_tables"?`, sqlstate.UndefinedTable, `relation "v" does not exist`, ""},
		{`Scalar Function with name nosuch does not exist! Did you mean "nextval"?`, sqlstate.UndefinedFunction, `function nosuch does not exist`,
			"No function matches the given name and argument types. You might need to add explicit type casts."},
		{`No function matches the given name and argument types 'sum(VARCHAR)'. You might need to add explicit type casts.`, sqlstate.UndefinedFunction,
			`function sum(text) does not exist`, "No function matches the given name and argument types. You might need to add explicit type casts."},
		{`No function matches the given name and argument types 'f(INTEGER, DECIMAL(10,2))'.`, sqlstate.UndefinedFunction, `function f(integer, numeric) does not exist`,
			"No function matches the given name and argument types. You might need to add explicit type casts."},
		{`Could not convert string 'x' to INT64 when casting from source column s`, sqlstate.InvalidTextRepresentation, `invalid input syntax for type bigint: "x"`, ""},
		{`Overflow in multiplication of INT16 (300 * 300)!`, sqlstate.NumericValueOutOfRange, `smallint out of range`, ""},
		{`Type INT64 with value 3000000000 can't be cast because the value is out of range for the destination type INT32`, sqlstate.NumericValueOutOfRange, `integer out of range`, ""},
		{`division by zero`, sqlstate.DivisionByZero, `division by zero`, ""},
		{`More than one row returned by a subquery used as an expression - scalar subqueries can only return a single row.`, sqlstate.CardinalityViolation,
			`more than one row returned by a subquery used as an expression`, ""},
		{`column "x" must appear in the GROUP BY clause or must be part of an aggregate function.`, sqlstate.GroupingError,
			`column "x" must appear in the GROUP BY clause or be used in an aggregate function`, ""},
		// Unmapped: DuckDB's gist, its code, no capital, no exclamation
		// mark, no internal name.
		{`Something odd happened in "__weir_7_users"!`, sqlstate.Internal, `something odd happened in "users"`, ""},
		{`Something about "__weir_12_other_rel".`, sqlstate.Internal, `something about "other_rel"`, ""},
		{`INT32 is odd`, sqlstate.Internal, `INT32 is odd`, ""},
	} {
		e := &sqlstate.Error{Code: sqlstate.Internal, Message: c.in, Detail: "LINE 1: SELECT … FROM __weir_7_users", Position: -1}
		pgWording(e, names)
		if e.Code != c.code || e.Message != c.msg || e.Hint != c.hint || e.Detail != "" {
			t.Errorf("%s:\n got %s %q hint %q detail %q\nwant %s %q hint %q", c.in, e.Code, e.Message, e.Hint, e.Detail, c.code, c.msg, c.hint)
		}
	}
}
