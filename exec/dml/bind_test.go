package dml_test

import (
	"context"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/dml"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

func parse[T sql.Statement](t *testing.T, src string) T {
	t.Helper()
	st, err := sql.ParseOne(src)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return st.(T)
}

func binder() *planner.Binder { return planner.NewBinder(catalog.New(), nil) }

// wantAt fails t unless err has code and is placed at pos.
func wantAt(t *testing.T, err error, code string, pos sql.Pos) *sqlstate.Error {
	t.Helper()
	se := wantCode(t, err, code)
	if se.Position != int(pos) {
		t.Fatalf("%s at %d, want %d", se.Message, se.Position, pos)
	}
	return se
}

func TestInsertTargets(t *testing.T) {
	o := people()
	for _, c := range []struct {
		src  string
		want []int
	}{
		{"INSERT INTO people VALUES (1, 'a', 1)", []int{0, 1, 2}},
		{"INSERT INTO people (n, id) VALUES (1, 2)", []int{2, 0}},
	} {
		st := parse[*sql.Insert](t, c.src)
		if got, err := dml.InsertTargets(o, st.Columns); err != nil || !slices.Equal(got, c.want) {
			t.Fatalf("%s: %v, %v", c.src, got, err)
		}
	}
	st := parse[*sql.Insert](t, "INSERT INTO people (id, nope) VALUES (1, 2)")
	_, err := dml.InsertTargets(o, st.Columns)
	if se := wantAt(t, err, sqlstate.UndefinedColumn, st.Columns[1].Pos); se.Message != `column "nope" of relation "people" does not exist` {
		t.Fatalf("message %q", se.Message)
	}
	st = parse[*sql.Insert](t, "INSERT INTO people (id, n, id) VALUES (1, 2, 3)")
	_, err = dml.InsertTargets(o, st.Columns)
	wantAt(t, err, sqlstate.DuplicateColumn, st.Columns[2].Pos)
}

// TestAddValues: the rows of VALUES are bound, converted to their columns'
// types and gathered; errors point at the value or the row.
func TestAddValues(t *testing.T) {
	f := newFixture(t, people())
	ctx := context.Background()
	st := parse[*sql.Insert](t, "INSERT INTO people (n, id) VALUES (10, 1), (20::int8, 2)")
	targets, err := dml.InsertTargets(f.o, st.Columns)
	if err != nil {
		t.Fatal(err)
	}
	vals := dml.NewValues(f.mem, f.o, targets)
	defer vals.Release()
	if err := vals.AddValues(ctx, binder(), st.Values); err != nil || vals.Len() != 2 {
		t.Fatalf("AddValues: %d rows, %v", vals.Len(), err)
	}
	rows, err := vals.Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Release()
	if got, want := exectest.FormatChunk(exec.Chunk{Batch: rows}), "+ | 1 | NULL | 10\n+ | 2 | NULL | 20\n"; got != want {
		t.Fatalf("rows:\n%s\nwant:\n%s", got, want)
	}

	for _, c := range []struct {
		src, code, msg string
		// at returns where the error is.
		at func(st *sql.Insert) sql.Pos
	}{
		{"INSERT INTO people VALUES (1, 'a', 1), (2, 'b')", sqlstate.SyntaxError, "INSERT has more target columns than expressions",
			func(st *sql.Insert) sql.Pos { return st.Values[1][0].Position() }},
		{"INSERT INTO people VALUES (1, 'a', 1, 4)", sqlstate.SyntaxError, "INSERT has more expressions than target columns",
			func(st *sql.Insert) sql.Pos { return st.Values[0][0].Position() }},
		{"INSERT INTO people VALUES (1, 'a', true)", sqlstate.DatatypeMismatch, `column "n" is of type integer but expression is of type boolean`,
			func(st *sql.Insert) sql.Pos { return st.Values[0][2].Position() }},
		{"INSERT INTO people VALUES (1, 'a', 1), (2, 'abcd', 2)", sqlstate.StringDataRightTruncation, "value too long for type character varying(3)",
			func(st *sql.Insert) sql.Pos { return st.Values[1][1].Position() }},
	} {
		st := parse[*sql.Insert](t, c.src)
		vals := dml.NewValues(f.mem, f.o, []int{0, 1, 2})
		err := vals.AddValues(ctx, binder(), st.Values)
		if se := wantAt(t, err, c.code, c.at(st)); se.Message != c.msg {
			t.Errorf("%s: %q, want %q", c.src, se.Message, c.msg)
		}
		vals.Release()
	}
}

// TestAddQuery: the rows of INSERT … SELECT are converted to their target
// columns' types; a query of the wrong width or types fails at its
// position.
func TestAddQuery(t *testing.T) {
	f := newFixture(t, people())
	ctx := context.Background()
	c := exectest.MustChunk(t, f.mem, "a int2, b text", "+ | 1 | al\n+ | 2 | NULL")
	defer c.Release()
	cols := types.Schema{{Name: "a", Type: types.Int16Type}, {Name: "b", Type: types.TextType}}
	reader := func() array.RecordReader {
		r, err := array.NewRecordReader(c.Batch.Schema(), []arrow.RecordBatch{c.Batch})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	vals := dml.NewValues(f.mem, f.o, []int{2, 1})
	defer vals.Release()
	r := reader()
	defer r.Release()
	if err := vals.AddQuery(ctx, cols, r, 7); err != nil || vals.Len() != 2 {
		t.Fatalf("AddQuery: %d rows, %v", vals.Len(), err)
	}
	for _, c := range []struct {
		targets []int
		code    string
	}{
		{[]int{2}, sqlstate.SyntaxError},
		{[]int{1, 2}, sqlstate.DatatypeMismatch},
	} {
		vals := dml.NewValues(f.mem, f.o, c.targets)
		r := reader()
		wantAt(t, vals.AddQuery(ctx, cols, r, 7), c.code, 7)
		r.Release()
		vals.Release()
	}
}

// TestBindUpdate: UPDATE's SET values are converted to their columns'
// types, its WHERE must be boolean.
func TestBindUpdate(t *testing.T) {
	f := newFixture(t, people())
	if err := f.insert(peopleSchema, "+ | 1 | al | 10\n+ | 2 | bo | 20"); err != nil {
		t.Fatal(err)
	}
	u, err := dml.BindUpdate(binder(), f.o, parse[*sql.Update](t, "UPDATE people SET n = n + 1, name = 'x' WHERE id = 2"))
	if err != nil {
		t.Fatal(err)
	}
	chunks, n, err := u.Changes(context.Background(), f.mem, f.table())
	if err != nil || n != 1 {
		t.Fatalf("Changes: %d, %v", n, err)
	}
	if got, want := format(chunks), "U- | 2 | bo | 20\nU+ | 2 | x | 21\n"; got != want {
		t.Fatalf("changes:\n%s\nwant:\n%s", got, want)
	}
	st := parse[*sql.Update](t, "UPDATE people SET nope = 1")
	_, err = dml.BindUpdate(binder(), f.o, st)
	wantAt(t, err, sqlstate.UndefinedColumn, st.Set[0].Column.Pos)
	st = parse[*sql.Update](t, "UPDATE people SET n = true")
	_, err = dml.BindUpdate(binder(), f.o, st)
	wantAt(t, err, sqlstate.DatatypeMismatch, st.Set[0].Value.Position())
	st = parse[*sql.Update](t, "UPDATE people SET n = 1 WHERE id")
	_, err = dml.BindUpdate(binder(), f.o, st)
	wantAt(t, err, sqlstate.DatatypeMismatch, st.Where.Position())

	d, err := dml.BindDelete(binder(), f.o, parse[*sql.Delete](t, "DELETE FROM people WHERE n > 15"))
	if err != nil {
		t.Fatal(err)
	}
	chunks, n, err = d.Changes(context.Background(), f.mem, f.table())
	if err != nil || n != 1 {
		t.Fatalf("Changes: %d, %v", n, err)
	}
	if got, want := format(chunks), "- | 2 | bo | 20\n"; got != want {
		t.Fatalf("changes:\n%s\nwant:\n%s", got, want)
	}
}

// TestBindParams: a prepared DML statement's parameters get the types of
// the columns they are stored in or compared with.
func TestBindParams(t *testing.T) {
	o := people()
	for _, c := range []struct {
		src  string
		want []types.T
	}{
		{"INSERT INTO people (n, name) VALUES ($1, $2)", []types.T{types.Int32Type, types.TextType}},
		{"UPDATE people SET name = $2 WHERE id = $1", []types.T{types.Int32Type, types.TextType}},
		{"DELETE FROM people WHERE n < $1", []types.T{types.Int32Type}},
	} {
		b := binder()
		if err := dml.BindParams(b, o, parse[sql.Statement](t, c.src)); err != nil {
			t.Fatalf("%s: %v", c.src, err)
		}
		if !slices.Equal(b.Params, c.want) {
			t.Errorf("%s: parameters %v, want %v", c.src, b.Params, c.want)
		}
	}
}
