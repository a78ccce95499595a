package weir

import (
	"context"
	"testing"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/statestore"
)

// TestLegacyViewOverTable: before plans were recorded, every view and
// sink was given 2 + 3 per aggregate state tables — its rows, its
// aggregates' and a source position last — whether it read a stream or not
// (ddl.go: addObject(ctx, o, 2+aggTables*plan.NumAggregates(), …)). A view
// over a table or another view never used that last table. Such a catalog
// entry must still restart, with its aggregate state where it was; so must
// one from before TTLs (2 + 2 per aggregate: rows, result, minmax, source).
func TestLegacyViewOverTable(t *testing.T) {
	ctx := context.Background()
	cfg := onDiskConfig(t)
	e := mustOpen(t, cfg)
	if err := e.Exec(ctx, `CREATE TABLE t (k INT PRIMARY KEY, g INT, v BIGINT);
		CREATE MATERIALIZED VIEW m AS SELECT g, sum(v) AS s, count(*) AS n FROM t GROUP BY g;
		CREATE MATERIALIZED VIEW f AS SELECT k, v FROM t WHERE v > 5;
		CREATE MATERIALIZED VIEW p AS SELECT g, min(v) AS lo FROM t GROUP BY g;
		INSERT INTO t VALUES (1, 1, 10), (2, 1, 20), (3, 2, 5); FLUSH`); err != nil {
		t.Fatal(err)
	}
	// The unused source table the old layout put last.
	withSource := func(w exec.StateWriter, ids []statestore.TableID) ([]statestore.TableID, error) {
		extra, err := e.cat.AllocTables(w, 1)
		return append(ids, extra...), err
	}
	legacyEntry(t, e, "m", withSource)
	legacyEntry(t, e, "f", withSource)
	// Before TTLs: rows, result, minmax, and the unused source table.
	legacyEntry(t, e, "p", func(w exec.StateWriter, ids []statestore.TableID) ([]statestore.TableID, error) {
		return withSource(w, ids[:3])
	})
	if err := e.Exec(ctx, "FLUSH"); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}

	e = mustOpen(t, cfg)
	defer e.Close(ctx)
	if err := e.Exec(ctx, "INSERT INTO t VALUES (4, 2, 7); UPDATE t SET v = 100 WHERE k = 1; FLUSH"); err != nil {
		t.Fatal(err)
	}
	if got, want := queryRows(t, e, "SELECT g, s, n FROM m ORDER BY g"), "[[1 120 2] [2 12 2]]"; got != want {
		t.Errorf("legacy aggregate view over a table: %s, want %s", got, want)
	}
	if got, want := queryRows(t, e, "SELECT k, v FROM f ORDER BY k"), "[[1 100] [2 20] [4 7]]"; got != want {
		t.Errorf("legacy view over a table: %s, want %s", got, want)
	}
	// The min of group 1 comes back from the minmax table when 10 goes.
	if got, want := queryRows(t, e, "SELECT g, lo FROM p ORDER BY g"), "[[1 20] [2 5]]"; got != want {
		t.Errorf("legacy view over a table from before TTLs: %s, want %s", got, want)
	}
}
