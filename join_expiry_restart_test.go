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

// TestRestartJoinExpiry: a view over an interval join of two watermarked
// streams, whose sides free their rows by watermark, comes back after a
// restart with its expiry indexes bound from the stored plan, and pairs
// the rows read after it with those kept before it as if there had been
// no restart.
func TestRestartJoinExpiry(t *testing.T) {
	dir := t.TempDir()
	cfg := weir.DefaultConfig()
	cfg.Server.DataDir = filepath.Join(dir, "data")
	cfg.Server.FileRoots = []string{dir}
	cfg.State.CheckpointIntervalMS = 50
	files := map[string]string{
		"l": "id,k,ts\n1,1,2024-01-01 00:00:10\n2,1,2024-01-01 00:01:00\n",
		"r": "id,k,ts\n1,1,2024-01-01 00:00:05\n2,1,2024-01-01 00:00:55\n",
	}
	for name, rows := range files {
		if err := os.WriteFile(filepath.Join(dir, name+".csv"), []byte(rows), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	for name := range files {
		mustExec(t, conn, fmt.Sprintf(`CREATE STREAM %s (id INT, k INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5 seconds') WITH (connector = 'file', path = '%s', format = 'csv')`, name, filepath.Join(dir, name+".csv")))
	}
	const view = `SELECT l.id AS l, r.id AS r FROM l JOIN r ON l.k = r.k AND r.ts BETWEEN l.ts - INTERVAL '10 seconds' AND l.ts`
	plan := strings.Join(queryText(t, conn, "EXPLAIN CREATE MATERIALIZED VIEW pairs AS "+view), "\n")
	if !strings.Contains(plan, "frees left: ts + 0s < watermark(ts)") || !strings.Contains(plan, "frees right: ts + 10s < watermark(ts)") {
		t.Fatalf("the join does not free both sides:\n%s", plan)
	}
	mustExec(t, conn, "CREATE MATERIALIZED VIEW pairs AS "+view)
	mustExec(t, conn, `FLUSH`)
	check := func(when, want string) {
		t.Helper()
		if got := strings.Join(queryText(t, conn, `SELECT l || '-' || r FROM pairs ORDER BY l, r`), ","); got != want {
			t.Fatalf("%s: got %s, want %s", when, got, want)
		}
	}
	check("before the restart", "1-1,2-2")
	conn.Close(context.Background())
	ts.stop()

	ts = startServer(t, cfg)
	conn = connect(t, ts.dsn)
	appendRows := func(name, rows string) {
		t.Helper()
		f, err := os.OpenFile(filepath.Join(dir, name+".csv"), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteString(rows); err != nil {
			t.Fatal(err)
		}
	}
	// l 3 pairs with r 2, kept from before the restart (its expiry,
	// 00:01:05, is not below l's watermark, 00:00:55), and with r 3 and
	// r 4; r 4 also with l 2, kept too (its expiry, 00:01:00, is above
	// r's watermark, 00:00:58 at most). l 1 and r 1, freed, pair with
	// none of them.
	appendRows("l", "3,1,2024-01-01 00:01:05\n")
	appendRows("r", "4,1,2024-01-01 00:00:58\n3,1,2024-01-01 00:01:03\n")
	mustExec(t, conn, `FLUSH`)
	check("after the restart", "1-1,2-2,2-4,3-2,3-3,3-4")
}
