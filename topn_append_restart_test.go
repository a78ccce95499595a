//go:build duckdb_arrow

package weir_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/weir-stream/weir"
	"github.com/weir-stream/weir/internal/nexmarkq"
)

// TestRestartAppendOnlyGroupTopN: the per-group top-N views of append-only
// streams (Nexmark q18's deduplication, q19's top ten per auction, q9's
// top bid after a join) survive a restart in the middle of their input.
// Such a top-N keeps only each partition's first rows and, after a
// restart, learns from its state which partitions exist: a partition it
// took for new would get a second first row. After the input ends each
// view equals DuckDB's answer over the same events.
func TestRestartAppendOnlyGroupTopN(t *testing.T) {
	const events, seed = 40_000, 11
	cfg := weir.DefaultConfig()
	cfg.Server.DataDir = t.TempDir()
	cfg.State.CheckpointIntervalMS = 50
	queries := map[string]nexmarkq.Query{}
	for _, q := range nexmarkq.Queries {
		if q.Name == "q9" || q.Name == "q18" || q.Name == "q19" {
			queries[q.Name] = q
		}
	}
	if len(queries) != 3 {
		t.Fatalf("found %d of q9, q18 and q19 in nexmarkq.Queries", len(queries))
	}

	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	for _, table := range []string{"person", "auction", "bid"} {
		mustExec(t, conn, fmt.Sprintf(`CREATE STREAM %s WITH (connector = 'nexmark', nexmark.table = '%s', nexmark.events.total = '%d', nexmark.seed = '%d', nexmark.batch.rows = '500', nexmark.events.per.second = '10000')`, table, table, events, seed))
	}
	for name, q := range queries {
		mustExec(t, conn, "CREATE MATERIALIZED VIEW nexmark_"+name+" AS "+q.CheckedSQL())
	}
	// Paced at the generator's default event-time rate, so that the
	// timestamps are DuckDB's. Stop when a quarter of the bids are read,
	// with rows of many partitions in state.
	deadline := time.Now().Add(30 * time.Second)
	for {
		rows := queryText(t, conn, `SELECT coalesce(min(rows), 0) FROM weir_sources WHERE stream = 'bid'`)
		var n int64
		if len(rows) == 1 {
			fmt.Sscan(rows[0], &n)
		}
		if n >= events/4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the views read %d bids in 30s", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if left := queryText(t, conn, `SELECT count(*) FROM weir_sources WHERE lag = 0`); len(left) != 1 || left[0] != "0" {
		t.Fatalf("%s sources done before the restart; the test wants them halfway", left)
	}
	conn.Close(context.Background())
	ts.stop()

	ts = startServer(t, cfg)
	conn = connect(t, ts.dsn)
	waitSourcesDone(t, conn)
	db := nexmarkDuckDB(t, events, seed)
	for name, q := range queries {
		want := duckText(t, db, duckDialect(t, q.CheckedSQL()))
		got := queryText(t, conn, "SELECT * FROM nexmark_"+name)
		if len(want) < 100 {
			t.Errorf("%s: DuckDB found %d rows; the test needs more", name, len(want))
		}
		if !sameRows(got, want) {
			t.Errorf("%s after a restart: weir has %d rows, DuckDB %d\nonly weir's:   %.600v\nonly DuckDB's: %.600v", name, len(got), len(want), minus(got, want), minus(want, got))
		}
	}
}

// minus returns the rows of a that b lacks (as many times as a has them
// more), sorted.
func minus(a, b []string) []string {
	n := map[string]int{}
	for _, r := range b {
		n[r]++
	}
	var out []string
	for _, r := range sorted(a) {
		if n[r] > 0 {
			n[r]--
			continue
		}
		out = append(out, r)
	}
	return out
}
