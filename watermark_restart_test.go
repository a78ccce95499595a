//go:build duckdb_arrow

package weir_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weir-stream/weir"
)

// TestRestartWatermark: a table's and a stream's watermarks come back with
// the state after a restart, so rows below them are late after it as they
// would have been before; without the restored watermark the first row
// after the restart would set a new, lower one and pass. The late rows
// kept before the restart are still in weir_late_rows.
func TestRestartWatermark(t *testing.T) {
	dir := t.TempDir()
	cfg := weir.DefaultConfig()
	cfg.Server.DataDir = filepath.Join(dir, "data")
	cfg.Server.FileRoots = []string{dir}
	cfg.State.CheckpointIntervalMS = 50
	csv := filepath.Join(dir, "events.csv")
	if err := os.WriteFile(csv, []byte("id,ts\n1,2024-01-01 00:00:10\n2,2024-01-01 00:01:00\n3,2024-01-01 00:00:30\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	mustExec(t, conn, `CREATE TABLE readings (id INT PRIMARY KEY, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5 seconds')`)
	mustExec(t, conn, `INSERT INTO readings VALUES (1, '2024-01-01 00:00:10'), (2, '2024-01-01 00:01:00'), (3, '2024-01-01 00:00:30')`)
	mustExec(t, conn, fmt.Sprintf(`CREATE STREAM events (id INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5 seconds') WITH (connector = 'file', path = '%s', format = 'csv')`, csv))
	mustExec(t, conn, `CREATE MATERIALIZED VIEW kept AS SELECT id FROM events`)
	mustExec(t, conn, `FLUSH`)
	check := func(when, query, want string) {
		t.Helper()
		if got := strings.Join(queryText(t, conn, query), ","); got != want {
			t.Fatalf("%s: %s: got %s, want %s", when, query, got, want)
		}
	}
	check("before the restart", `SELECT id FROM readings ORDER BY id`, "1,2")
	check("before the restart", `SELECT id FROM kept ORDER BY id`, "1,2")
	conn.Close(context.Background())
	ts.stop()

	ts = startServer(t, cfg)
	conn = connect(t, ts.dsn)
	// 00:00:40 is below both watermarks (00:00:55) but above what a first
	// row after a restart would make of them.
	mustExec(t, conn, `INSERT INTO readings VALUES (4, '2024-01-01 00:00:40'), (5, '2024-01-01 00:01:02')`)
	f, err := os.OpenFile(csv, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("4,2024-01-01 00:00:40\n5,2024-01-01 00:01:02\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	mustExec(t, conn, `FLUSH`)
	check("after the restart", `SELECT id FROM readings ORDER BY id`, "1,2,5")
	check("after the restart", `SELECT id FROM kept ORDER BY id`, "1,2,5")
	check("after the restart", `SELECT stream || ':' || substr(row, 2, 1) FROM weir_late_rows ORDER BY stream, seq`,
		"events:3,events:4,readings:3,readings:4")
}
