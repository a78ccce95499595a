//go:build duckdb_arrow

package weir_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/weir-stream/weir"
)

// TestRestartNestedLoopJoin: views over joins without an equality (a full
// join on a comparison, EXISTS on one) come back from their stored plans and
// state after a restart, still nested-loop joins, and changes on both sides
// then move the pairs and the outer padding kept in state.
func TestRestartNestedLoopJoin(t *testing.T) {
	cfg := weir.DefaultConfig()
	cfg.Server.DataDir = t.TempDir()
	cfg.State.CheckpointIntervalMS = 50

	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	mustExec(t, conn, `CREATE TABLE lo (id INT PRIMARY KEY, x INT)`)
	mustExec(t, conn, `CREATE TABLE hi (id INT PRIMARY KEY, y INT)`)
	mustExec(t, conn, `CREATE MATERIALIZED VIEW f AS SELECT lo.id AS l, hi.id AS h FROM lo FULL JOIN hi ON lo.x < hi.y`)
	mustExec(t, conn, `CREATE MATERIALIZED VIEW e AS SELECT id FROM lo WHERE EXISTS (SELECT 1 FROM hi WHERE hi.y > lo.x)`)
	mustExec(t, conn, `INSERT INTO lo VALUES (1, 10), (2, 20)`)
	mustExec(t, conn, `INSERT INTO hi VALUES (100, 15), (101, 5)`)
	mustExec(t, conn, `FLUSH`)
	wantF := []string{"1 100", "2 NULL", "NULL 101"}
	wantE := []string{"1"}
	check := func(when string) {
		t.Helper()
		if got := queryText(t, conn, `SELECT * FROM f ORDER BY l, h`); fmt.Sprint(got) != fmt.Sprint(wantF) {
			t.Fatalf("%s: f: got %q, want %q", when, got, wantF)
		}
		if got := queryText(t, conn, `SELECT * FROM e ORDER BY id`); fmt.Sprint(got) != fmt.Sprint(wantE) {
			t.Fatalf("%s: e: got %q, want %q", when, got, wantE)
		}
	}
	check("before restart")
	conn.Close(t.Context())
	ts.stop()

	ts = startServer(t, cfg)
	conn = connect(t, ts.dsn)
	check("after restart")
	plan := queryText(t, conn, `EXPLAIN CREATE MATERIALIZED VIEW f2 AS SELECT lo.id AS l, hi.id AS h FROM lo FULL JOIN hi ON lo.x < hi.y`)
	if !strings.Contains(strings.Join(plan, "\n"), "StreamNestedLoopJoin") {
		t.Fatalf("EXPLAIN: %q", plan)
	}
	mustExec(t, conn, `DELETE FROM hi WHERE id = 100`)
	mustExec(t, conn, `INSERT INTO hi VALUES (102, 25)`)
	mustExec(t, conn, `UPDATE lo SET x = 3 WHERE id = 1`)
	mustExec(t, conn, `FLUSH`)
	wantF = []string{"1 101", "1 102", "2 102"}
	wantE = []string{"1", "2"}
	check("after restart and changes")
	mustExec(t, conn, `DELETE FROM hi WHERE id = 102`)
	mustExec(t, conn, `FLUSH`)
	wantF = []string{"1 101", "2 NULL"}
	wantE = []string{"1"}
	check("after the last match of lo's row 2 left")
}
