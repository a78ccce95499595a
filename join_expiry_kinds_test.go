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
	"github.com/weir-stream/weir/internal/nexmarkq"
)

// joinKindQueries are interval joins of each kind over Nexmark's bids and
// auctions (a bid within a second of its auction's creation), and an anti
// join of windows without a residual, whose right side is a count per
// key: every one frees both sides' rows by the watermarks.
var joinKindQueries = []struct{ name, sql string }{
	{"left", `SELECT B.auction, B.bidder, B.price, B.date_time, A.seller FROM bid B LEFT JOIN auction A
  ON B.auction = A.id AND B.date_time BETWEEN A.date_time AND A.date_time + INTERVAL '1' SECOND`},
	{"right", `SELECT A.id, A.seller, B.bidder, B.price FROM bid B RIGHT JOIN auction A
  ON B.auction = A.id AND B.date_time BETWEEN A.date_time AND A.date_time + INTERVAL '1' SECOND`},
	{"full", `SELECT B.auction, B.bidder, B.date_time, A.id, A.seller FROM bid B FULL JOIN auction A
  ON B.auction = A.id AND B.date_time BETWEEN A.date_time AND A.date_time + INTERVAL '1' SECOND`},
	{"semi", `SELECT A.id, A.seller, A.date_time FROM auction A WHERE EXISTS (SELECT 1 FROM bid B
  WHERE B.auction = A.id AND B.date_time BETWEEN A.date_time AND A.date_time + INTERVAL '1' SECOND)`},
	{"anti", `SELECT A.id, A.seller, A.date_time FROM auction A WHERE NOT EXISTS (SELECT 1 FROM bid B
  WHERE B.auction = A.id AND B.date_time BETWEEN A.date_time AND A.date_time + INTERVAL '1' SECOND)`},
	{"anti_window", `SELECT person.id, person.window_start FROM TUMBLE(person, date_time, INTERVAL '1' SECOND)
  WHERE NOT EXISTS (SELECT 1 FROM TUMBLE(auction, date_time, INTERVAL '1' SECOND)
  WHERE auction.seller = person.id AND auction.window_start = person.window_start)`},
}

// TestJoinExpiryKindsMatchDuckDB maintains outer, semi and anti joins of
// Nexmark streams that declare a 100 ms watermark as views, each freeing
// both sides' rows as the watermarks pass them (EXPLAIN says so), and
// checks each against DuckDB over the same events: an outer side's padded
// rows, emitted when they come and retracted by a pair, and the anti
// join's rows are those of the join over the whole input.
func TestJoinExpiryKindsMatchDuckDB(t *testing.T) {
	const events, seed = 40_000, 5
	cfg := memoryConfig()
	cfg.State.CheckpointIntervalMS = 20 // many barriers, each freeing rows
	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	for _, table := range []string{"person", "auction", "bid"} {
		mustExec(t, conn, fmt.Sprintf(`CREATE STREAM %s (WATERMARK FOR date_time AS date_time - INTERVAL '100 milliseconds') WITH (connector = 'nexmark', nexmark.table = '%s', nexmark.events.total = '%d', nexmark.seed = '%d', nexmark.batch.rows = '250')`, table, table, events, seed))
	}
	for _, q := range joinKindQueries {
		plan := strings.Join(queryText(t, conn, "EXPLAIN CREATE MATERIALIZED VIEW v AS "+q.sql), "\n")
		if !strings.Contains(plan, "frees left: ") || !strings.Contains(plan, "frees right: ") {
			t.Fatalf("%s: the join does not free both sides' rows:\n%s", q.name, plan)
		}
		mustExec(t, conn, "CREATE MATERIALIZED VIEW kind_"+q.name+" AS "+q.sql)
	}
	waitSourcesDone(t, conn)
	db := nexmarkDuckDB(t, events, seed)
	for _, q := range joinKindQueries {
		want := duckText(t, db, duckWindows(q.sql))
		got := queryText(t, conn, "SELECT * FROM kind_"+q.name)
		if len(want) < 10 {
			t.Errorf("%s: DuckDB found %d rows; the test needs more", q.name, len(want))
		}
		if !sameRows(got, want) {
			t.Errorf("%s: weir has %d rows, DuckDB %d\nweir:   %.600v\nduckdb: %.600v", q.name, len(got), len(want), sorted(got), sorted(want))
		}
		t.Logf("%s: %d rows", q.name, len(got))
	}
}

