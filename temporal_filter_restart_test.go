//go:build duckdb_arrow

package weir_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/weir-stream/weir"
)

// TestRestartTemporalFilter: a view with a temporal filter comes back from
// its stored plan and state after a restart, still a temporal filter: the
// rows it kept are still there, and changes after the restart enter and
// leave it by the stored now() and the barriers after it.
func TestRestartTemporalFilter(t *testing.T) {
	cfg := weir.DefaultConfig()
	cfg.Server.DataDir = t.TempDir()
	cfg.State.CheckpointIntervalMS = 50

	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	mustExec(t, conn, `CREATE TABLE ev (id INT PRIMARY KEY, ts TIMESTAMPTZ)`)
	mustExec(t, conn, `CREATE MATERIALIZED VIEW recent AS SELECT id FROM ev WHERE ts > now() - INTERVAL '1 hour' AND ts <= now() + INTERVAL '1 hour'`)
	mustExec(t, conn, `INSERT INTO ev VALUES (1, now() - INTERVAL '2 hours'), (2, now() - INTERVAL '10 minutes'), (3, now() + INTERVAL '3 hours'), (4, now() + INTERVAL '20 minutes')`)
	mustExec(t, conn, `FLUSH`)
	want := []string{"2", "4"}
	check := func(when string) {
		t.Helper()
		if got := queryText(t, conn, `SELECT id FROM recent ORDER BY id`); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s: got %q, want %q", when, got, want)
		}
	}
	check("before restart")
	conn.Close(t.Context())
	ts.stop()

	ts = startServer(t, cfg)
	conn = connect(t, ts.dsn)
	check("after restart")
	plan := queryText(t, conn, `EXPLAIN CREATE MATERIALIZED VIEW r2 AS SELECT id FROM ev WHERE ts > now() - INTERVAL '1 hour'`)
	if !strings.Contains(strings.Join(plan, "\n"), "StreamTemporalFilter") {
		t.Fatalf("EXPLAIN: %q", plan)
	}
	// Row 3 is kept in state, waiting for now() to reach it: moved into
	// the window, it comes out of state; row 2 is deleted.
	mustExec(t, conn, `UPDATE ev SET ts = now() WHERE id = 3`)
	mustExec(t, conn, `DELETE FROM ev WHERE id = 2`)
	mustExec(t, conn, `INSERT INTO ev VALUES (5, now() - INTERVAL '59 minutes' + INTERVAL '50 minutes')`)
	mustExec(t, conn, `FLUSH`)
	want = []string{"3", "4", "5"}
	check("after restart and changes")
}
