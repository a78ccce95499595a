//go:build duckdb_arrow

package weir_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/weir-stream/weir"
)

// TestRestartSQLFunction: SQL functions are catalog entries that survive a
// restart: after it, ad-hoc queries call them, a materialized view that
// inlined one goes on being maintained, overloads still resolve, and DROP
// FUNCTION still refuses while a view calls it.
func TestRestartSQLFunction(t *testing.T) {
	cfg := weir.DefaultConfig()
	cfg.Server.DataDir = t.TempDir()
	cfg.State.CheckpointIntervalMS = 50

	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	mustExec(t, conn, `CREATE FUNCTION count_char(s varchar, c varchar) RETURNS int LANGUAGE SQL AS $$SELECT LENGTH(s) - LENGTH(REPLACE(s, c, ''))$$`)
	mustExec(t, conn, `CREATE FUNCTION kind(x int) RETURNS varchar RETURN 'int'`)
	mustExec(t, conn, `CREATE FUNCTION kind(x varchar) RETURNS varchar RETURN 'text'`)
	mustExec(t, conn, `CREATE TABLE t (id INT PRIMARY KEY, url VARCHAR)`)
	mustExec(t, conn, `INSERT INTO t VALUES (1, 'a/b/c'), (2, 'x')`)
	mustExec(t, conn, `CREATE MATERIALIZED VIEW m AS SELECT id, count_char(url, '/') AS n FROM t`)
	mustExec(t, conn, `FLUSH`)
	check := func(when, wantM string) {
		t.Helper()
		for _, c := range []struct{ q, want string }{
			{`SELECT * FROM m ORDER BY id`, wantM},
			{`SELECT count_char('a//', '/'), kind(1), kind('1'), kind(url) FROM t WHERE id = 1`, "[2 int text text]"},
		} {
			if got := fmt.Sprint(queryText(t, conn, c.q)); got != c.want {
				t.Fatalf("%s: %s = %s, want %s", when, c.q, got, c.want)
			}
		}
	}
	check("before the restart", "[1 2 2 0]")
	conn.Close(context.Background())
	ts.stop()

	ts = startServer(t, cfg)
	conn = connect(t, ts.dsn)
	check("after the restart", "[1 2 2 0]")
	mustExec(t, conn, `INSERT INTO t VALUES (3, '///')`)
	mustExec(t, conn, `FLUSH`)
	check("after an insert", "[1 2 2 0 3 3]")
	// Over the extended protocol, the parameters take the function's types.
	var n int32
	if err := conn.QueryRow(context.Background(), `SELECT count_char($1, $2)`, "a/b/", "/").Scan(&n); err != nil || n != 2 {
		t.Fatalf("count_char($1, $2) = %d, %v; want 2", n, err)
	}
	if _, err := conn.Exec(context.Background(), `DROP FUNCTION count_char(varchar, varchar)`); err == nil || !strings.Contains(err.Error(), "2BP01") {
		t.Fatalf("DROP FUNCTION count_char under m: %v, want 2BP01", err)
	}
	if _, err := conn.Exec(context.Background(), `CREATE FUNCTION kind(y int) RETURNS varchar RETURN 'again'`); err == nil || !strings.Contains(err.Error(), "42723") {
		t.Fatalf("CREATE FUNCTION kind(int) again: %v, want 42723", err)
	}
}
