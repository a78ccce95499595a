package systables_test

import (
	"fmt"
	"testing"

	"github.com/weir-stream/weir/exec/systables"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql/types"
)

// TestShowRows checks the rows DESCRIBE and SHOW PIPELINES list: visible
// columns only, nullability, the primary key of a table but none of a
// stream, and a pipeline stream's objects by kind (view NULL when it has
// none) in operator_id order.
func TestShowRows(t *testing.T) {
	cols := []catalog.Column{
		{Name: "id", Type: types.Int64Type, NotNull: true},
		{Name: "_row_id", Type: types.Int64Type, Hidden: true},
		{Name: "v", Type: types.TextType},
	}
	table := &catalog.Object{Name: "t", Kind: catalog.Table, Columns: cols, Key: []int{0}}
	stream := &catalog.Object{Name: "s", Kind: catalog.Stream, Columns: cols, Key: []int{0}}
	for _, c := range []struct {
		o    *catalog.Object
		want string
	}{
		{table, "[[id bigint false true] [v character varying true false]]"},
		{stream, "[[id bigint false false] [v character varying true false]]"},
	} {
		if got := fmt.Sprint(systables.Describe(c.o)); got != c.want {
			t.Errorf("DESCRIBE %s: got %s, want %s", c.o.Name, got, c.want)
		}
	}
	if got, want := fmt.Sprint(systables.Names([]*catalog.Object{table, stream})), "[[t] [s]]"; got != want {
		t.Errorf("names: got %s, want %s", got, want)
	}
	byID := map[string][]*catalog.Object{
		"q2": {{Name: "q2_in", Kind: catalog.Stream}, {Name: "q2_out", Kind: catalog.Sink, PipelineKeys: []string{"a", "b"}}},
		"q1": {{Name: "q1_in", Kind: catalog.Stream}, {Name: "q1", Kind: catalog.View}, {Name: "q1_out", Kind: catalog.Sink}},
	}
	if got, want := fmt.Sprint(systables.Pipelines(byID)), "[[q1 q1_in q1 q1_out <nil>] [q2 q2_in <nil> q2_out a,b]]"; got != want {
		t.Errorf("pipelines: got %s, want %s", got, want)
	}
}
