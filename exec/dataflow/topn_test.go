package dataflow

import (
	"strings"
	"testing"

	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
)

// TestTopNPlanRoundTrip checks that a recorded top-N reads back as the same
// node (sort keys, limit, offset, append-only input), bound to the same
// table, and that a damaged one is refused.
func TestTopNPlanRoundTrip(t *testing.T) {
	cat := testCatalog(t)
	for _, q := range []string{
		"SELECT a, b FROM s ORDER BY c DESC, b NULLS FIRST LIMIT 5 OFFSET 2",
		"SELECT id FROM t ORDER BY a LIMIT 3",
		"SELECT a FROM t LIMIT 1",
		"SELECT b, count(*) AS n FROM s GROUP BY b ORDER BY n DESC LIMIT 10",
	} {
		p := planOf(t, cat, q)
		b, err := Bind(p, ids(NumTables(p)), catalog.LayoutDeclared)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := MarshalPlan(p, b)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if !strings.Contains(string(doc), `"op":"topn"`) {
			t.Fatalf("%s: no top-N recorded: %s", q, doc)
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
	p := planOf(t, cat, "SELECT a FROM t ORDER BY a LIMIT 3")
	b, err := Bind(p, ids(NumTables(p)), catalog.LayoutDeclared)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := MarshalPlan(p, b)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{
		strings.Replace(string(doc), `"order":[{"column":0}]`, `"order":[{"column":7}]`, 1),
		strings.Replace(string(doc), `"limit":3`, `"limit":-3`, 1),
		strings.Replace(string(doc), `"role":"rows"`, `"role":"row"`, 1),
	} {
		if bad == string(doc) {
			t.Fatalf("the damage did not apply to %s", doc)
		}
		if _, _, err := UnmarshalPlan([]byte(bad), cat); err == nil {
			t.Errorf("damaged plan read without error: %s", bad)
		}
	}
}
