package dml_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/dml"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// people is a table (id INT PRIMARY KEY, name VARCHAR(3), n INT NOT NULL).
func people() *catalog.Object {
	return &catalog.Object{Name: "people", Kind: catalog.Table, Columns: []catalog.Column{
		{Name: "id", Type: types.Int32Type, NotNull: true},
		{Name: "name", Type: types.TextType, Length: 3},
		{Name: "n", Type: types.Int32Type, NotNull: true},
	}, Key: []int{0}, StateTables: []statestore.TableID{7}}
}

// fixture is a table's rows in an overlay, as a transaction block keeps
// them, read through dml.ReaderTable.
type fixture struct {
	t   *testing.T
	mem *memory.CheckedAllocator
	o   *catalog.Object
	ov  *statestore.Overlay
}

func newFixture(t *testing.T, o *catalog.Object) *fixture {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return &fixture{t: t, mem: mem, o: o, ov: &statestore.Overlay{Changes: map[string][]byte{}}}
}

func (f *fixture) table() dml.Table { return dml.ReaderTable(f.ov, f.o.RowTable()) }

// values returns the arrays of the given columns of rows, a chunk of the
// visible columns in exectest's notation.
func (f *fixture) values(schema, rows string) []arrow.Array {
	c := exectest.MustChunk(f.t, f.mem, schema, rows)
	defer c.Release()
	out := make([]arrow.Array, c.Batch.NumCols())
	for i := range out {
		out[i] = c.Batch.Column(i)
		out[i].Retain()
	}
	return out
}

// insert inserts rows (of the table's visible columns, in order) and
// stages the chunk into the overlay; it returns Insert's error.
func (f *fixture) insert(schema, rows string) error {
	vals := f.values(schema, rows)
	defer release(vals)
	var targets []int
	for i, c := range f.o.Columns {
		if !c.Hidden {
			targets = append(targets, i)
		}
	}
	batch, err := dml.InsertRows(f.mem, f.o, targets, vals, vals[0].Len())
	if err != nil {
		return err
	}
	defer batch.Release()
	chunks, err := dml.Insert(f.o, f.table(), batch)
	if err != nil {
		return err
	}
	f.stage(chunks)
	return nil
}

// stage records chunks in the overlay and releases them.
func (f *fixture) stage(chunks []exec.Chunk) {
	for _, c := range chunks {
		dml.Stage(f.ov.Changes, f.o, c)
		c.Release()
	}
}

// rows prints the table's rows in key order.
func (f *fixture) rows() string {
	batches, err := dml.Rows(f.mem, f.o, f.table())
	if err != nil {
		f.t.Fatal(err)
	}
	var b strings.Builder
	for _, batch := range batches {
		b.WriteString(exectest.FormatChunk(exec.Chunk{Batch: batch}))
		batch.Release()
	}
	return sorted(b.String(), 1)
}

// sorted returns the lines of s in groups of n (an update pair: n = 2)
// sorted: rows come in the order of their vnodes, not their keys.
func sorted(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	lines = lines[:len(lines)-1]
	var groups []string
	for i := 0; i+n <= len(lines); i += n {
		groups = append(groups, strings.Join(lines[i:i+n], ""))
	}
	slices.Sort(groups)
	return strings.Join(groups, "")
}

// ops returns the op of each line of s, in order.
func ops(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		op, _, _ := strings.Cut(line, " ")
		b.WriteString(op + " ")
	}
	return b.String()
}

func release(as []arrow.Array) {
	for _, a := range as {
		a.Release()
	}
}

func format(chunks []exec.Chunk) string {
	var b strings.Builder
	for _, c := range chunks {
		b.WriteString(exectest.FormatChunk(c))
		c.Release()
	}
	return b.String()
}

// wantCode fails t unless err is a *sqlstate.Error with code, and returns it.
func wantCode(t *testing.T, err error, code string) *sqlstate.Error {
	t.Helper()
	var se *sqlstate.Error
	if !errors.As(err, &se) || se.Code != code {
		t.Fatalf("error %v; want SQLSTATE %s", err, code)
	}
	return se
}

const peopleSchema = "id int4, name text, n int4"

