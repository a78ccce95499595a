//go:build duckdb_arrow

package adhoc

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql/types"
)

// TestRunLocalUnion checks that UNION ALL returns every row of every
// input, duplicates and NULLs included, under the union's column names,
// and that a sort and a limit over it see all of them.
func TestRunLocalUnion(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	tObj := &catalog.Object{Name: "t", Kind: catalog.Table, Columns: []catalog.Column{
		{Name: "id", Type: types.Int64Type}, {Name: "s", Type: types.TextType},
	}}
	uObj := &catalog.Object{Name: "u", Kind: catalog.Table, Columns: []catalog.Column{
		{Name: "k", Type: types.Int32Type}, {Name: "v", Type: types.TextType},
	}}
	scan := func(_ context.Context, s *planner.Scan) (array.RecordReader, error) {
		var chunks []string
		schema := "id bigint, s text"
		if s.Object == uObj {
			schema = "k int, v text"
			chunks = []string{"+ | 2 | b\n+ | NULL | c", "+ | 1 | a"}
		} else {
			chunks = []string{"+ | 1 | a\n+ | 3 | NULL"}
		}
		var batches []arrow.RecordBatch
		for _, c := range chunks {
			ch := exectest.MustChunk(t, mem, schema, c)
			defer ch.Release()
			batches = append(batches, ch.Batch)
		}
		return array.NewRecordReader(batches[0].Schema(), batches)
	}
	cols := []planner.Col{{Name: "id", Type: types.Int64Type}, {Name: "s", Type: types.TextType}}
	// SELECT id, s FROM t UNION ALL SELECT k, v FROM u (k cast to bigint).
	left := &planner.Project{Input: &planner.Scan{Object: tObj},
		Exprs: []expr.Expr{expr.Column(0, "id", types.Int64Type), expr.Column(1, "s", types.TextType)},
		Cols:  []planner.Col{{Table: "t", Name: "id", Type: types.Int64Type}, {Table: "t", Name: "s", Type: types.TextType}},
	}
	k, err := expr.Coerce(expr.Column(0, "k", types.Int32Type), types.Int64Type)
	if err != nil {
		t.Fatal(err)
	}
	right := &planner.Project{Input: &planner.Scan{Object: uObj},
		Exprs: []expr.Expr{k, expr.Column(1, "v", types.TextType)},
		Cols:  []planner.Col{{Table: "u", Name: "k", Type: types.Int64Type}, {Table: "u", Name: "v", Type: types.TextType}},
	}
	union := &planner.Union{Inputs: []planner.Node{left, right}, Cols: cols}
	if !RunsLocally(union) {
		t.Fatal("a union of projections over scans does not run locally")
	}
	cases := []struct {
		node planner.Node
		want string
	}{
		{union, "1 a, 3 (null), 2 b, (null) c, 1 a"},
		{&planner.Sort{Input: union, Keys: []planner.SortKey{{Column: 0, Desc: true, NullsFirst: true}, {Column: 1}}}, "(null) c, 3 (null), 2 b, 1 a, 1 a"},
		{&planner.Limit{Input: &planner.Sort{Input: union, Keys: []planner.SortKey{{Column: 1}}}, Offset: 1, Count: 3}, "1 a, 2 b, (null) c"},
	}
	for _, c := range cases {
		rdr, err := RunLocal(ctx, mem, c.node, scan)
		if err != nil {
			t.Fatal(err)
		}
		if got := rdr.Schema().Field(0).Name + " " + rdr.Schema().Field(1).Name; got != "id s" {
			t.Errorf("columns %q, want the union's: id s", got)
		}
		var rows []string
		for rdr.Next() {
			b := rdr.RecordBatch()
			for i := 0; i < int(b.NumRows()); i++ {
				rows = append(rows, b.Column(0).ValueStr(i)+" "+b.Column(1).ValueStr(i))
			}
		}
		rdr.Release()
		if got := strings.Join(rows, ", "); got != c.want {
			t.Errorf("%s\ngot  %s\nwant %s", planner.ExplainQuery(c.node), got, c.want)
		}
	}
}
