package weir

import (
	"context"
	"testing"
)

// TestUnusedSubqueryColumnAdHoc: a view does not compute a subquery's
// column its query does not use (planner.mergeProjects), as Postgres does
// not; the same query run ad hoc (exec/adhoc's RunLocal, on the same
// operators, "so that an expression gives the same answer and the same
// error ad hoc as in a view") must then not fail on that column either.
func TestUnusedSubqueryColumnAdHoc(t *testing.T) {
	ctx := context.Background()
	cfg := DefaultConfig()
	cfg.Server.DataDir = t.TempDir()
	e, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close(ctx)
	const q = `SELECT k FROM (SELECT k, 10 / v AS d FROM t) AS s`
	if err := e.Exec(ctx, `CREATE TABLE t (k INT PRIMARY KEY, v INT);
		CREATE MATERIALIZED VIEW m AS `+q+`;
		INSERT INTO t VALUES (1, 0), (2, 5); FLUSH`); err != nil {
		t.Fatal(err)
	}
	if got, want := queryRows(t, e, "SELECT k FROM m ORDER BY k"), "[[1] [2]]"; got != want {
		t.Fatalf("view: %s, want %s", got, want)
	}
	// Postgres: k = 1, 2; no division by zero, d is never computed.
	if got, want := queryRows(t, e, q+" ORDER BY k"), "[[1] [2]]"; got != want {
		t.Errorf("ad hoc: %s, want %s (as the view and Postgres)", got, want)
	}
}
