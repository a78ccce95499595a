package weir_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/weir-stream/weir"
)

// queryError runs sql and returns its Postgres error (failing the test when
// there is none).
func queryError(t *testing.T, conn *pgx.Conn, sql string) *pgconn.PgError {
	t.Helper()
	rows, err := conn.Query(context.Background(), sql, pgx.QueryExecModeSimpleProtocol)
	if err == nil {
		for rows.Next() {
		}
		rows.Close()
		err = rows.Err()
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		t.Fatalf("%s: got %v, want a server error", sql, err)
	}
	return pe
}

// TestFailedViewAcrossRestart: a view that fails on a row says so to
// FLUSH (a WARNING) and to queries (an error with the cause's SQLSTATE and
// a hint), and stays failed with its cause after a restart, as does the
// view over it; once the row is deleted, RESUME rebuilds both, and they
// run again after the next restart.
func TestFailedViewAcrossRestart(t *testing.T) {
	cfg := weir.DefaultConfig()
	cfg.Server.DataDir = t.TempDir()
	cfg.State.CheckpointIntervalMS = 50
	ts := startServer(t, cfg)
	conn, notices := noticeConn(t, ts.dsn)
	mustExec(t, conn, `CREATE TABLE t (k INT PRIMARY KEY, x INT)`)
	mustExec(t, conn, `INSERT INTO t VALUES (1, 1), (2, 2)`)
	mustExec(t, conn, `CREATE MATERIALIZED VIEW v AS SELECT k, 10 / x AS q FROM t`)
	mustExec(t, conn, `CREATE MATERIALIZED VIEW w AS SELECT count(*) AS n FROM v`)
	mustExec(t, conn, `FLUSH`)
	notices()
	mustExec(t, conn, `INSERT INTO t VALUES (3, 0)`)
	mustExec(t, conn, `FLUSH`)
	var warned bool
	for _, n := range notices() {
		if n.Severity == "WARNING" && n.Message == `materialized view "v" has failed: division by zero` && strings.Contains(n.Hint, "RESUME") {
			warned = true
		}
	}
	if !warned {
		t.Error("FLUSH did not warn that v failed")
	}
	failures := ts.eng.FailedSince(0)
	if len(failures) != 1 || failures[0].Name != "v" || failures[0].Code != "22012" || failures[0].Cause != "division by zero" {
		t.Fatalf("FailedSince(0) = %+v", failures)
	}
	if later := ts.eng.FailedSince(failures[0].Epoch); len(later) != 0 {
		t.Errorf("FailedSince(%d) = %+v, want none", failures[0].Epoch, later)
	}

	check := func(when string) {
		t.Helper()
		pe := queryError(t, conn, `SELECT * FROM v`)
		if pe.Code != "22012" || pe.Message != `materialized view "v" has failed: division by zero` || !strings.Contains(pe.Hint, "ALTER MATERIALIZED VIEW v RESUME") {
			t.Errorf("%s: SELECT v: %s %s (hint %q)", when, pe.Code, pe.Message, pe.Hint)
		}
		if pe := queryError(t, conn, `SELECT * FROM w`); pe.Code != "22012" || !strings.Contains(pe.Message, `materialized view "w" cannot be read`) {
			t.Errorf("%s: SELECT w: %s %s", when, pe.Code, pe.Message)
		}
		got := queryText(t, conn, `SELECT name, status, error FROM weir_jobs WHERE name IN ('v', 'w') ORDER BY name`)
		want := []string{`v failed fragment v: operator 0 (*ops.Project): division by zero`, `w stopped materialized view "v", which it reads, has failed`}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: weir_jobs:\n%s\nwant\n%s", when, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	check("before the restart")

	ts.stop()
	ts = startServer(t, cfg)
	conn = connect(t, ts.dsn)
	check("after the restart")
	if f := ts.eng.FailedSince(0); len(f) != 1 || f[0].Name != "v" {
		t.Errorf("after the restart, FailedSince(0) = %+v", f)
	}

	mustExec(t, conn, `DELETE FROM t WHERE k = 3`)
	mustExec(t, conn, `ALTER MATERIALIZED VIEW v RESUME`)
	mustExec(t, conn, `INSERT INTO t VALUES (4, 5)`)
	waitForRows(t, conn, `SELECT k, q FROM v ORDER BY k`, []string{"1 10", "2 5", "4 2"})
	waitForRows(t, conn, `SELECT n FROM w`, []string{"3"})

	ts.stop()
	ts = startServer(t, cfg)
	conn = connect(t, ts.dsn)
	mustExec(t, conn, `INSERT INTO t VALUES (5, 1)`)
	waitForRows(t, conn, `SELECT n FROM w`, []string{"4"})
	if got := queryText(t, conn, `SELECT name, status FROM weir_jobs WHERE name IN ('v', 'w') ORDER BY name`); strings.Join(got, ",") != "v running,w running" {
		t.Errorf("after RESUME and a restart, weir_jobs: %v", got)
	}
}

// TestFileRemovedUnderStream: a file removed under a running stream shows
// in weir_sources (status waiting, and why); a file created again at the
// path is read on.
func TestFileRemovedUnderStream(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.csv")
	if err := os.WriteFile(path, []byte("k,v\n1,10\n2,20\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := memoryConfig()
	cfg.Server.FileRoots = []string{dir}
	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	mustExec(t, conn, `CREATE STREAM events (k INT, v INT) WITH (connector = 'file', path = '`+path+`', format = 'csv')`)
	mustExec(t, conn, `CREATE MATERIALIZED VIEW sums AS SELECT count(*) AS n, sum(v) AS total FROM events`)
	waitForRows(t, conn, `SELECT n, total FROM sums`, []string{"2 30"})
	waitForRows(t, conn, `SELECT status, last_error FROM weir_sources`, []string{"running NULL"})

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	waitForRows(t, conn, `SELECT status, last_error FROM weir_sources`,
		[]string{`waiting could not stat file "` + path + `": No such file or directory`})

	if err := os.WriteFile(path, []byte("k,v\n1,10\n2,20\n3,30\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	waitForRows(t, conn, `SELECT n, total FROM sums`, []string{"3 60"})
	waitForRows(t, conn, `SELECT status FROM weir_sources`, []string{"running"})
}

// TestDivisionColumnNames: a division in a query DuckDB runs is named as
// Postgres names it, not after the function weir runs it as.
func TestDivisionColumnNames(t *testing.T) {
	ts := startServer(t, memoryConfig())
	conn := connect(t, ts.dsn)
	mustExec(t, conn, `CREATE TABLE a (k INT PRIMARY KEY, x INT)`)
	mustExec(t, conn, `CREATE TABLE b (k INT PRIMARY KEY, y INT)`)
	mustExec(t, conn, `INSERT INTO a VALUES (1, 6)`)
	mustExec(t, conn, `INSERT INTO b VALUES (1, 4)`)
	mustExec(t, conn, `FLUSH`)
	rows, err := conn.Query(context.Background(), `SELECT a.x / b.y, sum(a.x % b.y), (a.x / b.y) AS q, max(x) / 2 FROM a JOIN b ON a.k = b.k GROUP BY a.x, b.y`, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range rows.FieldDescriptions() {
		names = append(names, f.Name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(names, ","); got != "?column?,sum,q,?column?" {
		t.Errorf("column names %s", got)
	}
}

// TestDuckDBErrorPositions: an error of a query DuckDB runs points at the
// column or function it names in the statement the user wrote.
func TestDuckDBErrorPositions(t *testing.T) {
	ts := startServer(t, memoryConfig())
	conn := connect(t, ts.dsn)
	mustExec(t, conn, `CREATE TABLE a (k INT PRIMARY KEY, x INT)`)
	mustExec(t, conn, `CREATE TABLE b (k INT PRIMARY KEY, y INT)`)
	for _, c := range []struct{ sql, at, code string }{
		{`SELECT a.k, nope FROM a JOIN b ON a.k = b.k`, "nope", "42703"},
		{`SELECT a.k FROM a JOIN b ON a.k = b.k WHERE a.zz > 1`, "a.zz", "42703"},
		{`SELECT k FROM a JOIN b ON a.k = b.k`, "k FROM", "42702"},
		{`SELECT a.k, nosuch(b.y) FROM a JOIN b ON a.k = b.k`, "nosuch", "42883"},
	} {
		pe := queryError(t, conn, c.sql)
		want := int32(strings.Index(c.sql, c.at) + 1)
		if pe.Code != c.code || pe.Position != want {
			t.Errorf("%s: %s %s at %d, want %s at %d", c.sql, pe.Code, pe.Message, pe.Position, c.code, want)
		}
	}
}
