package planner

import (
	"errors"
	"slices"
	"testing"

	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// TestDefinePlainView checks the catalog entry CREATE [OR REPLACE] VIEW
// makes (columns named by the statement, Uses, the definition as written)
// and Postgres' errors for column lists, duplicate names, replacements that
// drop, rename or retype columns, and a replacement that would read itself.
func TestDefinePlainView(t *testing.T) {
	tc := newTestCatalog()
	if err := tc.exec(`CREATE TABLE t (x BIGINT PRIMARY KEY, y TEXT)`); err != nil {
		t.Fatal(err)
	}
	define := func(text string) (*catalog.Object, error) {
		t.Helper()
		st, err := sql.ParseOne(text)
		if err != nil {
			t.Fatal(err)
		}
		cv := st.(*sql.CreatePlainView)
		old, _ := tc.cat.Get(cv.Name.Last().Value)
		return DefinePlainView(tc.cat, cv, old)
	}
	add := func(text string) {
		t.Helper()
		o, err := define(text)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		if err := tc.cat.Add(discardWriter{}, o); err != nil {
			t.Fatal(err)
		}
	}

	o, err := define(`CREATE VIEW v (a) AS SELECT x, y FROM t WHERE x > 1`)
	if err != nil {
		t.Fatal(err)
	}
	if o.Name != "v" || o.Kind != catalog.PlainView || len(o.Columns) != 2 ||
		o.Columns[0].Name != "a" || o.Columns[1].Name != "y" || o.Columns[0].TypeName() != "bigint" ||
		!slices.Equal(o.Uses, []string{"t"}) || o.Definition != "CREATE VIEW v (a) AS SELECT x, y FROM t WHERE x > 1" {
		t.Fatalf("got %+v", o)
	}
	add(`CREATE VIEW v AS SELECT x, y FROM t`)
	add(`CREATE VIEW w AS SELECT x FROM v`)

	for _, c := range []struct{ text, code, msg string }{
		{`CREATE VIEW u (a, b, c) AS SELECT x, y FROM t`, sqlstate.SyntaxError, "CREATE VIEW specifies more column names than columns"},
		{`CREATE VIEW u AS SELECT x, y AS x FROM t`, sqlstate.DuplicateColumn, `column "x" specified more than once`},
		{`CREATE OR REPLACE VIEW v AS SELECT x FROM t`, sqlstate.InvalidTableDefinition, "cannot drop columns from view"},
		{`CREATE OR REPLACE VIEW v AS SELECT y, x FROM t`, sqlstate.InvalidTableDefinition, `cannot change name of view column "x" to "y"`},
		{`CREATE OR REPLACE VIEW v AS SELECT x::DOUBLE PRECISION AS x, y FROM t`, sqlstate.InvalidTableDefinition, `cannot change data type of view column "x" from bigint to double precision`},
		{`CREATE OR REPLACE VIEW v AS SELECT x, 'y' AS y FROM w`, sqlstate.InvalidObjectDefinition, `infinite recursion detected in rules for relation "v"`},
	} {
		_, err := define(c.text)
		var se *sqlstate.Error
		if !errors.As(err, &se) || se.Code != c.code || se.Message != c.msg {
			t.Errorf("%s: got %v, want %s %s", c.text, err, c.code, c.msg)
		}
	}
	if _, err := define(`CREATE OR REPLACE VIEW v AS SELECT x, y, y AS z FROM t`); err != nil {
		t.Errorf("a replacement that adds a column: %v", err)
	}
}