func TestInsertChecksKeys(t *testing.T) {
	f := newFixture(t, people())
	if err := f.insert(peopleSchema, "+ | 2 | bo | 20\n+ | 1 | al | 10"); err != nil {
		t.Fatal(err)
	}
	if got, want := f.rows(), "+ | 1 | al | 10\n+ | 2 | bo | 20\n"; got != want {
		t.Fatalf("rows:\n%s\nwant:\n%s", got, want)
	}
	se := wantCode(t, f.insert(peopleSchema, "+ | 3 | cy | 30\n+ | 2 | bo | 21"), sqlstate.UniqueViolation)
	if se.Message != `duplicate key value violates unique constraint "people_pkey"` || se.Detail != "Key (id)=(2) already exists." {
		t.Fatalf("message %q detail %q", se.Message, se.Detail)
	}
	se = wantCode(t, f.insert(peopleSchema, "+ | 4 | di | 40\n+ | 4 | ed | 41"), sqlstate.UniqueViolation)
	if se.Detail != "Key (id)=(4) already exists." {
		t.Fatalf("detail %q", se.Detail)
	}
	se = wantCode(t, f.insert(peopleSchema, "+ | 5 | NULL | NULL"), sqlstate.NotNullViolation)
	if se.Message != `null value in column "n" of relation "people" violates not-null constraint` {
		t.Fatalf("message %q", se.Message)
	}
	if got, want := f.rows(), "+ | 1 | al | 10\n+ | 2 | bo | 20\n"; got != want {
		t.Fatalf("failed inserts changed the table:\n%s", got)
	}
}

