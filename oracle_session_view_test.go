//go:build duckdb_arrow

package weir_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weir-stream/weir/exec"
)

// TestOracleSessionView appends random rows to a file stream with a 5 s
// watermark delay, in batches: times in whole seconds, so many tie;
// pauses of exactly the gap, below it and above it, so sessions split and
// merge; rows up to 7 s early, so some are out of order within the delay
// and some late. After each batch every SESSION view (partitioned by a key
// or not, grouped, with and without EMIT ON WINDOW CLOSE, its aggregate
// in parallel, and its rows ungrouped) must hold exactly what DuckDB computes ad hoc for the same
// query over a view of the rows that were not late, restricted to the
// sessions that end at or before the source's watermark; a subscription
// to the EMIT ON WINDOW CLOSE view sees inserts only; the late rows are in
// weir_late_rows.
func TestOracleSessionView(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if os.Getenv("CI") == "true" {
		seed = 20261206
	}
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0x1f83d9abfb41bd6b))
	dir := t.TempDir()
	path := filepath.Join(dir, "ev.csv")
	if err := os.WriteFile(path, []byte("id,k,v,ts\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := memoryConfig()
	cfg.Server.FileRoots = []string{dir}
	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	mustExec(t, conn, fmt.Sprintf(`CREATE STREAM ev (id INT, k INT, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5 seconds') WITH (connector = 'file', path = '%s', format = 'csv')`, path))
	mustExec(t, conn, `CREATE MATERIALIZED VIEW kept AS SELECT * FROM ev`)
	const gap = "INTERVAL '3 seconds'"
	views := map[string]string{
		"by_key":   "SELECT k, window_start, window_end, count(*) AS n, sum(v) AS s, min(id) AS lo, max(v) AS hi FROM SESSION(%s PARTITION BY k, ts, " + gap + ") GROUP BY k, window_start, window_end",
		"all_rows": "SELECT window_start, window_end, count(*) AS n, sum(v) AS s FROM SESSION(%s, ts, " + gap + ") GROUP BY window_start, window_end",
		"rows":     "SELECT id, k, ts, window_start, window_end FROM SESSION(%s PARTITION BY k, ts, " + gap + ")",
		"flink":    "SELECT k, window_end, count(*) AS n FROM TABLE(SESSION(TABLE %s PARTITION BY (k), DESCRIPTOR(ts), " + gap + ")) GROUP BY k, window_end",
	}
	// The grouped views' aggregates run as 3 instances behind an
	// exchange, which hands each the session window's watermark.
	views["by_key_3"] = views["by_key"]
	for name, q := range views {
		with := ""
		if name == "by_key_3" {
			with = " WITH (parallelism = 3)"
		}
		mustExec(t, conn, "CREATE MATERIALIZED VIEW s_"+name+with+" AS "+fmt.Sprintf(q, "ev"))
	}
	mustExec(t, conn, "CREATE MATERIALIZED VIEW s_closed AS "+fmt.Sprintf(views["by_key"], "ev")+" EMIT ON WINDOW CLOSE")
	var mu sync.Mutex
	inserts, deletes := 0, 0
	sub, err := ts.eng.Subscribe(context.Background(), "SELECT * FROM s_closed", func(_ context.Context, c exec.Chunk) error {
		mu.Lock()
		defer mu.Unlock()
		for i := 0; i < c.NumRows(); i++ {
			if c.OpAt(i).IsInsert() {
				inserts++
			} else {
				deletes++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Close(context.Background()) })

	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	id, at, closed := 0, 0, 0
	for batch := range 6 {
		var rows strings.Builder
		for range 40 + rng.IntN(120) {
			switch r := rng.IntN(20); {
			case r < 10: // a tie with the last row's time
			case r < 16:
				at++
			case r < 18:
				at += 3 // exactly the gap
			default:
				at += 4 + rng.IntN(6)
			}
			s := at
			if rng.IntN(4) == 0 {
				s -= rng.IntN(8) // out of order; late beyond 5 s
			}
			fmt.Fprintf(&rows, "%d,%d,%d,%s\n", id, rng.IntN(3), rng.IntN(100), base.Add(time.Duration(s)*time.Second).Format("2006-01-02 15:04:05"))
			id++
		}
		f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString(rows.String()); err != nil {
			t.Fatal(err)
		}
		f.Close()
		waitRows(t, conn, id)
		for name, q := range views {
			wm := queryText(t, conn, "SELECT watermark FROM weir_sources WHERE view = 's_"+name+"'")
			if len(wm) != 1 || wm[0] == "NULL" {
				t.Fatalf("batch %d: s_%s's watermark: %v", batch, name, wm)
			}
			got := queryText(t, conn, "SELECT * FROM s_"+name)
			want := queryText(t, conn, "SELECT * FROM ("+fmt.Sprintf(q, "kept")+") AS q WHERE window_end <= '"+wm[0]+"'")
			if !sameRows(got, want) {
				t.Fatalf("batch %d: s_%s below %s:\nview:   %v\nduckdb: %v", batch, name, wm[0], sorted(got), sorted(want))
			}
			if name == "by_key" {
				closed = len(got)
				if closedView := queryText(t, conn, "SELECT * FROM s_closed"); !sameRows(closedView, got) {
					t.Fatalf("batch %d: EMIT ON WINDOW CLOSE: %v\nupdating: %v", batch, sorted(closedView), sorted(got))
				}
			}
		}
		mu.Lock()
		ins, dels := inserts, deletes
		mu.Unlock()
		if dels != 0 || ins != closed {
			t.Fatalf("batch %d: the subscription saw %d inserts and %d deletes; the view holds %d rows", batch, ins, dels, closed)
		}
	}
	if closed < 10 {
		t.Errorf("only %d sessions closed", closed)
	}
	late := queryText(t, conn, "SELECT count(*) FROM weir_late_rows WHERE view = 's_by_key'")
	kept := queryText(t, conn, "SELECT count(*) FROM kept")
	var nLate, nKept int
	fmt.Sscan(late[0], &nLate)
	fmt.Sscan(kept[0], &nKept)
	t.Logf("%d rows, %d late, %d sessions of a key closed", id, nLate, closed)
	if nLate == 0 || nLate+nKept != id {
		t.Errorf("%d late rows and %d kept of %d", nLate, nKept, id)
	}
}
