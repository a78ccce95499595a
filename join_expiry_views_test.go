//go:build duckdb_arrow

package weir_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/weir-stream/weir/internal/nexmarkq"
)

// TestNexmarkWindowJoinsFreeingMatchDuckDB maintains Nexmark q7 and q8
// (nexmarkq.Windowed, over 1 s windows) as views over nexmark streams that
// declare a 100 ms watermark, so that their joins free each side's rows as
// the windows pass (EXPLAIN says which side frees by what bound), and
// checks each against DuckDB over the same events: freeing the rows that
// can pair with nothing to come changes no result.
func TestNexmarkWindowJoinsFreeingMatchDuckDB(t *testing.T) {
	const events, seed = 100_000, 11
	cfg := memoryConfig()
	cfg.State.CheckpointIntervalMS = 20 // many barriers, each freeing rows
	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	for _, table := range []string{"person", "auction", "bid"} {
		mustExec(t, conn, fmt.Sprintf(`CREATE STREAM %s (WATERMARK FOR date_time AS date_time - INTERVAL '100 milliseconds') WITH (connector = 'nexmark', nexmark.table = '%s', nexmark.events.total = '%d', nexmark.seed = '%d', nexmark.batch.rows = '250')`, table, table, events, seed))
	}
	var names, queries []string
	for _, q := range nexmarkq.Windowed {
		if q.Name != "q7" && q.Name != "q8" {
			continue
		}
		sql := strings.ReplaceAll(q.SQL, "INTERVAL '10' SECOND", "INTERVAL '1' SECOND")
		plan := strings.Join(queryText(t, conn, "EXPLAIN CREATE MATERIALIZED VIEW v AS "+sql), "\n")
		if !strings.Contains(plan, "frees left: ") || !strings.Contains(plan, "frees right: ") {
			t.Fatalf("%s: the join frees no side's rows:\n%s", q.Name, plan)
		}
		mustExec(t, conn, "CREATE MATERIALIZED VIEW freeing_"+q.Name+" AS "+sql)
		names, queries = append(names, q.Name), append(queries, sql)
	}
	waitSourcesDone(t, conn)
	db := nexmarkDuckDB(t, events, seed)
	for i, name := range names {
		want := duckText(t, db, duckWindows(queries[i]))
		got := queryText(t, conn, "SELECT * FROM freeing_"+name)
		if len(want) < 3 {
			t.Errorf("%s: DuckDB found %d rows; the test needs more", name, len(want))
		}
		if !sameRows(got, want) {
			t.Errorf("%s: weir has %d rows, DuckDB %d\nweir:   %.600v\nduckdb: %.600v", name, len(got), len(want), sorted(got), sorted(want))
		}
		t.Logf("%s: %d rows", name, len(got))
	}
}

// TestWindowJoinEmitOnWindowClose aggregates Nexmark q8's window join per
// window with EMIT ON WINDOW CLOSE: the join passes the lower of its
// sides' watermarks on the window on, so the aggregate emits each window
// once it closes, with the counts the same aggregate keeps as an updating
// view; only the last windows, which the final watermark has not passed,
// are missing.
func TestWindowJoinEmitOnWindowClose(t *testing.T) {
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
	agg := "SELECT starttime, count(*) AS n FROM (" + q8 + ") AS j GROUP BY starttime"
	mustExec(t, conn, "CREATE MATERIALIZED VIEW closed AS "+agg+" EMIT ON WINDOW CLOSE")
	mustExec(t, conn, "CREATE MATERIALIZED VIEW updating AS "+agg)
	waitSourcesDone(t, conn)
	closed := queryText(t, conn, "SELECT starttime, n FROM closed ORDER BY starttime")
	updating := queryText(t, conn, "SELECT starttime, n FROM updating ORDER BY starttime")
	// 100,000 events are 10 s of event time: 10 windows, of which the
	// last may still be open.
	if len(closed) < len(updating)-1 || len(updating) < 9 {
		t.Fatalf("%d windows closed of %d:\nclosed:   %v\nupdating: %v", len(closed), len(updating), closed, updating)
	}
	for i, row := range closed {
		if row != updating[i] {
			t.Fatalf("window %d: closed with %s, the updating view has %s", i, row, updating[i])
		}
	}
	t.Logf("%d windows closed of %d: %v", len(closed), len(updating), closed)
}
