//go:build duckdb_arrow

package weir_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/weir-stream/weir"
)

// TestRestartPlainView: views (CREATE VIEW) are catalog entries that survive
// a restart, with no dataflow: after it, queries of a view (also a view
// over a view, joined USING a key) read its query, a materialized view
// created over one goes on being maintained, and DROP still refuses while
// something depends on a view.
func TestRestartPlainView(t *testing.T) {
	cfg := weir.DefaultConfig()
	cfg.Server.DataDir = t.TempDir()
	cfg.State.CheckpointIntervalMS = 50

	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	mustExec(t, conn, `CREATE TABLE t (id INT PRIMARY KEY, g INT, v INT)`)
	mustExec(t, conn, `INSERT INTO t VALUES (1, 1, 10), (2, 1, 20), (3, 2, 30), (4, NULL, 40)`)
	mustExec(t, conn, `CREATE VIEW big AS SELECT id, g, v FROM t WHERE v >= 20`)
	mustExec(t, conn, `CREATE VIEW per_g (g, total) AS SELECT g, sum(v) FROM big GROUP BY g`)
	mustExec(t, conn, `CREATE MATERIALIZED VIEW m AS SELECT g, total FROM per_g`)
	mustExec(t, conn, `FLUSH`)
	joined := `SELECT id, g, total FROM big JOIN per_g USING (g) ORDER BY id`
	check := func(when, wantBig, wantM, wantJoined string) {
		t.Helper()
		for _, c := range []struct{ q, want string }{
			{`SELECT * FROM big ORDER BY id`, wantBig},
			{`SELECT * FROM m ORDER BY g`, wantM},
			{joined, wantJoined},
		} {
			if got := fmt.Sprint(queryText(t, conn, c.q)); got != c.want {
				t.Fatalf("%s: %s = %s, want %s", when, c.q, got, c.want)
			}
		}
	}
	check("before the restart", "[2 1 20 3 2 30 4 NULL 40]", "[1 20 2 30 NULL 40]", "[2 1 20 3 2 30]")
	conn.Close(context.Background())
	ts.stop()

	ts = startServer(t, cfg)
	conn = connect(t, ts.dsn)
	check("after the restart", "[2 1 20 3 2 30 4 NULL 40]", "[1 20 2 30 NULL 40]", "[2 1 20 3 2 30]")
	mustExec(t, conn, `INSERT INTO t VALUES (5, 2, 50)`)
	mustExec(t, conn, `UPDATE t SET v = 5 WHERE id = 2`)
	mustExec(t, conn, `FLUSH`)
	check("after changes", "[3 2 30 4 NULL 40 5 2 50]", "[2 80 NULL 40]", "[3 2 80 5 2 80]")
	if _, err := conn.Exec(context.Background(), `DROP VIEW per_g`); err == nil || !strings.Contains(err.Error(), "2BP01") {
		t.Fatalf("DROP VIEW per_g under m: %v, want 2BP01", err)
	}
}
