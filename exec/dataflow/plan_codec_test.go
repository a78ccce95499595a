package dataflow

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

type discardWriter struct{}

func (discardWriter) Set(key, value []byte) error     { return nil }
func (discardWriter) Delete(key []byte) error         { return nil }
func (discardWriter) DeleteRange(lo, hi []byte) error { return nil }

// testCatalog returns a catalog with a stream s (a bigint, b text, c
// numeric(10,2)) and a table t (id bigint primary key, a bigint).
func testCatalog(t *testing.T) *catalog.Catalog {
	cat := catalog.New()
	objs := []*catalog.Object{
		{Name: "s", Kind: catalog.Stream, AppendOnly: true, Key: []int{3}, Columns: []catalog.Column{
			{Name: "a", Type: types.Int64Type}, {Name: "b", Type: types.TextType},
			{Name: "c", Type: types.T{Family: types.Numeric, Precision: 10, Scale: 2}},
			{Name: "_row_id", Type: types.Int64Type, NotNull: true, Hidden: true}}},
		{Name: "t", Kind: catalog.Table, Key: []int{0}, Columns: []catalog.Column{
			{Name: "id", Type: types.Int64Type, NotNull: true}, {Name: "a", Type: types.Int64Type}}},
	}
	for _, o := range objs {
		if err := cat.Add(discardWriter{}, o); err != nil {
			t.Fatal(err)
		}
	}
	return cat
}

