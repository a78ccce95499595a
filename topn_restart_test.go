//go:build duckdb_arrow

package weir_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/weir-stream/weir"
)

// TestRestartTopN: a top-N view survives a restart: its window is read back
// from the Pebble state with the rows beyond it, and deletes after the
// restart that empty its cache pull the next rows in from state. After each
// step the view holds what the same query computes ad hoc.
func TestRestartTopN(t *testing.T) {
	cfg := weir.DefaultConfig()
	cfg.Server.DataDir = t.TempDir()
	cfg.State.CheckpointIntervalMS = 50

	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	mustExec(t, conn, `CREATE TABLE t (id INT PRIMARY KEY, v INT, g INT)`)
	const q = `SELECT id, v FROM t ORDER BY v DESC NULLS LAST LIMIT 3 OFFSET 1`
	const qg = `SELECT g, count(*) AS n FROM t GROUP BY g ORDER BY n DESC LIMIT 2`
	mustExec(t, conn, `CREATE MATERIALIZED VIEW top AS `+q)
	mustExec(t, conn, `CREATE MATERIALIZED VIEW top_groups AS `+qg)
	var rows []string
	for i := 1; i <= 200; i++ {
		v := fmt.Sprint(i * 37 % 211)
		if i%17 == 0 {
			v = "NULL"
		}
		rows = append(rows, fmt.Sprintf("(%d, %s, %d)", i, v, i%7))
	}
	mustExec(t, conn, `INSERT INTO t VALUES `+strings.Join(rows, ", "))
	mustExec(t, conn, `FLUSH`)
	check := func(when string) {
		t.Helper()
		// The queries ad hoc, with weir's tie-breakers spelled out.
		for _, c := range []struct{ view, query, order string }{
			{"top", `SELECT id, v FROM t ORDER BY v DESC NULLS LAST, id LIMIT 3 OFFSET 1`, "v DESC, id"},
			{"top_groups", `SELECT g, count(*) AS n FROM t GROUP BY g ORDER BY n DESC, g LIMIT 2`, "n DESC, g"},
		} {
			got := queryText(t, conn, `SELECT * FROM `+c.view+` ORDER BY `+c.order)
			want := queryText(t, conn, `SELECT * FROM (`+c.query+`) AS x ORDER BY `+c.order)
			if fmt.Sprint(got) != fmt.Sprint(want) || len(want) == 0 {
				t.Fatalf("%s: view %s = %v, want %v", when, c.view, got, want)
			}
		}
	}
	check("before the restart")
	conn.Close(context.Background())
	ts.stop()

	ts = startServer(t, cfg)
	conn = connect(t, ts.dsn)
	check("after the restart")
	// More rows go than the cache holds beyond the window (3 + 1 + 16).
	mustExec(t, conn, `DELETE FROM t WHERE v > 100`)
	mustExec(t, conn, `DELETE FROM t WHERE g = 3`)
	mustExec(t, conn, `FLUSH`)
	check("after deletes")
	mustExec(t, conn, `UPDATE t SET v = v + 150 WHERE id % 5 = 0`)
	mustExec(t, conn, `FLUSH`)
	check("after updates")
}
