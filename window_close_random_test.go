//go:build duckdb_arrow

package weir_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weir-stream/weir/exec"
)

// TestWindowCloseRandom appends random rows with bounded disorder (some
// later than the stream's 5 s delay) to a file stream with a watermark, in
// batches, and after each checks that every EMIT ON WINDOW CLOSE view
// (TUMBLE and HOP, grouped by window and a key) holds exactly the rows of
// the same query's updating view whose window ended at or before the
// source's watermark, and that a subscription to it has seen inserts only,
// each window once: a closed window never changes.
func TestWindowCloseRandom(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if os.Getenv("CI") == "true" {
		seed = 20261206
	}
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0x5be0cd19137e2179))
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
	windows := map[string]string{
		"tumble": "TUMBLE(ev, ts, INTERVAL '10 seconds')",
		"hop":    "HOP(ev, ts, INTERVAL '2 seconds', INTERVAL '10 seconds')",
	}
	var mu sync.Mutex
	inserts, deletes := map[string][]string{}, map[string]int{}
	for name, from := range windows {
		q := "SELECT window_start, window_end, k, count(*) AS n, sum(v) AS s, max(v) AS hi FROM " + from + " GROUP BY window_start, window_end, k"
		mustExec(t, conn, "CREATE MATERIALIZED VIEW "+name+"_closed AS "+q+" EMIT ON WINDOW CLOSE")
		mustExec(t, conn, "CREATE MATERIALIZED VIEW "+name+"_updating AS "+q)
		sub, err := ts.eng.Subscribe(context.Background(), "SELECT * FROM "+name+"_closed", func(_ context.Context, c exec.Chunk) error {
			mu.Lock()
			defer mu.Unlock()
			for i := 0; i < c.NumRows(); i++ {
				if !c.OpAt(i).IsInsert() {
					deletes[name]++
					continue
				}
				var parts []string
				for _, col := range c.Batch.Columns() {
					parts = append(parts, col.ValueStr(i))
				}
				inserts[name] = append(inserts[name], strings.Join(parts, " "))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sub.Close(context.Background()) })
	}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	id := 0
	for batch := range 6 {
		var rows strings.Builder
		for range 50 + rng.IntN(150) {
			// 300 ms apart on average, up to 8 s early: some rows fall
			// below the 5 s delay.
			at := base.Add(time.Duration(id)*300*time.Millisecond - time.Duration(rng.IntN(8000))*time.Millisecond)
			fmt.Fprintf(&rows, "%d,%d,%d,%s\n", id, rng.IntN(3), rng.IntN(100), at.Format("2006-01-02 15:04:05.000"))
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
		for name := range windows {
			wm := queryText(t, conn, "SELECT watermark FROM weir_sources WHERE view = '"+name+"_closed'")
			if len(wm) != 1 || wm[0] == "NULL" {
				t.Fatalf("batch %d: %s's watermark: %v", batch, name, wm)
			}
			got := queryText(t, conn, "SELECT * FROM "+name+"_closed")
			want := queryText(t, conn, "SELECT * FROM "+name+"_updating WHERE window_end <= '"+wm[0]+"'")
			if len(want) == 0 && batch > 0 {
				t.Errorf("batch %d: %s: no window closed below %s", batch, name, wm[0])
			}
			if !sameRows(got, want) {
				t.Fatalf("batch %d: %s below %s:\nclosed:   %v\nupdating: %v", batch, name, wm[0], sorted(got), sorted(want))
			}
			mu.Lock()
			seen, dels := sorted(inserts[name]), deletes[name]
			mu.Unlock()
			if dels != 0 || len(seen) != len(got) {
				t.Fatalf("batch %d: %s: the subscription saw %d inserts and %d deletes; the view holds %d rows", batch, name, len(seen), dels, len(got))
			}
		}
	}
	if late := queryText(t, conn, "SELECT count(*) FROM weir_late_rows"); len(late) != 1 || late[0] == "0" {
		t.Errorf("no late rows: %v", late)
	}
}

// waitRows waits until every source of stream ev has read rows rows (late
// ones included), then flushes.
func waitRows(t *testing.T, conn *pgx.Conn, rows int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		got := queryText(t, conn, "SELECT min(rows) FROM weir_sources WHERE stream = 'ev'")
		if len(got) == 1 && got[0] == strconv.Itoa(rows) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sources read %v rows after 60s, not %d", got, rows)
		}
		time.Sleep(20 * time.Millisecond)
	}
	mustExec(t, conn, "FLUSH")
}