// TestJoinExpiryKindsStateBound runs a left interval join of bids with
// auctions and an anti join of auctions with no bid in their first moments
// over watermarked Nexmark streams for many epochs (the times scaled down
// as in TestJoinExpiryStateBound) and samples the keys of each join's
// state tables: each side holds the rows the other side's watermark has
// not passed, far below what it reads.
func TestJoinExpiryKindsStateBound(t *testing.T) {
	// Without freeing, the bids' side ends with some 184,000 keys and the
	// auctions' with some 12,000; the bounds are half of that, room for
	// the two streams' sources running apart (bids read ahead of the
	// auctions' watermark wait for it: a peak of some 40,000). At the end
	// the bids are those the auctions' last watermark has not passed (50
	// ms of them, some 1,900) and the auctions those the bids' has not
	// (250 ms, some 600).
	t.Run("left", func(t *testing.T) {
		testJoinExpiryStateBound(t, `SELECT B.auction, B.bidder, A.seller FROM bid B LEFT JOIN auction A
  ON B.auction = A.id AND B.date_time BETWEEN A.date_time AND A.date_time + INTERVAL '200 milliseconds'`,
			map[string]int64{"left": 92_000, "right": 6_000}, map[string]int64{"left": 3_000, "right": 1_000})
	})
	t.Run("anti", func(t *testing.T) {
		testJoinExpiryStateBound(t, `SELECT A.id, A.seller FROM auction A WHERE NOT EXISTS (SELECT 1 FROM bid B
  WHERE B.auction = A.id AND B.date_time BETWEEN A.date_time AND A.date_time + INTERVAL '200 milliseconds')`,
			map[string]int64{"left": 6_000, "right": 92_000}, map[string]int64{"left": 1_000, "right": 3_000})
	})
}

