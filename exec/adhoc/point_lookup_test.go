//go:build duckdb_arrow

package adhoc

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// discardWriter is an exec.StateWriter that keeps nothing: the tests need
// the catalog's objects, not their persisted form.
type discardWriter struct{}

func (discardWriter) Set(key, value []byte) error     { return nil }
func (discardWriter) Delete(key []byte) error         { return nil }
func (discardWriter) DeleteRange(lo, hi []byte) error { return nil }

// snapshotEnv is an Env over a fixed snapshot and no system tables.
type snapshotEnv struct{ r statestore.Reader }

func (e snapshotEnv) Snapshot() (statestore.Reader, func(), error) { return e.r, func() {}, nil }
func (snapshotEnv) SystemTable(string) (Relation, bool)            { return Relation{}, false }

// TestPointLookupReadsState checks that a query on every key column of a view
// is answered by pointLookup from the state store, not handed to DuckDB, and
// that other shapes are not taken for lookups.
func TestPointLookupReadsState(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	// The view of `SELECT k, count(*) AS n, sum(v) AS total FROM o GROUP BY
	// k` over o's rows (1, 7, 1.5), (2, 7, 2.5), (3, 8, 4).
	view := &catalog.Object{Name: "t", Kind: catalog.View, Key: []int{0}, StateTables: []statestore.TableID{7},
		Columns: []catalog.Column{
			{Name: "k", Type: types.Int32Type},
			{Name: "n", Type: types.Int64Type},
			{Name: "total", Type: types.Float64Type},
		}}
	cat := catalog.New()
	if err := cat.Add(discardWriter{}, view); err != nil {
		t.Fatal(err)
	}
	rec, _, err := array.RecordFromJSON(mem, view.FullSchema().Arrow(), strings.NewReader(`[{"k": 7, "n": 2, "total": 4}, {"k": 8, "n": 1, "total": 4}]`))
	if err != nil {
		t.Fatal(err)
	}
	changes := map[string][]byte{}
	ts := []types.T{types.Int32Type, types.Int64Type, types.Float64Type}
	for i := range int(rec.NumRows()) {
		key := statestore.AppendRow(nil, view.KeyTypes(), rec, view.Key, i)
		changes[string(statestore.AppendKey(nil, view.RowTable(), statestore.Vnode(key), key))] = statestore.AppendRow(nil, ts, rec, []int{0, 1, 2}, i)
	}
	rec.Release()
	q := Queries{Catalog: cat, Mem: mem, Env: snapshotEnv{&statestore.Overlay{Changes: changes}}}

	cases := []struct {
		query  string
		lookup bool
		want   string
	}{
		{`SELECT total, n FROM t WHERE k = 7`, true, "4 2"},
		{`SELECT * FROM t WHERE 8 = k`, true, "8 1 4"},
		{`SELECT n FROM t WHERE k = 9`, true, ""},
		{`SELECT n FROM t WHERE k > 7`, false, ""},
		{`SELECT n FROM t WHERE k = 7 ORDER BY n`, false, ""},
	}
	for _, c := range cases {
		st, err := sql.ParseOne(c.query)
		if err != nil {
			t.Fatal(err)
		}
		sel := st.(*sql.Select)
		node, err := planner.NewBinder(cat, nil).BindSelect(sel)
		if err != nil {
			t.Fatal(err)
		}
		rows, ok, err := q.pointLookup(ctx, sel, node)
		if err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		if ok != c.lookup {
			t.Fatalf("%s: point lookup = %v, want %v", c.query, ok, c.lookup)
		}
		if !ok {
			continue
		}
		got := ""
		for rows.Next() {
			b := rows.RecordBatch()
			for r := 0; r < int(b.NumRows()); r++ {
				for i := 0; i < int(b.NumCols()); i++ {
					if i > 0 {
						got += " "
					}
					got += b.Column(i).ValueStr(r)
				}
			}
		}
		rows.Release()
		if got != c.want {
			t.Errorf("%s: got %q, want %q", c.query, got, c.want)
		}
	}
}
