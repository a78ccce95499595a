//go:build duckdb_arrow

package adhoc

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// storedRows returns a reader whose table table holds n rows of o's
// columns (id, a hidden secret, v), and the next table one row that no
// scan of o may read.
func storedRows(t *testing.T, mem memory.Allocator, o *catalog.Object, n int) statestore.Reader {
	t.Helper()
	rows := make([]string, n)
	for i := range rows {
		v := fmt.Sprintf(`"v%d"`, i)
		if i%3 == 0 {
			v = "null"
		}
		rows[i] = fmt.Sprintf(`{"id": %d, "secret": "s%d", "v": %s}`, i, i, v)
	}
	rec, _, err := array.RecordFromJSON(mem, o.FullSchema().Arrow(), strings.NewReader("["+strings.Join(rows, ",")+"]"))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	full := o.FullSchema()
	ts := make([]types.T, len(full))
	all := make([]int, len(full))
	for i, c := range full {
		ts[i], all[i] = c.Type, i
	}
	changes := map[string][]byte{}
	for i := range int(rec.NumRows()) {
		key := statestore.AppendRow(nil, o.KeyTypes(), rec, o.Key, i)
		changes[string(statestore.AppendKey(nil, o.RowTable(), statestore.Vnode(key), key))] = statestore.AppendRow(nil, ts, rec, all, i)
	}
	other := statestore.AppendRow(nil, ts, rec, all, 0)
	changes[string(statestore.AppendKey(nil, o.RowTable()+1, 0, []byte{1}))] = other
	return &statestore.Overlay{Changes: changes}
}

func scanTestObject() *catalog.Object {
	return &catalog.Object{Name: "t", Kind: catalog.Table, Key: []int{0}, StateTables: []statestore.TableID{7},
		Columns: []catalog.Column{
			{Name: "id", Type: types.Int64Type, NotNull: true},
			{Name: "secret", Type: types.TextType, Hidden: true},
			{Name: "v", Type: types.TextType},
		}}
}

// TestReadRelation checks that a query's scan of a table gives its visible
// columns only, every row of its row table and none of the next table's, in
// batches of at most scanBatchRows.
func TestReadRelation(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	o := scanTestObject()
	const n = scanBatchRows + 5
	r := storedRows(t, mem, o, n)
	rdr, err := ReadRelation(mem, r, o)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	if got, want := rdr.Schema().String(), o.Schema().Arrow().String(); got != want {
		t.Errorf("schema %s, want %s", got, want)
	}
	rows, batches, nulls := 0, 0, 0
	var sum int64
	for rdr.Next() {
		b := rdr.RecordBatch()
		if b.NumCols() != 2 || b.NumRows() > scanBatchRows {
			t.Fatalf("batch of %d columns, %d rows", b.NumCols(), b.NumRows())
		}
		ids, vs := b.Column(0).(*array.Int64), b.Column(1).(*array.String)
		for i := range b.NumRows() {
			id := ids.Value(int(i))
			sum += id
			if vs.IsNull(int(i)) {
				nulls++
				if id%3 != 0 {
					t.Errorf("v of %d is NULL", id)
				}
			} else if got, want := vs.Value(int(i)), fmt.Sprintf("v%d", id); got != want {
				t.Errorf("v of %d = %q, want %q", id, got, want)
			}
		}
		rows += int(b.NumRows())
		batches++
	}
	if err := rdr.Err(); err != nil {
		t.Fatal(err)
	}
	if rows != n || batches != 2 || sum != int64(n*(n-1)/2) || nulls != (n+2)/3 {
		t.Errorf("%d rows in %d batches, ids sum to %d, %d NULLs; want %d rows in 2 batches, %d, %d",
			rows, batches, sum, nulls, n, n*(n-1)/2, (n+2)/3)
	}
}

// TestReadRows checks that the operators' scan of a table gives every
// column, the hidden one included.
func TestReadRows(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	o := scanTestObject()
	rdr, err := ReadRows(mem, storedRows(t, mem, o, 3), o)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	var got []string
	for rdr.Next() {
		b := rdr.RecordBatch()
		for i := range int(b.NumRows()) {
			var cells []string
			for c := range int(b.NumCols()) {
				cells = append(cells, b.Column(c).ValueStr(i))
			}
			got = append(got, strings.Join(cells, " "))
		}
	}
	slices.Sort(got) // in key order: by vnode first
	if want := "0 s0 (null)|1 s1 v1|2 s2 v2"; strings.Join(got, "|") != want {
		t.Errorf("rows %q, want %q", strings.Join(got, "|"), want)
	}
}
