//go:build duckdb_arrow

package weir_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/weir-stream/weir"
)

// TestRestartWindow: per-group top-N, DISTINCT ON and over-window views
// survive a restart: each runs its recorded plan again and reads its
// partitions back from the Pebble state when changes touch them, so deletes
// after the restart pull rows up from state and shift the ranks and
// neighbours of the rows they kept. After each step every view holds what
// its query computes ad hoc (in DuckDB, ties broken by the key as weir
// breaks them).
func TestRestartWindow(t *testing.T) {
	cfg := weir.DefaultConfig()
	cfg.Server.DataDir = t.TempDir()
	cfg.State.CheckpointIntervalMS = 50

	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	mustExec(t, conn, `CREATE TABLE t (id INT PRIMARY KEY, g INT, v INT)`)
	views := []struct{ name, query, adhoc string }{
		{"top3",
			`SELECT * FROM (SELECT id, g, v, row_number() OVER (PARTITION BY g ORDER BY v DESC) AS rn FROM t) AS x WHERE rn <= 3`,
			`SELECT * FROM (SELECT id, g, v, row_number() OVER (PARTITION BY g ORDER BY v DESC NULLS FIRST, id) AS rn FROM t) AS x WHERE rn <= 3`},
		{"ranks",
			`SELECT * FROM (SELECT id, v, dense_rank() OVER (PARTITION BY g ORDER BY v) AS r FROM t) AS x WHERE r BETWEEN 2 AND 4`,
			`SELECT * FROM (SELECT id, v, dense_rank() OVER (PARTITION BY g ORDER BY v) AS r FROM t) AS x WHERE r BETWEEN 2 AND 4`},
		{"firsts",
			`SELECT DISTINCT ON (g) g, id, v FROM t ORDER BY g, v`,
			`SELECT g, id, v FROM (SELECT g, id, v, row_number() OVER (PARTITION BY g ORDER BY v, id) AS rn FROM t) AS x WHERE rn = 1`},
		{"neighbours",
			`SELECT id, lag(v) OVER w AS prev, lead(id, 2, 0) OVER w AS next2, rank() OVER w AS r FROM t WINDOW w AS (PARTITION BY g ORDER BY v, id)`,
			`SELECT id, lag(v) OVER w AS prev, lead(id, 2, 0) OVER w AS next2, rank() OVER w AS r FROM t WINDOW w AS (PARTITION BY g ORDER BY v, id)`},
	}
	for _, v := range views {
		mustExec(t, conn, `CREATE MATERIALIZED VIEW `+v.name+` AS `+v.query)
	}
	var rows []string
	for i := 1; i <= 300; i++ {
		v := fmt.Sprint(i * 37 % 101)
		if i%23 == 0 {
			v = "NULL"
		}
		rows = append(rows, fmt.Sprintf("(%d, %d, %s)", i, i%4, v))
	}
	mustExec(t, conn, `INSERT INTO t VALUES `+strings.Join(rows, ", "))
	mustExec(t, conn, `FLUSH`)
	check := func(when string) {
		t.Helper()
		for _, v := range views {
			got := sorted(queryText(t, conn, `SELECT * FROM `+v.name))
			want := sorted(queryText(t, conn, v.adhoc))
			if fmt.Sprint(got) != fmt.Sprint(want) || len(want) == 0 {
				t.Fatalf("%s: view %s has %d rows, ad hoc %d\nview:  %.500v\nquery: %.500v", when, v.name, len(got), len(want), got, want)
			}
		}
	}
	check("before the restart")
	conn.Close(context.Background())
	ts.stop()

	ts = startServer(t, cfg)
	conn = connect(t, ts.dsn)
	check("after the restart")
	// More rows of a partition go than its cache holds (3 + 16).
	mustExec(t, conn, `DELETE FROM t WHERE v > 40`)
	mustExec(t, conn, `FLUSH`)
	check("after deletes")
	mustExec(t, conn, `UPDATE t SET v = v + 7, g = (g + 1) % 4 WHERE id % 5 = 0`)
	mustExec(t, conn, `FLUSH`)
	check("after updates")
}
