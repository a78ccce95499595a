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

// TestRunLocalSortLimit checks Postgres' order (NULL last ascending, first
// descending, ties stable) across several input batches, hidden sort
// columns dropped from the result, and LIMIT/OFFSET spanning batches.
func TestRunLocalSortLimit(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	schema := "id bigint, s text, x double"
	obj := &catalog.Object{Name: "t", Kind: catalog.Table, Columns: []catalog.Column{
		{Name: "id", Type: types.Int64Type}, {Name: "s", Type: types.TextType}, {Name: "x", Type: types.Float64Type},
	}}
	scan := func(context.Context, *planner.Scan) (array.RecordReader, error) {
		c1 := exectest.MustChunk(t, mem, schema, "+ | 1 | b | 2.5\n+ | 2 | NULL | -1\n+ | 3 | a | 1e300")
		c2 := exectest.MustChunk(t, mem, schema, "+ | 4 | b | NULL\n+ | 5 | ab | 0\n+ | 6 | a | 2.5")
		defer c1.Release()
		defer c2.Release()
		return array.NewRecordReader(c1.Batch.Schema(), []arrow.RecordBatch{c1.Batch, c2.Batch})
	}
	sc := &planner.Scan{Object: obj}

	// SELECT id FROM t ORDER BY <key> — x and s ride along hidden.
	project := &planner.Project{Input: sc,
		Exprs: []expr.Expr{expr.Column(0, "id", types.Int64Type), expr.Column(1, "s", types.TextType), expr.Column(2, "x", types.Float64Type)},
		Cols:  []planner.Col{{Name: "id", Type: types.Int64Type}, {Name: "s", Type: types.TextType, Hidden: true}, {Name: "x", Type: types.Float64Type, Hidden: true}},
	}
	cases := []struct {
		keys          []planner.SortKey
		offset, count int64
		want          string
	}{
		{[]planner.SortKey{{Column: 2}}, 0, -1, "2 5 1 6 3 4"},
		{[]planner.SortKey{{Column: 2, Desc: true, NullsFirst: true}}, 0, -1, "4 3 1 6 5 2"},
		{[]planner.SortKey{{Column: 1}, {Column: 2, Desc: true, NullsFirst: true}}, 0, -1, "3 6 5 4 1 2"},
		{[]planner.SortKey{{Column: 1, NullsFirst: true}}, 0, -1, "2 3 6 5 1 4"},
		{[]planner.SortKey{{Column: 0}}, 2, 3, "3 4 5"},
		{[]planner.SortKey{{Column: 0}}, 5, 10, "6"},
		{[]planner.SortKey{{Column: 0}}, 0, 0, ""},
	}
	for _, c := range cases {
		node := planner.Node(&planner.Sort{Input: project, Keys: c.keys})
		if c.offset != 0 || c.count >= 0 {
			node = &planner.Limit{Input: node, Offset: c.offset, Count: c.count}
		}
		rdr, err := RunLocal(ctx, mem, node, scan)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rdr.Next() {
			b := rdr.RecordBatch()
			if b.NumCols() != 1 {
				t.Fatalf("result has %d columns, want 1 (hidden ones dropped)", b.NumCols())
			}
			for i := 0; i < int(b.NumRows()); i++ {
				got = append(got, b.Column(0).ValueStr(i))
			}
		}
		rdr.Release()
		if strings.Join(got, " ") != c.want {
			t.Errorf("keys %+v offset %d count %d: got %q, want %q", c.keys, c.offset, c.count, strings.Join(got, " "), c.want)
		}
	}
}
