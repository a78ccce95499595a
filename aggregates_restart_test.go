package weir_test

import (
	"fmt"
	"testing"

	"github.com/weir-stream/weir"
)

// TestRestartAggregates: a view with DISTINCT, FILTER, string_agg, bool_or,
// bit_xor and stddev comes back from its stored plan and state after a
// restart, and retractions then reach the restored multisets and sums.
func TestRestartAggregates(t *testing.T) {
	cfg := weir.DefaultConfig()
	cfg.Server.DataDir = t.TempDir()
	cfg.State.CheckpointIntervalMS = 50

	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	mustExec(t, conn, `CREATE TABLE t (id BIGINT PRIMARY KEY, g INT, v INT, s VARCHAR, ok BOOLEAN)`)
	mustExec(t, conn, `CREATE MATERIALIZED VIEW a AS SELECT g, count(DISTINCT v) AS nv, sum(v) FILTER (WHERE ok) AS s_ok,
		string_agg(s, ',' ORDER BY s DESC) AS ss, bool_or(ok) AS any_ok, bit_xor(v) AS x, stddev_pop(v) AS sd FROM t GROUP BY g`)
	mustExec(t, conn, `INSERT INTO t VALUES (1, 1, 2, 'a', true), (2, 1, 2, 'b', false), (3, 1, 4, 'c', false), (4, 2, 7, 'z', NULL)`)
	mustExec(t, conn, `FLUSH`)
	const q = `SELECT * FROM a ORDER BY g`
	want := []string{"1 2 2 c,b,a t 4 0.9428090415820634", "2 1 NULL z NULL 7 0"}
	if got := queryText(t, conn, q); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("before restart: got %v, want %v", got, want)
	}
	conn.Close(t.Context())
	ts.stop()

	ts = startServer(t, cfg)
	conn = connect(t, ts.dsn)
	if got := queryText(t, conn, q); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after restart: got %v, want %v", got, want)
	}
	mustExec(t, conn, `DELETE FROM t WHERE id IN (1, 3)`)
	mustExec(t, conn, `UPDATE t SET ok = true WHERE id = 4`)
	mustExec(t, conn, `FLUSH`)
	want = []string{"1 1 NULL b f 2 0", "2 1 7 z t 7 0"}
	if got := queryText(t, conn, q); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after restart and changes: got %v, want %v", got, want)
	}
}
