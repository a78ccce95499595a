package weir

import (
	"context"
	"strings"
	"testing"

	"github.com/weir-stream/weir/exec"
)

// TestStalePlanDownstream: when a view's stored plan no longer fits,
// the server still starts, and a view and a union view over it (which
// also reads a healthy table) stay down with the cause, while the table
// and a view over it alone run.
func TestStalePlanDownstream(t *testing.T) {
	ctx := context.Background()
	cfg := onDiskConfig(t)
	e := mustOpen(t, cfg)
	if err := e.Exec(ctx, `CREATE TABLE t (k INT PRIMARY KEY, v BIGINT);
		CREATE TABLE t2 (k INT PRIMARY KEY);
		CREATE MATERIALIZED VIEW m AS SELECT v, count(*) AS n FROM t GROUP BY v;
		CREATE MATERIALIZED VIEW over_m AS SELECT n FROM m WHERE n > 0;
		CREATE MATERIALIZED VIEW both_v AS SELECT v AS k FROM m UNION ALL SELECT k FROM t2;
		CREATE MATERIALIZED VIEW ok AS SELECT k FROM t2;
		INSERT INTO t VALUES (1, 10); INSERT INTO t2 VALUES (5); FLUSH`); err != nil {
		t.Fatal(err)
	}
	o, _ := e.cat.Get("m")
	stale := *o
	stale.Plan = []byte(strings.Replace(string(o.Plan), `"relation":"t"`, `"relation":"gone"`, 1))
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
	for _, v := range []string{"over_m", "both_v"} {
		if _, err := e.Query(ctx, "SELECT * FROM "+v); err == nil || !strings.Contains(err.Error(), `"m", which it reads, has failed`) {
			t.Errorf("SELECT from %s over the stale view: %v", v, err)
		}
	}
	if err := e.Exec(ctx, "INSERT INTO t2 VALUES (6); FLUSH"); err != nil {
		t.Fatal(err)
	}
	if got, want := queryRows(t, e, "SELECT k FROM ok ORDER BY k"), "[[5] [6]]"; got != want {
		t.Errorf("view over the healthy table: %s, want %s", got, want)
	}
}