func planOf(t *testing.T, cat *catalog.Catalog, query string) *planner.StreamPlan {
	t.Helper()
	st, err := sql.ParseOne(query)
	if err != nil {
		t.Fatal(err)
	}
	n, err := planner.NewBinder(cat, nil).BindSelect(st.(*sql.Select))
	if err != nil {
		t.Fatal(err)
	}
	p, err := planner.PlanStream(n)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func ids(n int) []statestore.TableID {
	out := make([]statestore.TableID, n)
	for i := range out {
		out[i] = statestore.FirstUserTable + statestore.TableID(10+i)
	}
	return out
}

// TestPlanRoundTrip checks that a recorded plan reads back as the same
// graph, bound to the same tables.
func TestPlanRoundTrip(t *testing.T) {
	cat := testCatalog(t)
	for _, q := range []string{
		"SELECT a, b FROM s WHERE a > 1 AND b LIKE 'x%'",
		"SELECT b, count(*), sum(c), min(a), max(c), avg(a) FROM s WHERE c > 1.5 GROUP BY b",
		"SELECT count(*) FROM t",
		"SELECT a % 3 AS k, count(*) FROM (SELECT a FROM t WHERE id > 2) AS x GROUP BY a % 3 HAVING count(*) > 1",
		"SELECT CASE WHEN a > 0 THEN 'pos' ELSE coalesce(b, 'none') END AS v, cast(c AS double precision) * 2 FROM s",
		"SELECT a, b FROM s WHERE EXISTS (SELECT 1 FROM t WHERE t.a = s.a AND t.id > s.c)",
		"SELECT id FROM t WHERE NOT EXISTS (SELECT 1 FROM s WHERE s.b = 'x') AND a NOT IN (SELECT a FROM s)",
		"SELECT id, a - (SELECT max(a) FROM s) FROM t WHERE a IN (SELECT a FROM s GROUP BY a)",
		"SELECT s.b, t.id FROM s FULL JOIN t ON s.a IS NOT DISTINCT FROM t.a AND s.a = t.id WHERE s.b IS DISTINCT FROM 'x'",
		"SELECT * FROM t AS x JOIN t AS y USING (a)",
		"SELECT a FROM s INTERSECT ALL SELECT a FROM t WHERE id > 1",
		"SELECT a, b FROM s EXCEPT SELECT a, 'x' FROM t",
		"SELECT s.a, t.id FROM s LEFT JOIN t ON s.a < t.a",
		"SELECT t.id FROM t, s WHERE t.a BETWEEN s.a - 1 AND s.a + 1",
		"SELECT id FROM t WHERE id IN (SELECT a FROM s WHERE a IN (SELECT a FROM t) AND c > (SELECT sum(a) FROM t WHERE t.id = s.a))",
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
		back, bb, err := UnmarshalPlan(doc, cat)
		if err != nil {
			t.Fatalf("%s: %v\n%s", q, err, doc)
		}
		if got, want := planner.ExplainStream("v", back, 1), planner.ExplainStream("v", p, 1); got != want {
			t.Errorf("%s: read back as\n%s\nwant\n%s", q, got, want)
		}
		again, err := MarshalPlan(back, bb)
		if err != nil {
			t.Fatal(err)
		}
		if string(again) != string(doc) {
			t.Errorf("%s: recorded again differently:\n%s\n%s", q, again, doc)
		}
		orig, read := p.StateTables(), back.StateTables()
		for i := range orig {
			if b.Table(orig[i].Node, orig[i].Table.Role) != bb.Table(read[i].Node, read[i].Table.Role) {
				t.Errorf("%s: table %d (%s) bound differently", q, i, orig[i].Table.Role)
			}
		}
	}
}

// TestPlanStale checks that a recorded plan that no longer fits the catalog
// is refused with ErrStalePlan, and a damaged one with an error (no panic).
func TestPlanStale(t *testing.T) {
	cat := testCatalog(t)
	p := planOf(t, cat, "SELECT b, sum(a) FROM s GROUP BY b")
	b, err := Bind(p, ids(NumTables(p)), catalog.LayoutDeclared)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := MarshalPlan(p, b)
	if err != nil {
		t.Fatal(err)
	}
	changed := catalog.New()
	s, _ := cat.Get("s")
	s2 := *s
	s2.Columns = append([]catalog.Column(nil), s.Columns...)
	s2.Columns[0].Type = types.Int32Type
	if err := changed.Add(discardWriter{}, &s2); err != nil {
		t.Fatal(err)
	}
	if _, _, err := UnmarshalPlan(doc, changed); !errors.Is(err, ErrStalePlan) {
		t.Errorf("a changed column: %v, want ErrStalePlan", err)
	}
	if _, _, err := UnmarshalPlan(doc, catalog.New()); !errors.Is(err, ErrStalePlan) {
		t.Errorf("a missing relation: %v, want ErrStalePlan", err)
	}
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	m["version"] = PlanVersion + 1
	newer, _ := json.Marshal(m)
	if _, _, err := UnmarshalPlan(newer, cat); !errors.Is(err, ErrStalePlan) {
		t.Errorf("a newer version: %v, want ErrStalePlan", err)
	}
	for _, bad := range []string{
		strings.Replace(string(doc), `"hashagg"`, `"sort"`, 1),
		strings.Replace(string(doc), `"inputs":[0]`, `"inputs":[5]`, 1),
		strings.Replace(string(doc), `"role":"result"`, `"role":"results"`, 1),
		strings.Replace(string(doc), `"index":0`, `"index":9`, 1),
		`{"version":1,"expressions":1,"nodes":[]}`,
		`{"version":1`,
	} {
		if bad == string(doc) {
			t.Fatalf("the damage did not apply to %s", doc)
		}
		if _, _, err := UnmarshalPlan(json.RawMessage(bad), cat); err == nil {
			t.Errorf("damaged plan read without error: %s", bad)
		}
	}
}

// TestBindLegacyLayout checks that a view made before TTLs, whose
// aggregates own two tables, binds no expiry table.
func TestBindLegacyLayout(t *testing.T) {
	cat := testCatalog(t)
	p := planOf(t, cat, "SELECT b, count(*) FROM s GROUP BY b")
	// result, minmax, source: no expiry.
	b, err := Bind(p, ids(3), catalog.LayoutTwoTableAggregates)
	if err != nil {
		t.Fatal(err)
	}
	agg := p.Aggregates()[0]
	if b.Table(agg, "expiry") != 0 || b.Table(agg, "minmax") != ids(3)[1] {
		t.Errorf("legacy binding: expiry %d, minmax %d", b.Table(agg, "expiry"), b.Table(agg, "minmax"))
	}
	if _, err := Bind(p, ids(3), catalog.LayoutDeclared); err == nil {
		t.Error("three tables bound to a plan that declares four")
	}
}