// TestRestartJoinExpiryKinds: views over a left, a full and an anti
// interval join of two watermarked streams, some of whose rows have a NULL
// time (padded at once, never kept), come back after a restart with their
// expiry indexes, and pair, pad and retract the rows read after it with
// those kept before it as if there had been no restart.
func TestRestartJoinExpiryKinds(t *testing.T) {
	dir := t.TempDir()
	cfg := weir.DefaultConfig()
	cfg.Server.DataDir = filepath.Join(dir, "data")
	cfg.Server.FileRoots = []string{dir}
	cfg.State.CheckpointIntervalMS = 50
	files := map[string]string{
		"l": "id,k,ts\n1,1,2024-01-01 00:00:10\n2,1,2024-01-01 00:01:00\n3,2,\n",
		"r": "id,k,ts\n1,1,2024-01-01 00:00:05\n2,1,2024-01-01 00:00:55\n3,2,\n",
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
	const on = `l.k = r.k AND r.ts BETWEEN l.ts - INTERVAL '10 seconds' AND l.ts`
	views := map[string]string{
		"lj":   `SELECT l.id AS l, r.id AS r FROM l LEFT JOIN r ON ` + on,
		"fj":   `SELECT l.id AS l, r.id AS r FROM l FULL JOIN r ON ` + on,
		"anti": `SELECT l.id AS l, 0 AS r FROM l WHERE NOT EXISTS (SELECT 1 FROM r WHERE ` + on + `)`,
	}
	for name, view := range views {
		plan := strings.Join(queryText(t, conn, "EXPLAIN CREATE MATERIALIZED VIEW "+name+" AS "+view), "\n")
		if !strings.Contains(plan, "frees left: ts + 0s < watermark(ts)") || !strings.Contains(plan, "frees right: ts + 10s < watermark(ts)") {
			t.Fatalf("%s: the join does not free both sides:\n%s", name, plan)
		}
		mustExec(t, conn, "CREATE MATERIALIZED VIEW "+name+" AS "+view)
	}
	mustExec(t, conn, `FLUSH`)
	check := func(when string, want map[string]string) {
		t.Helper()
		for name, w := range want {
			got := strings.Join(queryText(t, conn, `SELECT coalesce(l::text, '-') || ':' || coalesce(r::text, '-') FROM `+name+` ORDER BY l, r`), ",")
			if got != w {
				t.Errorf("%s: %s: got %s, want %s", when, name, got, w)
			}
		}
	}
	check("before the restart", map[string]string{
		"lj":   "1:1,2:2,3:-",
		"fj":   "1:1,2:2,3:-,-:3",
		"anti": "3:0",
	})
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
	// l 1 and r 1 were freed (below the other side's watermark: r's
	// 00:00:50, l's 00:00:55), l 2 and r 2 kept, l 3 and r 3 (NULL times)
	// never kept. l 4 pairs with r 2, kept, and with r 4 and r 5; r 4
	// also with l 2, kept; l 5 (k 3) is padded, then r 7 pairs with it
	// and retracts its padded row and its anti join row; r 6 is padded.
	appendRows("l", "4,1,2024-01-01 00:01:05\n5,3,2024-01-01 00:01:06\n")
	mustExec(t, conn, `FLUSH`)
	appendRows("r", "4,1,2024-01-01 00:00:58\n5,1,2024-01-01 00:01:03\n6,2,\n7,3,2024-01-01 00:01:04\n")
	mustExec(t, conn, `FLUSH`)
	check("after the restart", map[string]string{
		"lj":   "1:1,2:2,2:4,3:-,4:2,4:4,4:5,5:7",
		"fj":   "1:1,2:2,2:4,3:-,4:2,4:4,4:5,5:7,-:3,-:6",
		"anti": "3:0",
	})
}

// TestWindowJoinKindsEmitOnWindowClose aggregates a left window join of
// Nexmark's new persons with new sellers (q8 as a LEFT JOIN) and a semi
// join of the same windows per window with EMIT ON WINDOW CLOSE: the
// joins pass the lower of their sides' watermarks on the preserved side's
// window column, so the aggregates emit each window once it closes, with
// the counts the same aggregates keep as updating views; only the last
// window, which the final watermark has not passed, is missing.
func TestWindowJoinKindsEmitOnWindowClose(t *testing.T) {
	const events, seed = 100_000, 11
	cfg := memoryConfig()
	cfg.State.CheckpointIntervalMS = 20
	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	for _, table := range []string{"person", "auction"} {
		mustExec(t, conn, fmt.Sprintf(`CREATE STREAM %s (WATERMARK FOR date_time AS date_time - INTERVAL '100 milliseconds') WITH (connector = 'nexmark', nexmark.table = '%s', nexmark.events.total = '%d', nexmark.seed = '%d', nexmark.batch.rows = '250')`, table, table, events, seed))
	}
	var q8 string
	for _, q := range nexmarkq.Windowed {
		if q.Name == "q8" {
			q8 = strings.ReplaceAll(q.SQL, "INTERVAL '10' SECOND", "INTERVAL '1' SECOND")
		}
	}
	left := strings.Replace(q8, "\nJOIN (", "\nLEFT JOIN (", 1)
	if left == q8 {
		t.Fatalf("q8 has no JOIN to make a LEFT JOIN of:\n%s", q8)
	}
	aggs := map[string]string{
		"left": "SELECT starttime, count(*) AS n FROM (" + left + ") AS j GROUP BY starttime",
		"semi": `SELECT window_start, count(*) AS n FROM TUMBLE(person, date_time, INTERVAL '1' SECOND)
  WHERE EXISTS (SELECT 1 FROM TUMBLE(auction, date_time, INTERVAL '1' SECOND)
  WHERE auction.seller = person.id AND auction.window_start = person.window_start) GROUP BY window_start`,
	}
	for name, agg := range aggs {
		mustExec(t, conn, "CREATE MATERIALIZED VIEW "+name+"_closed AS "+agg+" EMIT ON WINDOW CLOSE")
		mustExec(t, conn, "CREATE MATERIALIZED VIEW "+name+"_updating AS "+agg)
	}
	waitSourcesDone(t, conn)
	for name := range aggs {
		closed := queryText(t, conn, "SELECT * FROM "+name+"_closed ORDER BY 1")
		updating := queryText(t, conn, "SELECT * FROM "+name+"_updating ORDER BY 1")
		// 100,000 events are 10 s of event time: 10 windows, of which the
		// last may still be open.
		if len(closed) < len(updating)-1 || len(updating) < 9 {
			t.Fatalf("%s: %d windows closed of %d:\nclosed:   %v\nupdating: %v", name, len(closed), len(updating), closed, updating)
		}
		for i, row := range closed {
			if row != updating[i] {
				t.Fatalf("%s: window %d: closed with %s, the updating view has %s", name, i, row, updating[i])
			}
		}
		t.Logf("%s: %d windows closed of %d", name, len(closed), len(updating))
	}
}

// TestJoinKeepsNoNullTimes: a LEFT interval join of a watermarked stream
// with one without a watermark cannot free the first stream's rows (no
// watermark bounds the other side), but keeps none whose time is NULL:
// they pair with nothing, and their padded rows are in the view.
func TestJoinKeepsNoNullTimes(t *testing.T) {
	dir := t.TempDir()
	cfg := memoryConfig()
	cfg.Server.FileRoots = []string{dir}
	files := map[string]string{
		"l": "id,k,ts\n1,1,2024-01-01 00:00:10\n2,1,\n3,2,\n4,1,2024-01-01 00:00:12\n",
		"c": "id,k,ts\n1,1,2024-01-01 00:00:05\n",
	}
	for name, rows := range files {
		if err := os.WriteFile(filepath.Join(dir, name+".csv"), []byte(rows), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	mustExec(t, conn, `CREATE STREAM l (id INT, k INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5 seconds') WITH (connector = 'file', path = '`+filepath.Join(dir, "l.csv")+`', format = 'csv')`)
	mustExec(t, conn, `CREATE STREAM c (id INT, k INT, ts TIMESTAMP) WITH (connector = 'file', path = '`+filepath.Join(dir, "c.csv")+`', format = 'csv')`)
	const view = `SELECT l.id AS l, c.id AS c FROM l LEFT JOIN c ON l.k = c.k AND c.ts BETWEEN l.ts - INTERVAL '10 seconds' AND l.ts`
	plan := strings.Join(queryText(t, conn, "EXPLAIN CREATE MATERIALIZED VIEW pairs AS "+view), "\n")
	if strings.Contains(plan, "frees left") || !strings.Contains(plan, "frees right") {
		t.Fatalf("want only the right side freed:\n%s", plan)
	}
	mustExec(t, conn, "CREATE MATERIALIZED VIEW pairs AS "+view)
	waitSourcesDone(t, conn)
	if got, want := strings.Join(queryText(t, conn, `SELECT l || ':' || coalesce(c::text, '-') FROM pairs ORDER BY l`), ","), "1:1,2:-,3:-,4:1"; got != want {
		t.Fatalf("pairs: got %s, want %s", got, want)
	}
	keys, err := ts.eng.StateTableKeys("pairs")
	if err != nil {
		t.Fatal(err)
	}
	// The view's rows, then the join's left table (the plan declares the
	// join's tables first): the two left rows with a time, not the four.
	if len(keys) < 2 || keys[1] != 2 {
		t.Errorf("state keys per table %v: want the join's left table to hold 2 rows", keys)
	}
}