func TestInsertRowIDs(t *testing.T) {
	o := &catalog.Object{Name: "notes", Kind: catalog.Table, Columns: []catalog.Column{
		{Name: "a", Type: types.TextType},
		{Name: "b", Type: types.Int32Type},
		{Name: dml.RowIDColumn, Type: types.Int64Type, NotNull: true, Hidden: true},
	}, Key: []int{2}, StateTables: []statestore.TableID{8}}
	f := newFixture(t, o)
	vals := f.values("a text", "+ | x\n+ | x\n+ | y")
	defer release(vals)
	batch, err := dml.InsertRows(f.mem, o, []int{0}, vals, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer batch.Release()
	if b := batch.Column(1); b.NullN() != 3 {
		t.Fatalf("b: %v; want NULLs", b)
	}
	ids := batch.Column(2).(*array.Int64)
	if ids.NullN() != 0 || !(ids.Value(0) < ids.Value(1) && ids.Value(1) < ids.Value(2)) {
		t.Fatalf("row ids %v; want increasing", ids)
	}
	if next := dml.RowID(); next <= ids.Value(2) {
		t.Fatalf("RowID %d after %d", next, ids.Value(2))
	}
	chunks, err := dml.Insert(o, f.table(), batch)
	if err != nil {
		t.Fatal(err)
	}
	f.stage(chunks)
	if n := strings.Count(f.rows(), "\n"); n != 3 {
		t.Fatalf("%d rows; want 3 (equal rows, distinct ids)", n)
	}
}

func TestCoerce(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	o := people()
	eval := func(v any, tp types.T, col catalog.Column) (string, error) {
		c, err := expr.Constant(v, tp)
		if err != nil {
			t.Fatal(err)
		}
		e, err := dml.Coerce(c, col)
		if err != nil {
			return "", err
		}
		arr, err := expr.EvalConstant(ctx, mem, e)
		if err != nil {
			return "", err
		}
		defer arr.Release()
		return arr.ValueStr(0), nil
	}
	if got, err := eval("ab ", types.TextType, o.Columns[1]); err != nil || got != "ab " {
		t.Fatalf("'ab ' into VARCHAR(3): %q, %v", got, err)
	}
	if got, err := eval("abc   ", types.TextType, o.Columns[1]); err != nil || got != "abc" {
		t.Fatalf("'abc   ' into VARCHAR(3): %q, %v; want the spaces past 3 cut", got, err)
	}
	_, err := eval("abcd", types.TextType, o.Columns[1])
	se := wantCode(t, err, sqlstate.StringDataRightTruncation)
	if se.Message != "value too long for type character varying(3)" {
		t.Fatalf("message %q", se.Message)
	}
	fixed := catalog.Column{Name: "c", Type: types.TextType, Length: 2, Fixed: true}
	if _, err := eval("abc", types.TextType, fixed); err == nil {
		t.Fatal("'abc' into CHAR(2) passed")
	}
	if got, err := eval(int32(7), types.Int32Type, catalog.Column{Name: "n", Type: types.Int64Type}); err != nil || got != "7" {
		t.Fatalf("7 into BIGINT: %q, %v", got, err)
	}
	_, err = eval(true, types.BoolType, o.Columns[2])
	se = wantCode(t, err, sqlstate.DatatypeMismatch)
	if se.Message != `column "n" is of type integer but expression is of type boolean` || se.Hint != "You will need to rewrite or cast the expression." {
		t.Fatalf("message %q hint %q", se.Message, se.Hint)
	}
}

// greater is the bound expression column i > v.
func greater(t *testing.T, o *catalog.Object, i int, v int32) expr.Expr {
	return compare(t, o, sql.OpGt, i, v)
}

// compare is the bound expression column i op v.
func compare(t *testing.T, o *catalog.Object, op sql.BinaryOp, i int, v int32) expr.Expr {
	c, err := expr.Constant(v, types.Int32Type)
	if err != nil {
		t.Fatal(err)
	}
	e, err := expr.Binary(op, expr.Column(i, o.Columns[i].Name, o.Columns[i].Type), c)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestDelete(t *testing.T) {
	f := newFixture(t, people())
	if err := f.insert(peopleSchema, "+ | 1 | al | 10\n+ | 2 | bo | 20\n+ | 3 | cy | 30"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	chunks, n, err := dml.Delete(ctx, f.mem, f.o, f.table(), greater(t, f.o, 2, 15))
	if err != nil || n != 2 {
		t.Fatalf("DELETE WHERE n > 15: %d rows, %v", n, err)
	}
	if got, want := sorted(format(chunks), 1), "- | 2 | bo | 20\n- | 3 | cy | 30\n"; got != want {
		t.Fatalf("chunks:\n%s\nwant:\n%s", got, want)
	}
	chunks, n, err = dml.Delete(ctx, f.mem, f.o, f.table(), nil)
	if err != nil || n != 3 {
		t.Fatalf("DELETE: %d rows, %v", n, err)
	}
	f.stage(chunks)
	if got := f.rows(); got != "" {
		t.Fatalf("rows after DELETE:\n%s", got)
	}
}

// plus is the bound expression column i + v.
func plus(t *testing.T, o *catalog.Object, i int, v int32) expr.Expr {
	c, err := expr.Constant(v, types.Int32Type)
	if err != nil {
		t.Fatal(err)
	}
	e, err := expr.Binary(sql.OpAdd, expr.Column(i, o.Columns[i].Name, o.Columns[i].Type), c)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestUpdate(t *testing.T) {
	f := newFixture(t, people())
	if err := f.insert(peopleSchema, "+ | 1 | al | 10\n+ | 2 | bo | 20\n+ | 3 | cy | 30"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	// SET n = n + 1 WHERE n > 15: update pairs, the key stays.
	u := dml.NewUpdate(f.o, []expr.Expr{2: plus(t, f.o, 2, 1)}, greater(t, f.o, 2, 15))
	chunks, n, err := u.Changes(ctx, f.mem, f.table())
	if err != nil || n != 2 {
		t.Fatalf("UPDATE: %d rows, %v", n, err)
	}
	if got, want := sorted(format(chunks), 2), "U- | 2 | bo | 20\nU+ | 2 | bo | 21\nU- | 3 | cy | 30\nU+ | 3 | cy | 31\n"; got != want {
		t.Fatalf("chunks:\n%s\nwant:\n%s", got, want)
	}

	// SET id = id + 10: the key moves, old rows go, then the new ones come.
	u = dml.NewUpdate(f.o, []expr.Expr{0: plus(t, f.o, 0, 10)}, greater(t, f.o, 0, 1))
	chunks, n, err = u.Changes(ctx, f.mem, f.table())
	if err != nil || n != 2 {
		t.Fatalf("UPDATE SET id: %d rows, %v", n, err)
	}
	// The old rows go first, then the new ones come.
	if got, want := format(chunks), "- | 2 | bo | 20\n- | 3 | cy | 30\n+ | 12 | bo | 20\n+ | 13 | cy | 30\n"; ops(got) != ops(want) || sorted(got, 1) != sorted(want, 1) {
		t.Fatalf("chunks:\n%s\nwant:\n%s", got, want)
	}

	// SET id = id + 1 WHERE id > 1: 2 becomes 3, which 3 leaves.
	u = dml.NewUpdate(f.o, []expr.Expr{0: plus(t, f.o, 0, 1)}, compare(t, f.o, sql.OpGt, 0, 1))
	chunks, _, err = u.Changes(ctx, f.mem, f.table())
	if err != nil {
		t.Fatalf("UPDATE SET id = id + 1 WHERE id > 1: %v", err)
	}
	// The old rows go first, then the new ones come.
	if got, want := format(chunks), "- | 2 | bo | 20\n- | 3 | cy | 30\n+ | 3 | bo | 20\n+ | 4 | cy | 30\n"; ops(got) != ops(want) || sorted(got, 1) != sorted(want, 1) {
		t.Fatalf("chunks:\n%s\nwant:\n%s", got, want)
	}

	// SET id = id + 1 WHERE id < 2: 1 becomes 2, which stays.
	u = dml.NewUpdate(f.o, []expr.Expr{0: plus(t, f.o, 0, 1)}, compare(t, f.o, sql.OpLt, 0, 2))
	_, n, err = u.Changes(ctx, f.mem, f.table())
	se := wantCode(t, err, sqlstate.UniqueViolation)
	if se.Detail != "Key (id)=(2) already exists." || n != 0 {
		t.Fatalf("detail %q, %d rows", se.Detail, n)
	}

	// SET id = 5: the new rows collide with each other.
	five, err := expr.Constant(int32(5), types.Int32Type)
	if err != nil {
		t.Fatal(err)
	}
	u = dml.NewUpdate(f.o, []expr.Expr{0: five}, nil)
	_, _, err = u.Changes(ctx, f.mem, f.table())
	if se := wantCode(t, err, sqlstate.UniqueViolation); se.Detail != "Key (id)=(5) already exists." {
		t.Fatalf("detail %q", se.Detail)
	}

	// SET n = NULL WHERE id = 3: a NOT NULL column.
	u = dml.NewUpdate(f.o, []expr.Expr{2: expr.Null(types.Int32Type)}, compare(t, f.o, sql.OpEq, 0, 3))
	_, _, err = u.Changes(ctx, f.mem, f.table())
	if se := wantCode(t, err, sqlstate.NotNullViolation); se.Message != `null value in column "n" of relation "people" violates not-null constraint` {
		t.Fatalf("message %q", se.Message)
	}

	// SET name = 'abcd': too long for VARCHAR(3) when evaluated.
	long, err := expr.Constant("abcd", types.TextType)
	if err != nil {
		t.Fatal(err)
	}
	if long, err = dml.Coerce(long, f.o.Columns[1]); err != nil {
		t.Fatal(err)
	}
	_, _, err = dml.NewUpdate(f.o, []expr.Expr{1: long}, nil).Changes(ctx, f.mem, f.table())
	wantCode(t, err, sqlstate.StringDataRightTruncation)

	if got, want := f.rows(), "+ | 1 | al | 10\n+ | 2 | bo | 20\n+ | 3 | cy | 30\n"; got != want {
		t.Fatalf("rows:\n%s\nwant:\n%s", got, want)
	}
}

// TestTxPart runs a transaction block's writes over a snapshot and checks
// what COMMIT would apply, and when it must refuse.
func TestTxPart(t *testing.T) {
	live := newFixture(t, people())
	if err := live.insert(peopleSchema, "+ | 1 | al | 10\n+ | 2 | bo | 20\n+ | 3 | cy | 30"); err != nil {
		t.Fatal(err)
	}
	// The block reads a snapshot of live with its writes over it.
	snapshot := &statestore.Overlay{Changes: maps.Clone(live.ov.Changes)}
	block := &fixture{t: t, mem: live.mem, o: live.o, ov: &statestore.Overlay{Base: snapshot, Changes: map[string][]byte{}}}
	ctx := context.Background()
	chunks, _, err := dml.Delete(ctx, block.mem, block.o, block.table(), compare(t, block.o, sql.OpEq, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	block.stage(chunks)
	chunks, _, err = dml.NewUpdate(block.o, []expr.Expr{2: plus(t, block.o, 2, 1)}, compare(t, block.o, sql.OpEq, 0, 2)).Changes(ctx, block.mem, block.table())
	if err != nil {
		t.Fatal(err)
	}
	block.stage(chunks)
	// 3 is changed and changed back; 5 is inserted and deleted: neither
	// is a change at COMMIT.
	for _, n := range []int32{1, -1} {
		chunks, _, err = dml.NewUpdate(block.o, []expr.Expr{2: plus(t, block.o, 2, n)}, compare(t, block.o, sql.OpEq, 0, 3)).Changes(ctx, block.mem, block.table())
		if err != nil {
			t.Fatal(err)
		}
		block.stage(chunks)
	}
	if err := block.insert(peopleSchema, "+ | 4 | di | 40\n+ | 5 | ed | 50"); err != nil {
		t.Fatal(err)
	}
	chunks, _, err = dml.Delete(ctx, block.mem, block.o, block.table(), compare(t, block.o, sql.OpEq, 0, 5))
	if err != nil {
		t.Fatal(err)
	}
	block.stage(chunks)
	if got, want := block.rows(), "+ | 2 | bo | 21\n+ | 3 | cy | 30\n+ | 4 | di | 40\n"; got != want {
		t.Fatalf("the block reads:\n%s\nwant:\n%s", got, want)
	}

	p, err := dml.NewTxPart(block.o, block.ov.Changes, snapshot)
	if err != nil {
		t.Fatal(err)
	}
	if p.Empty() || p.Table() != block.o {
		t.Fatalf("part: empty %v, table %v", p.Empty(), p.Table())
	}
	if err := p.Check(live.table()); err != nil {
		t.Fatalf("nothing changed since the snapshot: %v", err)
	}
	chunk, err := p.Chunk(block.mem)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sorted(format([]exec.Chunk{chunk}), 1), sorted("- | 1 | al | 10\nU- | 2 | bo | 20\nU+ | 2 | bo | 21\n+ | 4 | di | 40\n", 1); got != want {
		t.Fatalf("COMMIT applies:\n%s\nwant:\n%s", got, want)
	}
	if !strings.Contains(format([]exec.Chunk{mustChunk(t, p, block.mem)}), "U- | 2 | bo | 20\nU+ | 2 | bo | 21\n") {
		t.Fatal("the update of 2 is not an adjacent pair")
	}

	// Another session inserts 6, a row the block did not touch: no conflict.
	if err := live.insert(peopleSchema, "+ | 6 | fy | 60"); err != nil {
		t.Fatal(err)
	}
	if err := p.Check(live.table()); err != nil {
		t.Fatalf("a row the block did not change was inserted: %v", err)
	}
	// Another session inserts 4 too.
	if err := live.insert(peopleSchema, "+ | 4 | gu | 41"); err != nil {
		t.Fatal(err)
	}
	se := wantCode(t, p.Check(live.table()), sqlstate.UniqueViolation)
	if se.Detail != "Another session inserted a row with the same key after this transaction began." {
		t.Fatalf("detail %q", se.Detail)
	}
	// Another session changes 3, which the block changed and changed back.
	chunks, _, err = dml.Delete(ctx, live.mem, live.o, live.table(), compare(t, live.o, sql.OpEq, 0, 4))
	if err != nil {
		t.Fatal(err)
	}
	live.stage(chunks)
	chunks, _, err = dml.NewUpdate(live.o, []expr.Expr{2: plus(t, live.o, 2, 5)}, compare(t, live.o, sql.OpEq, 0, 3)).Changes(ctx, live.mem, live.table())
	if err != nil {
		t.Fatal(err)
	}
	live.stage(chunks)
	se = wantCode(t, p.Check(live.table()), sqlstate.SerializationFailure)
	if se.Message != "could not serialize access due to concurrent update" || !strings.Contains(se.Detail, `"people"`) {
		t.Fatalf("message %q detail %q", se.Message, se.Detail)
	}

	// A part of a table the block did not write is empty.
	other := people()
	other.StateTables = []statestore.TableID{9}
	q, err := dml.NewTxPart(other, block.ov.Changes, snapshot)
	if err != nil || !q.Empty() {
		t.Fatalf("part of another table: empty %v, %v", q.Empty(), err)
	}
	if c, err := q.Chunk(block.mem); err != nil || c.Batch != nil {
		t.Fatalf("chunk of an empty part: %v, %v", c.Batch, err)
	}
}

func mustChunk(t *testing.T, p dml.TxPart, mem memory.Allocator) exec.Chunk {
	t.Helper()
	c, err := p.Chunk(mem)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
