package dataflow

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql/types"
)

// TestJoinExpiryPlanRoundTrip: joins that free their rows by watermark
// (outer, anti, and a semi join counting its right side per key) are
// recorded with their expiry tables and read back freeing the same sides;
// a record made when such a join freed nothing (no expiry tables recorded,
// as every outer, semi and anti join was recorded before they freed rows)
// reads back freeing nothing, with the tables it has, rather than failing
// as a plan that no longer fits.
func TestJoinExpiryPlanRoundTrip(t *testing.T) {
	cat := testCatalog(t)
	for _, name := range []string{"wl", "wr"} {
		if err := cat.Add(discardWriter{}, &catalog.Object{Name: name, Kind: catalog.Stream, AppendOnly: true, Key: []int{3},
			Columns: []catalog.Column{{Name: "id", Type: types.Int64Type}, {Name: "k", Type: types.Int64Type}, {Name: "ts", Type: types.TSType},
				{Name: "_row_id", Type: types.Int64Type, NotNull: true, Hidden: true}},
			Watermark: &catalog.Watermark{Column: "ts", Expr: "ts - INTERVAL '5 seconds'"}}); err != nil {
			t.Fatal(err)
		}
	}
	const on = `wl.k = wr.k AND wr.ts BETWEEN wl.ts - INTERVAL '10 seconds' AND wl.ts`
	for _, q := range []string{
		`SELECT wl.id, wr.id FROM wl LEFT JOIN wr ON ` + on,
		`SELECT wl.id, wr.id FROM wl FULL JOIN wr ON ` + on,
		`SELECT wl.id FROM wl WHERE NOT EXISTS (SELECT 1 FROM wr WHERE ` + on + `)`,
		`SELECT x.k FROM (SELECT k, window_start FROM TUMBLE(wl, ts, INTERVAL '10 seconds') GROUP BY window_start, k) x WHERE x.window_start IN (SELECT window_start FROM TUMBLE(wr, ts, INTERVAL '10 seconds'))`,
	} {
		p := planOf(t, cat, q)
		explain := planner.ExplainStream("v", p, 1)
		if !strings.Contains(explain, "frees left") || !strings.Contains(explain, "frees right") {
			t.Fatalf("%s: the join frees no rows:\n%s", q, explain)
		}
		b, err := Bind(p, ids(NumTables(p)), catalog.LayoutDeclared)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := MarshalPlan(p, b)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		back, _, err := UnmarshalPlan(doc, cat)
		if err != nil {
			t.Fatalf("%s: %v\n%s", q, err, doc)
		}
		if got := planner.ExplainStream("v", back, 1); got != explain {
			t.Errorf("%s: read back as\n%s\nwant\n%s", q, got, explain)
		}

		// The same plan recorded without the join's expiry tables.
		var d planDoc
		if err := json.Unmarshal(doc, &d); err != nil {
			t.Fatal(err)
		}
		for i, n := range d.Nodes {
			if n.Op != "hashjoin" {
				continue
			}
			var kept []stateDoc
			for _, s := range n.State {
				if !strings.HasSuffix(s.Role, " expiry") {
					kept = append(kept, s)
				}
			}
			d.Nodes[i].State = kept
		}
		old, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		back, _, err = UnmarshalPlan(old, cat)
		if err != nil {
			t.Fatalf("%s: a record without expiry tables: %v", q, err)
		}
		if got := planner.ExplainStream("v", back, 1); strings.Contains(got, "frees") || strings.Contains(got, "left expiry") || strings.Contains(got, "right expiry") {
			t.Errorf("%s: a record without expiry tables reads back freeing rows:\n%s", q, got)
		}
	}
}
