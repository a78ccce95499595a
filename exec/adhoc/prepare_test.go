//go:build duckdb_arrow

package adhoc

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

func parseSelect(t *testing.T, text string) *sql.Select {
	t.Helper()
	st, err := sql.ParseOne(text)
	if err != nil {
		t.Fatalf("parse %q: %v", text, err)
	}
	return st.(*sql.Select)
}

// prepareRelations is what the tests' lookup knows: t(id, x) and u(id, y).
var prepareRelations = map[string]testRelation{
	"t": {schema: types.Schema{{Name: "id", Type: types.Int64Type}, {Name: "x", Type: types.Int64Type}},
		rows: `[{"id": 1, "x": 10}, {"id": 2, "x": 0}, {"id": 3, "x": 7}]`},
	"u": {schema: types.Schema{{Name: "id", Type: types.Int64Type}, {Name: "y", Type: types.Int64Type}},
		rows: `[{"id": 1, "y": 3}, {"id": 3, "y": 2}]`},
}

// prepareLookup returns a Lookup over prepareRelations that records the
// names it is asked for.
func prepareLookup(mem memory.Allocator, asked *[]string) Lookup {
	return func(t *sql.TableName) (Relation, error) {
		name := t.Name.Last().Value
		*asked = append(*asked, name)
		r, ok := prepareRelations[name]
		if !ok {
			return Relation{}, sqlstate.ErrorfAt(sqlstate.UndefinedTable, t.Position(), "relation \"%s\" does not exist", name)
		}
		return r.relation(mem, "ignored"), nil
	}
}

var tempNames = regexp.MustCompile(`"__weir_\d+_(\w+)"`)

// TestPrepareText checks the text DuckDB is given: each relation loaded
// once under an internal name and aliased by the user's, divisions as the
// macros with the name Postgres gives their column, a literal a set
// operation typed cast to its type; and that the statement is as parsed
// afterwards.
func TestPrepareText(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	e := openTest(t, mem)
	defer e.Close()
	const text = `SELECT x / u.y, x % 2 AS m, 'a' FROM t JOIN u ON t.id = u.id WHERE (SELECT count(*) FROM t AS t2) > 0`
	st := parseSelect(t, text)
	literals := map[*sql.SelectItem]types.T{&st.Items[2]: types.TextType}
	var asked []string
	got, rels, err := e.Prepare(st, literals, prepareLookup(mem, &asked))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(asked, []string{"t", "u"}) {
		t.Errorf("lookup asked for %v, want [t u]", asked)
	}
	if len(rels) != 2 || rels[0].Display != "t" || rels[1].Display != "u" ||
		!strings.HasPrefix(rels[0].Name, "__weir_") || !strings.Contains(got, `"`+rels[0].Name+`" AS t2`) {
		t.Errorf("relations %+v for %s", rels, got)
	}
	want := `SELECT weir_div(x, u.y) AS "?column?", weir_mod(x, 2) AS m, CAST('a' AS VARCHAR) AS "?column?" FROM "t" AS t JOIN "u" AS u ON t.id = u.id WHERE (SELECT count(*) FROM "t" AS t2) > 0`
	if got := tempNames.ReplaceAllString(got, `"$1"`); got != want {
		t.Errorf("text:\n got %s\nwant %s", got, want)
	}
	if !sql.EqualIgnoringPos(st, parseSelect(t, text)) {
		t.Errorf("statement after Prepare: %s", sql.String(st))
	}
}

// TestPrepareLookupError checks that the first relation lookup refuses
// stops Prepare with its error and leaves the statement as parsed.
func TestPrepareLookupError(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	e := openTest(t, mem)
	defer e.Close()
	const text = `SELECT a / 2 FROM t, nosuch, other`
	st := parseSelect(t, text)
	var asked []string
	_, _, err := e.Prepare(st, nil, prepareLookup(mem, &asked))
	var se *sqlstate.Error
	if !errors.As(err, &se) || se.Code != sqlstate.UndefinedTable || se.Position != strings.Index(text, "nosuch") {
		t.Fatalf("err = %v, want 42P01 at nosuch", err)
	}
	if !slices.Equal(asked, []string{"t", "nosuch"}) {
		t.Errorf("lookup asked for %v, want [t nosuch]", asked)
	}
	if !sql.EqualIgnoringPos(st, parseSelect(t, text)) {
		t.Errorf("statement after Prepare: %s", sql.String(st))
	}
}

// TestPreparedQuery runs what Prepare makes in DuckDB: a self-join reads
// the relation loaded once, a division by zero fails as in Postgres, and
// UserError points at the unknown column in the user's text.
func TestPreparedQuery(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	e := openTest(t, mem)
	defer e.Close()
	ctx := context.Background()
	run := func(text string) (string, error) {
		st := parseSelect(t, text)
		var asked []string
		prepared, rels, err := e.Prepare(st, nil, prepareLookup(mem, &asked))
		if err != nil {
			return "", err
		}
		schema, rdr, err := e.Query(ctx, prepared, rels, nil)
		if err != nil {
			return "", UserError(st, err)
		}
		defer rdr.Release()
		return formatResult(schema, rdr), nil
	}
	got, err := run(`SELECT a.id, b.x / u.y FROM t AS a JOIN t AS b ON a.id = b.id JOIN u ON u.id = a.id ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	if want := "id bigint, ?column? bigint\n1 | 3\n3 | 3\n"; got != want {
		t.Errorf("self-join:\n%s\nwant\n%s", got, want)
	}
	got, err = run(`SELECT u.y / t.x FROM t JOIN u ON true`)
	if err == nil {
		err = errors.New(got)
	}
	if !strings.Contains(err.Error(), "division by zero") {
		t.Errorf("division by zero: %v", err)
	}
	const missing = `SELECT t.id FROM t JOIN u ON t.id = u.id WHERE nosuch > 1`
	_, err = run(missing)
	var se *sqlstate.Error
	if !errors.As(err, &se) || se.Code != sqlstate.UndefinedColumn || se.Position != strings.Index(missing, "nosuch") {
		t.Errorf("unknown column: %v, want 42703 at %d", err, strings.Index(missing, "nosuch"))
	}
}
