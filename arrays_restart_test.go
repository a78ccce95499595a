//go:build duckdb_arrow

package weir_test

import (
	"fmt"
	"testing"

	"github.com/weir-stream/weir"
)

// TestRestartArrays: a table with array columns and views over array
// expressions and array_agg come back from their stored plans and state
// after a restart, and changes then reach the restored multisets.
func TestRestartArrays(t *testing.T) {
	cfg := weir.DefaultConfig()
	cfg.Server.DataDir = t.TempDir()
	cfg.State.CheckpointIntervalMS = 50

	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	mustExec(t, conn, `CREATE TABLE t (id BIGINT PRIMARY KEY, g INT, tags TEXT[], url VARCHAR)`)
	mustExec(t, conn, `CREATE MATERIALIZED VIEW a AS SELECT g, array_agg(id ORDER BY id DESC) AS ids, array_agg(tags[1]) AS firsts FROM t GROUP BY g`)
	mustExec(t, conn, `CREATE MATERIALIZED VIEW b AS SELECT id, (regexp_match(url, 'c=(\w+)'))[1] AS c, tags[2:] AS rest, 'x' = ANY (tags) AS has_x, ARRAY[g, id] AS pair FROM t`)
	mustExec(t, conn, `INSERT INTO t VALUES (1, 1, '{x,y}', 'a?c=one'), (2, 1, ARRAY['b c'], 'a'), (3, 2, NULL, 'c=two&d')`)
	mustExec(t, conn, `FLUSH`)
	qa, qb := `SELECT * FROM a ORDER BY g`, `SELECT * FROM b ORDER BY id`
	wantA := []string{`1 {2,1} {"b c",x}`, `2 {3} {NULL}`}
	wantB := []string{`1 one {y} t {1,1}`, `2 NULL {} f {1,2}`, `3 two NULL NULL {2,3}`}
	check := func(when string) {
		t.Helper()
		if got := queryText(t, conn, qa); fmt.Sprint(got) != fmt.Sprint(wantA) {
			t.Fatalf("%s: a: got %q, want %q", when, got, wantA)
		}
		if got := queryText(t, conn, qb); fmt.Sprint(got) != fmt.Sprint(wantB) {
			t.Fatalf("%s: b: got %q, want %q", when, got, wantB)
		}
	}
	check("before restart")
	conn.Close(t.Context())
	ts.stop()

	ts = startServer(t, cfg)
	conn = connect(t, ts.dsn)
	check("after restart")
	mustExec(t, conn, `DELETE FROM t WHERE id = 2`)
	mustExec(t, conn, `UPDATE t SET tags = '{z}' WHERE id = 3`)
	mustExec(t, conn, `FLUSH`)
	wantA = []string{`1 {1} {x}`, `2 {3} {z}`}
	wantB = []string{`1 one {y} t {1,1}`, `3 two {} f {2,3}`}
	check("after restart and changes")
}
