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

// TestTemporalJoin: a stream joined with a table FOR SYSTEM_TIME AS OF
// PROCTIME() meets the table's rows as they are when each stream row
// arrives: inserts, updates and deletes of the table change the rows joined
// afterwards and never the rows already emitted (the view is append-only),
// a LEFT join pads a row whose key the table lacks, and after a restart the
// table's rows kept in state still answer the lookups.
func TestTemporalJoin(t *testing.T) {
	cfg := weir.DefaultConfig()
	cfg.Server.DataDir = t.TempDir()
	cfg.Server.FileRoots = []string{os.TempDir()}
	cfg.State.CheckpointIntervalMS = 50
	path := filepath.Join(t.TempDir(), "bids.csv")
	if err := os.WriteFile(path, []byte("id,item,price\n1,10,100\n2,20,200\n3,30,300\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	appendBids := func(lines string) {
		t.Helper()
		f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString(lines); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}

	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	mustExec(t, conn, `CREATE TABLE items (item INT PRIMARY KEY, name TEXT, category INT)`)
	mustExec(t, conn, `INSERT INTO items VALUES (10, 'lamp', 1), (20, 'desk', 2)`)
	mustExec(t, conn, `CREATE STREAM bids (id INT, item INT, price INT) WITH (connector = 'file', path = '`+path+`', format = 'csv')`)
	mustExec(t, conn, `CREATE MATERIALIZED VIEW named AS SELECT b.id, b.price, i.name FROM bids AS b JOIN items FOR SYSTEM_TIME AS OF PROCTIME() AS i ON b.item = i.item`)
	mustExec(t, conn, `CREATE MATERIALIZED VIEW padded AS SELECT b.id, i.name, i.category FROM bids b LEFT JOIN items FOR SYSTEM_TIME AS OF PROCTIME() i ON b.item = i.item AND i.category < 2`)
	mustExec(t, conn, `FLUSH`)
	wantNamed := []string{"1 100 lamp", "2 200 desk"}
	wantPadded := []string{"1 lamp 1", "2 NULL NULL", "3 NULL NULL"}
	check := func(when string) {
		t.Helper()
		if got := queryText(t, conn, `SELECT * FROM named ORDER BY id`); fmt.Sprint(got) != fmt.Sprint(wantNamed) {
			t.Fatalf("%s: named: got %q, want %q", when, got, wantNamed)
		}
		if got := queryText(t, conn, `SELECT * FROM padded ORDER BY id`); fmt.Sprint(got) != fmt.Sprint(wantPadded) {
			t.Fatalf("%s: padded: got %q, want %q", when, got, wantPadded)
		}
	}
	check("first bids")

	// The table changes: rows already joined keep what they met.
	mustExec(t, conn, `UPDATE items SET name = 'big lamp', category = 3 WHERE item = 10`)
	mustExec(t, conn, `DELETE FROM items WHERE item = 20`)
	mustExec(t, conn, `INSERT INTO items VALUES (30, 'chair', 1)`)
	mustExec(t, conn, `FLUSH`)
	check("after the table changed")
	appendBids("4,10,400\n5,20,500\n6,30,600\n")
	mustExec(t, conn, `FLUSH`)
	wantNamed = append(wantNamed, "4 400 big lamp", "6 600 chair")
	wantPadded = append(wantPadded, "4 NULL NULL", "5 NULL NULL", "6 chair 1")
	check("later bids")

	plan := strings.Join(queryText(t, conn, `EXPLAIN CREATE MATERIALIZED VIEW x AS SELECT b.id, i.name FROM bids b JOIN items FOR SYSTEM_TIME AS OF PROCTIME() i ON b.item = i.item`), "\n")
	if !strings.Contains(plan, "StreamTemporalJoin { type: inner, keys: [item = item]") || !strings.Contains(plan, "state: [right]") {
		t.Fatalf("EXPLAIN: %s", plan)
	}
	conn.Close(t.Context())
	ts.stop()

	ts = startServer(t, cfg)
	conn = connect(t, ts.dsn)
	check("after restart")
	mustExec(t, conn, `UPDATE items SET category = 0 WHERE item = 10`)
	mustExec(t, conn, `FLUSH`)
	appendBids("7,10,700\n8,20,800\n")
	mustExec(t, conn, `FLUSH`)
	wantNamed = append(wantNamed, "7 700 big lamp")
	wantPadded = append(wantPadded, "7 big lamp 0", "8 NULL NULL")
	check("bids after restart")
}
