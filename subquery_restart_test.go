//go:build duckdb_arrow

package weir_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/weir-stream/weir"
)

// TestRestartSemiJoin: views with IN, NOT EXISTS, NOT IN and scalar
// subqueries survive a restart: the outer rows' degrees and the subquery's
// rows are read back from the Pebble state, so changes on either side after
// the restart bring rows in and out as before. After each step every view
// holds what its query computes ad hoc (in DuckDB).
func TestRestartSemiJoin(t *testing.T) {
	cfg := weir.DefaultConfig()
	cfg.Server.DataDir = t.TempDir()
	cfg.State.CheckpointIntervalMS = 50

	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	mustExec(t, conn, `CREATE TABLE a (id INT PRIMARY KEY, k INT)`)
	mustExec(t, conn, `CREATE TABLE b (id INT PRIMARY KEY, k INT, v INT)`)
	views := map[string]string{
		"semi":   `SELECT id, k FROM a WHERE k IN (SELECT k FROM b WHERE v > 2)`,
		"anti":   `SELECT id FROM a WHERE NOT EXISTS (SELECT 1 FROM b WHERE b.k = a.k AND b.v > a.id % 5)`,
		"not_in": `SELECT id FROM a WHERE k NOT IN (SELECT k FROM b WHERE v < 8)`,
		"scalar": `SELECT id, k - (SELECT max(k) FROM b) AS d FROM a WHERE k > (SELECT min(v) FROM b)`,
	}
	for name, q := range views {
		mustExec(t, conn, `CREATE MATERIALIZED VIEW `+name+` AS `+q)
	}
	var as, bs []string
	for i := 1; i <= 60; i++ {
		k := fmt.Sprint(i % 9)
		if i%13 == 0 {
			k = "NULL"
		}
		as = append(as, fmt.Sprintf("(%d, %s)", i, k))
		if i <= 30 {
			bs = append(bs, fmt.Sprintf("(%d, %d, %d)", i, i%7, i%10))
		}
	}
	mustExec(t, conn, `INSERT INTO a VALUES `+strings.Join(as, ", "))
	mustExec(t, conn, `INSERT INTO b VALUES `+strings.Join(bs, ", "))
	mustExec(t, conn, `FLUSH`)
	check := func(when string) {
		t.Helper()
		for name, q := range views {
			got := queryText(t, conn, `SELECT * FROM `+name+` ORDER BY 1`)
			want := queryText(t, conn, `SELECT * FROM (`+q+`) AS x ORDER BY 1`)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%s: view %s = %v, want %v", when, name, got, want)
			}
		}
	}
	check("before the restart")
	conn.Close(context.Background())
	ts.stop()

	ts = startServer(t, cfg)
	conn = connect(t, ts.dsn)
	check("after the restart")
	mustExec(t, conn, `DELETE FROM b WHERE k IN (1, 2)`)
	mustExec(t, conn, `UPDATE b SET v = v + 3 WHERE id % 4 = 0`)
	mustExec(t, conn, `FLUSH`)
	check("after changes to b")
	mustExec(t, conn, `INSERT INTO b VALUES (100, NULL, 1)`)
	mustExec(t, conn, `DELETE FROM a WHERE id % 3 = 0`)
	mustExec(t, conn, `FLUSH`)
	check("after a NULL in NOT IN's values")
}
