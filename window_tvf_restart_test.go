//go:build duckdb_arrow

package weir_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/weir-stream/weir"
)

// TestRestartWindowTVF: views over TUMBLE and HOP of a table, and an EMIT
// ON WINDOW CLOSE view over a stream with a watermark, survive a restart:
// each runs its recorded plan again (the hop and the window close among
// its nodes), the table's views keep following its changes, and the
// window close view goes on emitting the windows the watermark closes
// after the restart, exactly those of its updating twin.
func TestRestartWindowTVF(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ev.csv")
	if err := os.WriteFile(path, []byte("id,k,v,ts\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := weir.DefaultConfig()
	cfg.Server.DataDir = filepath.Join(dir, "data")
	cfg.Server.FileRoots = []string{dir}
	cfg.State.CheckpointIntervalMS = 50
	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	mustExec(t, conn, `CREATE TABLE t (id INT PRIMARY KEY, k INT, v INT, ts TIMESTAMP)`)
	mustExec(t, conn, fmt.Sprintf(`CREATE STREAM ev (id INT, k INT, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5 seconds') WITH (connector = 'file', path = '%s', format = 'csv')`, path))
	tableViews := map[string]string{
		"t_tumble": `SELECT window_start, window_end, k, count(*) AS n, sum(v) AS s FROM TUMBLE(t, ts, INTERVAL '10 seconds') GROUP BY window_start, window_end, k`,
		"t_hop":    `SELECT window_start, max(v) AS hi, count(*) AS n FROM HOP(t, ts, INTERVAL '3 seconds', INTERVAL '9 seconds') GROUP BY window_start`,
	}
	for name, q := range tableViews {
		mustExec(t, conn, "CREATE MATERIALIZED VIEW "+name+" AS "+q)
	}
	q := `SELECT window_start, window_end, k, count(*) AS n, sum(v) AS s FROM HOP(ev, ts, INTERVAL '2 seconds', INTERVAL '6 seconds') GROUP BY window_start, window_end, k`
	mustExec(t, conn, "CREATE MATERIALIZED VIEW ev_closed AS "+q+" EMIT ON WINDOW CLOSE")
	mustExec(t, conn, "CREATE MATERIALIZED VIEW ev_updating AS "+q)

	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	// id is the next row's; before is how many rows the sources read before
	// the restart (weir_sources counts a run's rows).
	id, before := 0, 0
	add := func(n int) {
		t.Helper()
		var rows, csv []string
		for range n {
			at := base.Add(time.Duration(id)*700*time.Millisecond - time.Duration(id*37%6000)*time.Millisecond).Format("2006-01-02 15:04:05.000")
			rows = append(rows, fmt.Sprintf("(%d, %d, %d, '%s')", id, id%3, id*13%50, at))
			csv = append(csv, fmt.Sprintf("%d,%d,%d,%s", id, id%3, id*13%50, at))
			id++
		}
		mustExec(t, conn, "INSERT INTO t VALUES "+strings.Join(rows, ", "))
		f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString(strings.Join(csv, "\n") + "\n"); err != nil {
			t.Fatal(err)
		}
		f.Close()
		waitRows(t, conn, id-before)
	}
	check := func(when string) {
		t.Helper()
		for name, q := range tableViews {
			got, want := queryText(t, conn, "SELECT * FROM "+name), queryText(t, conn, q)
			if !sameRows(got, want) || len(want) == 0 {
				t.Fatalf("%s: view %s has %d rows, ad hoc %d\nview:  %.500v\nquery: %.500v", when, name, len(got), len(want), sorted(got), sorted(want))
			}
		}
		wm := queryText(t, conn, "SELECT watermark FROM weir_sources WHERE view = 'ev_closed'")
		if len(wm) != 1 || wm[0] == "NULL" {
			t.Fatalf("%s: the watermark: %v", when, wm)
		}
		got := queryText(t, conn, "SELECT * FROM ev_closed")
		want := queryText(t, conn, "SELECT * FROM ev_updating WHERE window_end <= '"+wm[0]+"'")
		if !sameRows(got, want) || len(want) == 0 {
			t.Fatalf("%s: below %s, ev_closed has %d rows, ev_updating %d\nclosed:   %.500v\nupdating: %.500v", when, wm[0], len(got), len(want), sorted(got), sorted(want))
		}
	}
	add(120)
	check("before the restart")
	conn.Close(context.Background())
	ts.stop()

	ts = startServer(t, cfg)
	conn = connect(t, ts.dsn)
	before = id
	mustExec(t, conn, `FLUSH`)
	check("after the restart")
	add(120)
	check("after more rows")
	mustExec(t, conn, `DELETE FROM t WHERE v > 40`)
	mustExec(t, conn, `UPDATE t SET ts = ts + INTERVAL '4 seconds', k = (k + 1) % 3 WHERE id % 5 = 0`)
	mustExec(t, conn, `FLUSH`)
	check("after deletes and updates")
}
