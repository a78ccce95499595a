package dataflow

import (
	"strings"
	"testing"

	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
)

// TestGroupTopNPlanRoundTrip checks that a recorded per-group top-N reads
// back as the same node (partition, sort keys, ranking function, ranks,
// append-only input, rank column), bound to the same table, and that a
// damaged one is refused.
func TestGroupTopNPlanRoundTrip(t *testing.T) {
	cat := testCatalog(t)
	queries := []string{
		"SELECT * FROM (SELECT a, b, row_number() OVER (PARTITION BY b ORDER BY c DESC, a NULLS FIRST) AS rn FROM s) AS x WHERE rn <= 3",
		"SELECT id FROM (SELECT id, rank() OVER (PARTITION BY a ORDER BY id) AS r FROM t) AS x WHERE r BETWEEN 2 AND 4",
		"SELECT * FROM (SELECT id, dense_rank() OVER (ORDER BY a) AS r FROM t) AS x WHERE r = 1",
	}
	for _, q := range queries {
		p := planOf(t, cat, q)
		b, err := Bind(p, ids(NumTables(p)), catalog.LayoutDeclared)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := MarshalPlan(p, b)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if !strings.Contains(string(doc), `"op":"grouptopn"`) {
			t.Fatalf("%s: no per-group top-N recorded: %s", q, doc)
		}
		back, bb, err := UnmarshalPlan(doc, cat)
		if err != nil {
			t.Fatalf("%s: %v\n%s", q, err, doc)
		}
		if got, want := planner.ExplainStream("v", back, 1), planner.ExplainStream("v", p, 1); got != want {
			t.Errorf("%s: read back as\n%s\nwant\n%s", q, got, want)
		}
		orig, read := p.StateTables(), back.StateTables()
		for i := range orig {
			if b.Table(orig[i].Node, orig[i].Table.Role) != bb.Table(read[i].Node, read[i].Table.Role) {
				t.Errorf("%s: table %d (%s) bound differently", q, i, orig[i].Table.Role)
			}
		}
	}
	p := planOf(t, cat, queries[1])
	b, err := Bind(p, ids(NumTables(p)), catalog.LayoutDeclared)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := MarshalPlan(p, b)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{
		strings.Replace(string(doc), `"partition":[1]`, `"partition":[9]`, 1),
		strings.Replace(string(doc), `"rank":"rank"`, `"rank":"ntile"`, 1),
		strings.Replace(string(doc), `"order":[{"column":0}]`, `"order":[{"column":7}]`, 1),
	} {
		if bad == string(doc) {
			t.Fatalf("the damage did not apply to %s", doc)
		}
		if _, _, err := UnmarshalPlan([]byte(bad), cat); err == nil {
			t.Errorf("damaged plan read without error: %s", bad)
		}
	}
}
