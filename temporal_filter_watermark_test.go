//go:build duckdb_arrow

package weir_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestTemporalFilterEmitOnWindowClose: a temporal filter with a lower
// bound only passes its stream's watermark on, so a window aggregate over
// it can EMIT ON WINDOW CLOSE (before, 0A000): the closed windows come out
// once, as the updating view has them.
func TestTemporalFilterEmitOnWindowClose(t *testing.T) {
	dir := t.TempDir()
	cfg := memoryConfig()
	cfg.Server.FileRoots = []string{dir}
	path := filepath.Join(dir, "bids.csv")
	var rows strings.Builder
	rows.WriteString("id,ts\n")
	for i := range 36 {
		fmt.Fprintf(&rows, "%d,2024-01-01 00:00:%02d\n", i, i)
	}
	if err := os.WriteFile(path, []byte(rows.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	mustExec(t, conn, `CREATE STREAM bids (id INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1 second') WITH (connector = 'file', path = '`+path+`', format = 'csv')`)
	const q = `SELECT window_start, count(*) AS n, max(id) AS last FROM TUMBLE((SELECT id, ts FROM bids WHERE ts > now() - INTERVAL '100 years'), ts, INTERVAL '10 seconds') GROUP BY window_start`
	mustExec(t, conn, "CREATE MATERIALIZED VIEW closed AS "+q+" EMIT ON WINDOW CLOSE")
	waitSourcesDone(t, conn)
	// The watermark, 00:00:34, closed three windows.
	want := "2024-01-01 00:00:00 10 9; 2024-01-01 00:00:10 10 19; 2024-01-01 00:00:20 10 29"
	if got := strings.Join(queryText(t, conn, "SELECT * FROM closed ORDER BY 1"), "; "); got != want {
		t.Fatalf("closed windows: got %s, want %s", got, want)
	}
}

// TestTemporalFilterUpperBoundWindows: a temporal filter with an upper
// bound (ts <= now(), ts a timestamptz column) lets rows in as the
// barriers' clock (moved by hand) reaches them, below the stream's
// watermark: it passes the lower of that watermark and the bound on, so an EMIT ON WINDOW CLOSE aggregate over it
// closes a window only once the bound has passed it too, with every row
// of the window in, as the updating view counts them.
func TestTemporalFilterUpperBoundWindows(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2024, 1, 1, 0, 0, 20, 0, time.UTC)
	var now atomic.Int64
	now.Store(t0.UnixMicro())
	cfg := memoryConfig()
	cfg.Server.FileRoots = []string{dir}
	cfg.Clock = func() time.Time { return time.UnixMicro(now.Load()) }
	path := filepath.Join(dir, "bids.csv")
	var rows strings.Builder
	rows.WriteString("id,ts\n")
	for i := range 36 {
		fmt.Fprintf(&rows, "%d,2024-01-01 00:00:%02d+00\n", i, i)
	}
	if err := os.WriteFile(path, []byte(rows.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	mustExec(t, conn, `CREATE STREAM bids (id INT, ts TIMESTAMPTZ, WATERMARK FOR ts AS ts - INTERVAL '1 second') WITH (connector = 'file', path = '`+path+`', format = 'csv')`)
	const q = `SELECT window_start, count(*) AS n FROM TUMBLE((SELECT id, ts FROM bids WHERE ts <= now()), ts, INTERVAL '10 seconds') GROUP BY window_start`
	mustExec(t, conn, "CREATE MATERIALIZED VIEW closed AS "+q+" EMIT ON WINDOW CLOSE")
	mustExec(t, conn, "CREATE MATERIALIZED VIEW updating AS "+q)
	waitSourcesDone(t, conn)
	check := func(when, view, want string) {
		t.Helper()
		if got := strings.Join(queryText(t, conn, "SELECT * FROM "+view+" ORDER BY 1"), "; "); got != want {
			t.Errorf("%s: %s: got %s, want %s", when, view, got, want)
		}
	}
	// now() 00:00:20: rows up to 00:00:20 are in; the stream's watermark
	// is 00:00:34, the filter's 00:00:20: two windows closed.
	check("now() 00:00:20", "updating", "2024-01-01 00:00:00+00 10; 2024-01-01 00:00:10+00 10; 2024-01-01 00:00:20+00 1")
	check("now() 00:00:20", "closed", "2024-01-01 00:00:00+00 10; 2024-01-01 00:00:10+00 10")
	// now() 00:00:40: the rest come in, and the watermark, 00:00:34,
	// closes the third window with all of its rows.
	now.Store(t0.Add(20 * time.Second).UnixMicro())
	mustExec(t, conn, `FLUSH`)
	check("now() 00:00:40", "updating", "2024-01-01 00:00:00+00 10; 2024-01-01 00:00:10+00 10; 2024-01-01 00:00:20+00 10; 2024-01-01 00:00:30+00 6")
	check("now() 00:00:40", "closed", "2024-01-01 00:00:00+00 10; 2024-01-01 00:00:10+00 10; 2024-01-01 00:00:20+00 10")
}

// TestTemporalFilterWindowRetractions: a window aggregate over a temporal
// filter whose lower bound retracts rows as now() moves (the barriers'
// clock moved by hand) gets deletes of windows the watermark passed long
// before: the updating view follows them (its windows empty as their rows
// leave), and the EMIT ON WINDOW CLOSE view keeps each window as it
// closed.
func TestTemporalFilterWindowRetractions(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2024, 1, 1, 0, 0, 35, 0, time.UTC)
	var now atomic.Int64
	now.Store(t0.UnixMicro())
	cfg := memoryConfig()
	cfg.Server.FileRoots = []string{dir}
	cfg.Clock = func() time.Time { return time.UnixMicro(now.Load()) }
	path := filepath.Join(dir, "bids.csv")
	var rows strings.Builder
	rows.WriteString("id,ts\n")
	for i := range 36 {
		fmt.Fprintf(&rows, "%d,2024-01-01 00:00:%02d\n", i, i)
	}
	if err := os.WriteFile(path, []byte(rows.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	mustExec(t, conn, `CREATE STREAM bids (id INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1 second') WITH (connector = 'file', path = '`+path+`', format = 'csv')`)
	const q = `SELECT window_start, count(*) AS n FROM TUMBLE((SELECT id, ts FROM bids WHERE ts > now() - INTERVAL '30 seconds'), ts, INTERVAL '10 seconds') GROUP BY window_start`
	mustExec(t, conn, "CREATE MATERIALIZED VIEW closed AS "+q+" EMIT ON WINDOW CLOSE")
	mustExec(t, conn, "CREATE MATERIALIZED VIEW updating AS "+q)
	waitSourcesDone(t, conn)
	check := func(when, view, want string) {
		t.Helper()
		if got := strings.Join(queryText(t, conn, "SELECT * FROM "+view+" ORDER BY 1"), "; "); got != want {
			t.Errorf("%s: %s: got %s, want %s", when, view, got, want)
		}
	}
	// now() 00:00:35: rows after 00:00:05 are in; the watermark,
	// 00:00:34, closed three windows.
	closed := "2024-01-01 00:00:00 4; 2024-01-01 00:00:10 10; 2024-01-01 00:00:20 10"
	check("now() 00:00:35", "closed", closed)
	check("now() 00:00:35", "updating", closed+"; 2024-01-01 00:00:30 6")
	// now() 00:00:50: rows up to 00:00:20 leave, from windows closed long
	// before.
	now.Store(t0.Add(15 * time.Second).UnixMicro())
	mustExec(t, conn, `FLUSH`)
	check("now() 00:00:50", "closed", closed)
	check("now() 00:00:50", "updating", "2024-01-01 00:00:20 9; 2024-01-01 00:00:30 6")
}
