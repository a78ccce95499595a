package weir_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestCrashWindowClose kills weir with SIGKILL around changes to a window
// that EMIT ON WINDOW CLOSE has already emitted, over a table with
// WATERMARK FOR (whose deletes are never late, so they reach closed
// windows): the window keeps the row it was emitted with, after a restart
// from a checkpoint and after one that replays such a delete from the
// table's write log, while the updating view over the same table follows
// every change. A recovery that lost the point up to which windows were
// emitted would take the replayed delete for a change to an open window
// and emit the window a second time.
func TestCrashWindowClose(t *testing.T) {
	// Checkpoints only at FLUSH (the interval is long): a change made
	// after the last FLUSH is in the write log alone when the process dies.
	bin, _, dataDir, config := crashSetup(t, 600000, 2, false)
	const closed = `SELECT window_start, n FROM taps_closed ORDER BY window_start`
	const updating = `SELECT window_start, n FROM taps_updating ORDER BY window_start`
	round := func(steps func(conn *pgx.Conn)) {
		t.Helper()
		p := startWeirProcess(t, bin, dataDir, config)
		defer p.kill()
		conn, err := pgx.Connect(context.Background(), p.dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		steps(conn)
	}
	check := func(conn *pgx.Conn, query string, want ...string) {
		t.Helper()
		if got := queryText(t, conn, query); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("%s:\n got %q\nwant %q", query, got, want)
		}
	}

	round(func(conn *pgx.Conn) {
		mustExec(t, conn, `CREATE TABLE taps (id INT PRIMARY KEY, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5 seconds')`)
		mustExec(t, conn, `CREATE MATERIALIZED VIEW taps_closed AS SELECT window_start, count(*) AS n FROM TUMBLE(taps, ts, INTERVAL '10 seconds') GROUP BY window_start EMIT ON WINDOW CLOSE`)
		mustExec(t, conn, `CREATE MATERIALIZED VIEW taps_updating AS SELECT window_start, count(*) AS n FROM TUMBLE(taps, ts, INTERVAL '10 seconds') GROUP BY window_start`)
		mustExec(t, conn, `INSERT INTO taps VALUES (1, '2024-01-01 00:00:01'), (2, '2024-01-01 00:00:02'), (3, '2024-01-01 00:00:03'), (4, '2024-01-01 00:00:12')`)
		mustExec(t, conn, `INSERT INTO taps VALUES (5, '2024-01-01 00:00:16')`)
		mustExec(t, conn, `FLUSH`)
		mustExec(t, conn, `FLUSH`)
		check(conn, closed, "2024-01-01 00:00:00 3")
		mustExec(t, conn, `DELETE FROM taps WHERE id = 1`)
		mustExec(t, conn, `FLUSH`)
	})
	// Restarted from the checkpoint of the last FLUSH: a delete in the
	// closed window, then a crash before any checkpoint holds it.
	round(func(conn *pgx.Conn) {
		check(conn, closed, "2024-01-01 00:00:00 3")
		mustExec(t, conn, `DELETE FROM taps WHERE id = 2`)
	})
	// The write log gives the delete back; the watermark then rises.
	round(func(conn *pgx.Conn) {
		mustExec(t, conn, `INSERT INTO taps VALUES (6, '2024-01-01 00:00:31')`)
		mustExec(t, conn, `FLUSH`)
		mustExec(t, conn, `FLUSH`)
		check(conn, updating, "2024-01-01 00:00:00 1", "2024-01-01 00:00:10 2", "2024-01-01 00:00:30 1")
		check(conn, closed, "2024-01-01 00:00:00 3", "2024-01-01 00:00:10 2")
	})
}
