//go:build duckdb_arrow

package weir_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestNexmarkQ13TemporalJoin: Nexmark q13's shape, bids joined with a side
// table FOR SYSTEM_TIME AS OF PROCTIME() on mod(auction, 10000) (a key the
// bid side computes), as a view. With the side table filled before the
// view, its rows equal DuckDB's ordinary join over the same bids; changes of
// the side table afterwards change none of them.
func TestNexmarkQ13TemporalJoin(t *testing.T) {
	const events, seed = 20_000, 13
	ts := startServer(t, memoryConfig())
	conn := connect(t, ts.dsn)
	mustExec(t, conn, `CREATE TABLE side_input (key BIGINT PRIMARY KEY, value TEXT)`)
	// Every other key: bids whose auction has an odd key meet no row.
	var rows []string
	for k := 0; k < 10_000; k += 2 {
		rows = append(rows, fmt.Sprintf("(%d, 'value%d')", k, k))
	}
	insert := `INSERT INTO side_input VALUES ` + strings.Join(rows, ", ")
	mustExec(t, conn, insert)
	mustExec(t, conn, fmt.Sprintf(`CREATE STREAM bid WITH (connector = 'nexmark', nexmark.table = 'bid', nexmark.events.total = '%d', nexmark.seed = '%d', nexmark.batch.rows = '500')`, events, seed))
	const q13 = `SELECT B.auction, B.bidder, B.price, B.date_time, S.value FROM bid B JOIN side_input FOR SYSTEM_TIME AS OF PROCTIME() S ON mod(B.auction, 10000) = S.key`
	mustExec(t, conn, `CREATE MATERIALIZED VIEW nexmark_q13 AS `+q13)
	waitSourcesDone(t, conn)

	db := nexmarkDuckDB(t, events, seed)
	if _, err := db.Exec(`CREATE TABLE side_input (key BIGINT PRIMARY KEY, value TEXT)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(insert); err != nil {
		t.Fatal(err)
	}
	want := duckText(t, db, strings.Replace(q13, " FOR SYSTEM_TIME AS OF PROCTIME()", "", 1))
	got := queryText(t, conn, `SELECT * FROM nexmark_q13`)
	if len(want) < 1000 {
		t.Fatalf("DuckDB found %d rows; the test needs more", len(want))
	}
	if !sameRows(got, want) {
		t.Fatalf("weir has %d rows, DuckDB %d\nweir:   %.600v\nduckdb: %.600v", len(got), len(want), sorted(got), sorted(want))
	}
	t.Logf("q13: %d rows", len(got))

	mustExec(t, conn, `UPDATE side_input SET value = 'changed'`)
	mustExec(t, conn, `DELETE FROM side_input WHERE key < 5000`)
	mustExec(t, conn, `FLUSH`)
	if got := queryText(t, conn, `SELECT * FROM nexmark_q13`); !sameRows(got, want) {
		t.Fatalf("after the side table changed: weir has %d rows, want the %d it had", len(got), len(want))
	}
}
