package weir

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/dataflow"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
)

// TestRestartRunsStoredPlan: a restart runs the plan the catalog recorded
// for a view, not a plan made again from its text. The view's definition is
// changed behind the engine's back (as if its text now resolved to another
// expression, the way a changed function resolution would make it), and the
// view, restarted, still computes what it was created to, on the same state.
func TestRestartRunsStoredPlan(t *testing.T) {
	ctx := context.Background()
	cfg := onDiskConfig(t)
	e := mustOpen(t, cfg)
	if err := e.Exec(ctx, `CREATE TABLE t (k INT PRIMARY KEY, g INT, v BIGINT);
		CREATE MATERIALIZED VIEW m AS SELECT g, sum(v * 2) AS s, count(*) AS n FROM t GROUP BY g;
		CREATE MATERIALIZED VIEW u AS SELECT k, v * 2 AS w FROM t UNION ALL SELECT k, s FROM (SELECT g AS k, sum(v * 2) AS s FROM t GROUP BY g) AS x;
		INSERT INTO t VALUES (1, 1, 10), (2, 1, 20), (3, 2, 5); FLUSH`); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"m", "u"} {
		o, _ := e.cat.Get(name)
		if len(o.Plan) == 0 || o.Layout != catalog.LayoutDeclared {
			t.Fatalf("view %s recorded without its plan (layout %d)", name, o.Layout)
		}
		changed := *o
		if !strings.Contains(o.Definition, "v * 2") {
			t.Fatalf("definition %q lacks v * 2", o.Definition)
		}
		changed.Definition = strings.ReplaceAll(o.Definition, "v * 2", "v * 3")
		if err := e.writeNow(func(w exec.StateWriter) error { return e.cat.Add(w, &changed) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Exec(ctx, "FLUSH"); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}

	e = mustOpen(t, cfg)
	defer e.Close(ctx)
	if err := e.Exec(ctx, "INSERT INTO t VALUES (4, 2, 1); UPDATE t SET v = 100 WHERE k = 1; FLUSH"); err != nil {
		t.Fatal(err)
	}
	check := func(q string, want string) {
		t.Helper()
		res, err := e.Query(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		rows, err := res.Values()
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(rows); got != want {
			t.Errorf("%s = %s, want %s", q, got, want)
		}
	}
	// Re-planned from the changed text, v * 3: 360 and 18.
	check("SELECT g, s, n FROM m ORDER BY g", "[[1 240 2] [2 12 2]]")
	check("SELECT k, w FROM u ORDER BY k, w", "[[1 200] [1 240] [2 12] [2 40] [3 10] [4 2]]")
	// The text says v * 3 now, and planning it again would say so too.
	for _, name := range []string{"m", "u"} {
		o, _ := e.cat.Get(name)
		replanned, err := dataflow.PlanDefinition(o, e.cat)
		if err != nil {
			t.Fatal(err)
		}
		_, stored, _, err := e.storedPlan(o)
		if err != nil {
			t.Fatal(err)
		}
		again, ran := planner.ExplainStream(name, replanned, 1), planner.ExplainStream(name, stored, 1)
		if again == ran || !strings.Contains(again, "(v * 3)") || !strings.Contains(ran, "(v * 2)") {
			t.Errorf("view %s: the stored plan\n%s\nand the plan of its text\n%s\nshould differ in the factor", name, ran, again)
		}
	}
}

// TestRestartStalePlan: a recorded plan that no longer fits (here its scan
// names a relation that does not exist) keeps its view down, with the cause
// where the user looks, and the server starts; DROP and CREATE again work.
func TestRestartStalePlan(t *testing.T) {
	ctx := context.Background()
	cfg := onDiskConfig(t)
	e := mustOpen(t, cfg)
	if err := e.Exec(ctx, `CREATE TABLE t (k INT PRIMARY KEY, v BIGINT);
		CREATE MATERIALIZED VIEW m AS SELECT v, count(*) AS n FROM t GROUP BY v;
		CREATE MATERIALIZED VIEW ok AS SELECT k FROM t;
		INSERT INTO t VALUES (1, 10); FLUSH`); err != nil {
		t.Fatal(err)
	}
	o, _ := e.cat.Get("m")
	stale := *o
	stale.Plan = []byte(strings.Replace(string(o.Plan), `"relation":"t"`, `"relation":"gone"`, 1))
	if string(stale.Plan) == string(o.Plan) {
		t.Fatalf("no scan of t in %s", o.Plan)
	}
	if err := e.writeNow(func(w exec.StateWriter) error { return e.cat.Add(w, &stale) }); err != nil {
		t.Fatal(err)
	}
	if err := e.Exec(ctx, "FLUSH"); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}

	e, err := Open(ctx, cfg)
	if err != nil {
		t.Fatalf("the server did not start over a stale plan: %v", err)
	}
	defer e.Close(ctx)
	if _, err := e.Query(ctx, "SELECT * FROM m"); err == nil || !strings.Contains(err.Error(), "relation gone does not exist") {
		t.Fatalf("SELECT from the view whose plan is stale: %v", err)
	}
	res, err := e.Query(ctx, "SELECT status FROM weir_jobs WHERE name = 'm'")
	if err != nil {
		t.Fatal(err)
	}
	if rows, _ := res.Values(); fmt.Sprint(rows) != "[[failed]]" {
		t.Errorf("weir_jobs for the view: %v", rows)
	}
	if err := e.Exec(ctx, "INSERT INTO t VALUES (2, 10); FLUSH"); err != nil {
		t.Fatal(err)
	}
	res, err = e.Query(ctx, "SELECT k FROM ok ORDER BY k")
	if err != nil {
		t.Fatal(err)
	}
	if rows, _ := res.Values(); fmt.Sprint(rows) != "[[1] [2]]" {
		t.Errorf("the other view: %v", rows)
	}
	if err := e.Exec(ctx, `DROP MATERIALIZED VIEW m; CREATE MATERIALIZED VIEW m AS SELECT v, count(*) AS n FROM t GROUP BY v; FLUSH`); err != nil {
		t.Fatal(err)
	}
	res, err = e.Query(ctx, "SELECT v, n FROM m")
	if err != nil {
		t.Fatal(err)
	}
	if rows, _ := res.Values(); fmt.Sprint(rows) != "[[10 2]]" {
		t.Errorf("the view made again: %v", rows)
	}
}

// TestRestartLegacyCatalog: a view recorded before plans and layouts were
// (no Plan, no Layout) and before TTLs (two tables per aggregate) restarts
// on its own state, planned once from its text; its plan and layout are then
// recorded, and the next restart runs them.
func TestRestartLegacyCatalog(t *testing.T) {
	ctx := context.Background()
	cfg := onDiskConfig(t)
	e := mustOpen(t, cfg)
	if err := e.Exec(ctx, `CREATE TABLE t (k INT PRIMARY KEY, g INT, v BIGINT);
		CREATE MATERIALIZED VIEW m AS SELECT g, count(*) AS n, min(v) AS lo FROM t GROUP BY g;
		INSERT INTO t VALUES (1, 1, 10), (2, 1, 20), (3, 2, 5); FLUSH`); err != nil {
		t.Fatal(err)
	}
	o, _ := e.cat.Get("m")
	// Rows, result, minmax, expiry: as a view from before TTLs, which had
	// no expiry table but a source table last, unused over a table (the
	// expiry table's id stands for it), recorded as before plans.
	if len(o.StateTables) != 4 {
		t.Fatalf("view m has tables %v", o.StateTables)
	}
	old := *o
	old.Plan, old.Layout = nil, catalog.LayoutUnnumbered
	if err := e.writeNow(func(w exec.StateWriter) error { return e.cat.Add(w, &old) }); err != nil {
		t.Fatal(err)
	}
	if err := e.Exec(ctx, "FLUSH"); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}
	check := func(e *Engine, want string) {
		t.Helper()
		res, err := e.Query(ctx, "SELECT g, n, lo FROM m ORDER BY g")
		if err != nil {
			t.Fatal(err)
		}
		rows, err := res.Values()
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(rows); got != want {
			t.Errorf("m = %s, want %s", got, want)
		}
	}
	for i, step := range []struct{ dml, want string }{
		// The min of group 1 must come back from the state's multiset when
		// 10 goes.
		{"DELETE FROM t WHERE k = 1; INSERT INTO t VALUES (4, 2, 1)", "[[1 1 20] [2 2 1]]"},
		{"INSERT INTO t VALUES (5, 1, 7)", "[[1 2 7] [2 2 1]]"},
	} {
		e = mustOpen(t, cfg)
		o, _ := e.cat.Get("m")
		if len(o.Plan) == 0 || o.Layout != catalog.LayoutTwoTableAggregates || len(o.StateTables) != 4 {
			t.Fatalf("start %d: view m recorded with layout %d, %d tables, plan %q", i, o.Layout, len(o.StateTables), o.Plan)
		}
		if err := e.Exec(ctx, step.dml+"; FLUSH"); err != nil {
			t.Fatal(err)
		}
		check(e, step.want)
		if err := e.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
}
