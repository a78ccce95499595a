//go:build duckdb_arrow

package weir_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weir-stream/weir"
)

// TestTemporalJoinEmitOnWindowClose: a temporal join's output carries its
// stream side's watermark, so a window aggregate over it can EMIT ON
// WINDOW CLOSE: the closed windows come out once, with the counts the
// same aggregate keeps as an updating view, and a window closes when a
// later row raises the watermark past it. Before, the view was refused
// with 0A000.
func TestTemporalJoinEmitOnWindowClose(t *testing.T) {
	dir := t.TempDir()
	cfg := weir.DefaultConfig()
	cfg.Server.DataDir = filepath.Join(dir, "data")
	cfg.Server.FileRoots = []string{dir}
	cfg.State.CheckpointIntervalMS = 50
	path := filepath.Join(dir, "bids.csv")
	var rows strings.Builder
	rows.WriteString("id,item,ts\n")
	for i := range 36 {
		fmt.Fprintf(&rows, "%d,%d,2024-01-01 00:00:%02d\n", i, 10*(1+i%3), i)
	}
	if err := os.WriteFile(path, []byte(rows.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	mustExec(t, conn, `CREATE TABLE items (item INT PRIMARY KEY, name TEXT)`)
	mustExec(t, conn, `INSERT INTO items VALUES (10, 'lamp'), (20, 'desk')`)
	mustExec(t, conn, `CREATE STREAM bids (id INT, item INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1 second') WITH (connector = 'file', path = '`+path+`', format = 'csv')`)
	views := map[string]string{
		// Item 30 has no row in items: the LEFT join pads it.
		"joined": `SELECT window_start, name, count(*) AS n FROM TUMBLE((SELECT b.ts, i.name FROM bids b LEFT JOIN items FOR SYSTEM_TIME AS OF PROCTIME() i ON b.item = i.item), ts, INTERVAL '10 seconds') GROUP BY window_start, name`,
	}
	for name, q := range views {
		plan := strings.Join(queryText(t, conn, "EXPLAIN CREATE MATERIALIZED VIEW x AS "+q+" EMIT ON WINDOW CLOSE"), "\n")
		if !strings.Contains(plan, "StreamWindowClose") {
			t.Fatalf("%s: no window close:\n%s", name, plan)
		}
		mustExec(t, conn, "CREATE MATERIALIZED VIEW "+name+"_closed AS "+q+" EMIT ON WINDOW CLOSE")
		mustExec(t, conn, "CREATE MATERIALIZED VIEW "+name+"_updating AS "+q)
	}
	mustExec(t, conn, `FLUSH`)
	check := func(when string, windows int) {
		t.Helper()
		for name := range views {
			closed := queryText(t, conn, "SELECT * FROM "+name+"_closed ORDER BY 1, 2")
			// The windows the watermark passed, from the updating view.
			updating := queryText(t, conn, fmt.Sprintf("SELECT * FROM %s_updating WHERE window_start < TIMESTAMP '2024-01-01 00:00:00' + %d * INTERVAL '10 seconds' ORDER BY 1, 2", name, windows))
			if len(updating) < windows || strings.Join(closed, ";") != strings.Join(updating, ";") {
				t.Errorf("%s: %s: closed windows\n%s\nwant\n%s", when, name, strings.Join(closed, "\n"), strings.Join(updating, "\n"))
			}
		}
	}
	// The last row, at 00:00:35, raises the watermark to 00:00:34: three
	// windows closed, the fourth open.
	check("after the first rows", 3)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("36,10,2024-01-01 00:00:41\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	mustExec(t, conn, `FLUSH`)
	check("after a row at 00:00:41", 4)
}
