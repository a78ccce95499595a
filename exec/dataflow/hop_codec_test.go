package dataflow

import (
	"strings"
	"testing"

	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql/types"
)

// TestHopPlanRoundTrip checks that views over TUMBLE and HOP (one with
// EMIT ON WINDOW CLOSE) are recorded and read back as the same graph, and that a recorded HOP whose windows
// no longer fit is refused.
func TestHopPlanRoundTrip(t *testing.T) {
	cat := testCatalog(t)
	if err := cat.Add(discardWriter{}, &catalog.Object{Name: "e", Kind: catalog.Stream, AppendOnly: true, Key: []int{2},
		Columns: []catalog.Column{{Name: "a", Type: types.Int64Type}, {Name: "ts", Type: types.TSType},
			{Name: "_row_id", Type: types.Int64Type, NotNull: true, Hidden: true}},
		Watermark: &catalog.Watermark{Column: "ts", Expr: "ts - INTERVAL '5 seconds'"}}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"SELECT window_start, count(*) FROM HOP(e, ts, INTERVAL '2 seconds', INTERVAL '10 seconds', INTERVAL '1 second') GROUP BY window_start",
		"SELECT window_end, max(a) FROM TUMBLE(e, ts, INTERVAL '1 minute') GROUP BY window_end",
	} {
		p := planOf(t, cat, q)
		if strings.Contains(q, "max(a)") {
			// EMIT ON WINDOW CLOSE.
			var err error
			if p, err = planner.EmitOnWindowClose(p); err != nil {
				t.Fatal(err)
			}
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
		if got, want := planner.ExplainStream("v", back, 1), planner.ExplainStream("v", p, 1); got != want {
			t.Errorf("%s: read back as\n%s\nwant\n%s", q, got, want)
		}
	}
	in := planOf(t, cat, "SELECT * FROM e").Root
	hop := &planner.StreamHop{Input: in, TimeCol: 1, Size: 10, Slide: 3, Cols: append(in.Columns(),
		planner.Col{Name: "window_start", Type: types.TSType}, planner.Col{Name: "window_end", Type: types.TSType})}
	d, err := marshalNode(hop)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := unmarshalHop(d, in); err == nil {
		t.Error("a hop whose size is no multiple of its slide read back")
	}
	d.TimeCol, d.Slide = 0, 5
	if _, err := unmarshalHop(d, in); err == nil {
		t.Error("a hop over a bigint time column read back")
	}
}
