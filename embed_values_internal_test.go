package weir

import (
	"context"
	"runtime"
	"testing"
)

// TestValuesOutliveRows: Result.Values' strings stay valid after the rows
// are released, also for a query DuckDB runs (whose buffers it frees).
func TestValuesOutliveRows(t *testing.T) {
	ctx := context.Background()
	cfg := DefaultConfig()
	cfg.State.BackendType = "memory"
	e, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close(ctx)
	if err := e.Exec(ctx, "CREATE TABLE t (k INT PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'alpha'), (2, 'beta')"); err != nil {
		t.Fatal(err)
	}
	res, err := e.Query(ctx, "SELECT a.k, upper(a.v), 'abc' FROM t a JOIN t b ON a.k = b.k ORDER BY a.k")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := res.Values()
	if err != nil {
		t.Fatal(err)
	}
	// Churn memory so freed buffers are reused.
	for i := 0; i < 5; i++ {
		if r, err := e.Query(ctx, "SELECT repeat('x', 1000) FROM t a JOIN t b ON a.k = b.k"); err == nil {
			r.Values()
		}
		runtime.GC()
	}
	want := [][]any{{int64(1), "ALPHA", "abc"}, {int64(2), "BETA", "abc"}}
	for i := range want {
		for j := range want[i] {
			if rows[i][j] != want[i][j] {
				t.Fatalf("row %d col %d = %q, want %q", i, j, rows[i][j], want[i][j])
			}
		}
	}
}
