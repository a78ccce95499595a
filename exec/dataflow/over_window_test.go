package dataflow

import (
	"strings"
	"testing"

	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
)

// TestOverWindowPlanRoundTrip checks that recorded over-windows read back
// as the same nodes (partition, order, functions, their frames and their
// columns), bound to the same tables, and that a damaged one is refused.
func TestOverWindowPlanRoundTrip(t *testing.T) {
	cat := testCatalog(t)
	q := "SELECT a, lag(c, 2, c) OVER w, lead(b) OVER w, rank() OVER w, count(*) OVER (w ROWS BETWEEN 3 PRECEDING AND 1 FOLLOWING), max(b) OVER w, " +
		"sum(c) OVER (w RANGE BETWEEN 1.5 PRECEDING AND CURRENT ROW), nth_value(b, 2) OVER (w GROUPS BETWEEN 1 PRECEDING AND 2 FOLLOWING EXCLUDE TIES), ntile(3) OVER w, " +
		"cume_dist() OVER (ORDER BY a) FROM s WINDOW w AS (PARTITION BY b ORDER BY c DESC)"
	p := planOf(t, cat, q)
	b, err := Bind(p, ids(NumTables(p)), catalog.LayoutDeclared)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := MarshalPlan(p, b)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), `"op":"overwindow"`) {
		t.Fatalf("no over-window recorded: %s", doc)
	}
	back, bb, err := UnmarshalPlan(doc, cat)
	if err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	if got, want := planner.ExplainStream("v", back, 1), planner.ExplainStream("v", p, 1); got != want {
		t.Errorf("read back as\n%s\nwant\n%s", got, want)
	}
	orig, read := p.StateTables(), back.StateTables()
	for i := range orig {
		if b.Table(orig[i].Node, orig[i].Table.Role) != bb.Table(read[i].Node, read[i].Table.Role) {
			t.Errorf("table %d (%s) bound differently", i, orig[i].Table.Role)
		}
	}
	for _, bad := range []string{
		strings.Replace(string(doc), `{"name":"lead","arg"`, `{"name":"nth_value","arg"`, 1),
		strings.Replace(string(doc), `"partition":[1]`, `"partition":[42]`, 1),
		strings.Replace(string(doc), `"arg":2`, `"arg":42`, 1),
		strings.Replace(string(doc), `,"frame":{`, `,"framed":{`, 1),
		strings.Replace(string(doc), `"range_col":`, `"range_col":4`, 1),
		strings.Replace(string(doc), `"range_col":`, `"no_range_col":`, 1),
		strings.Replace(string(doc), `"exclude":"ties"`, `"exclude":"others"`, 1),
	} {
		if bad == string(doc) {
			t.Fatalf("the damage did not apply to %s", doc)
		}
		if _, _, err := UnmarshalPlan([]byte(bad), cat); err == nil {
			t.Errorf("damaged plan read without error: %s", bad)
		}
	}
}
