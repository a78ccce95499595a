//go:build duckdb_arrow

package weir_test

import (
	"fmt"
	"testing"
)

// TestAppendOnlyGroupTopNMatchesDuckDB maintains per-group top-Ns of the
// append-only bids of the Nexmark generator in the shapes q18 and q19 do
// not take (SELECT DISTINCT ON, ranks from 2 with the rank selected, no
// PARTITION BY, a deeper top) and checks each against DuckDB over the same
// events. Each order is total, so that both pick the same rows.
func TestAppendOnlyGroupTopNMatchesDuckDB(t *testing.T) {
	const events, seed = 40_000, 7
	ts := startServer(t, memoryConfig())
	conn := connect(t, ts.dsn)
	mustExec(t, conn, fmt.Sprintf(`CREATE STREAM bid WITH (connector = 'nexmark', nexmark.table = 'bid', nexmark.events.total = '%d', nexmark.seed = '%d', nexmark.batch.rows = '300')`, events, seed))
	queries := []string{
		`SELECT DISTINCT ON (auction) auction, bidder, price, date_time FROM bid ORDER BY auction, price DESC, date_time, bidder, extra`,
		`SELECT * FROM (SELECT auction, bidder, price, date_time, ROW_NUMBER() OVER (PARTITION BY bidder ORDER BY price DESC, date_time, auction, extra) AS rn FROM bid) AS t WHERE rn BETWEEN 2 AND 4`,
		`SELECT * FROM (SELECT auction, bidder, price, ROW_NUMBER() OVER (ORDER BY price DESC, date_time, bidder, extra) AS rn FROM bid) AS t WHERE rn <= 5`,
		`SELECT * FROM (SELECT auction, price, channel, ROW_NUMBER() OVER (PARTITION BY channel ORDER BY date_time DESC, auction, bidder, extra) AS rn FROM bid) AS t WHERE rn <= 40`,
	}
	for i, q := range queries {
		mustExec(t, conn, fmt.Sprintf("CREATE MATERIALIZED VIEW top_%d AS %s", i, q))
	}
	waitSourcesDone(t, conn)
	db := nexmarkDuckDB(t, events, seed)
	for i, q := range queries {
		want := duckText(t, db, q)
		got := queryText(t, conn, fmt.Sprintf("SELECT * FROM top_%d", i))
		if len(want) < 5 {
			t.Errorf("%s: DuckDB found %d rows; the test needs more", q, len(want))
		}
		if !sameRows(got, want) {
			t.Errorf("%s: weir has %d rows, DuckDB %d\nonly weir's:   %.600v\nonly DuckDB's: %.600v", q, len(got), len(want), minus(got, want), minus(want, got))
		}
	}
}
