//go:build duckdb_arrow

package weir_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/weir-stream/weir/internal/nexmarkq"
)

// nexmarkWindowQueries are Nexmark q5, q7, q8 and q11 (nexmarkq.Windowed):
// HOP and TUMBLE window aggregates, a window join, a join of a window
// aggregate with a residual and a session aggregate; q7 has few rows over
// the test's events, so its shape runs over 1 s windows too.
var nexmarkWindowQueries = func() []struct{ name, sql string } {
	var out []struct{ name, sql string }
	for _, q := range nexmarkq.Windowed {
		sql := q.SQL
		if q.Name == "q11" {
			// The test's events span 4 s of event time: q11's sessions
			// are scaled to a 100 ms gap over bid_wm, the bids with a
			// watermark, so that many close.
			sql = strings.ReplaceAll(sql, "INTERVAL '10' SECOND", "INTERVAL '100 milliseconds'")
			sql = strings.Replace(sql, "SESSION(bid ", "SESSION(bid_wm ", 1)
		}
		out = append(out, struct{ name, sql string }{q.Name, sql})
	}
	// q7 over 1 s windows: the test's events span a few seconds, which
	// q7's 10 s windows cover with one or two rows.
	return append(out, struct{ name, sql string }{"q7_1s", `SELECT B.auction, B.price, B.bidder, B.date_time FROM bid B
JOIN (SELECT MAX(price) AS maxprice, window_end AS date_time
      FROM TUMBLE(bid, date_time, INTERVAL '1' SECOND) GROUP BY window_end) B1
  ON B.price = B1.maxprice
WHERE B.date_time BETWEEN B1.date_time - INTERVAL '1' SECOND AND B1.date_time`})
}()

// windowCall matches TUMBLE(rel, ts, INTERVAL 'n' SECOND) and HOP(rel, ts,
// INTERVAL 's' SECOND, INTERVAL 'n' SECOND) in a Nexmark query.
var windowCall = regexp.MustCompile(`(TUMBLE|HOP)\((\w+), (\w+), INTERVAL '(\d+)' SECOND(?:, INTERVAL '(\d+)' SECOND)?\)`)

// duckWindows writes q's window table functions as DuckDB subqueries
// named as the relation they read: time_bucket from the epoch, HOP crossed
// with its copies' numbers.
func duckWindows(q string) string {
	return windowCall.ReplaceAllStringFunc(q, func(call string) string {
		m := windowCall.FindStringSubmatch(call)
		rel, ts, slide, size := m[2], m[3], m[4], m[4]
		copies := "1"
		if m[1] == "HOP" {
			size = m[5]
			copies = fmt.Sprintf("%s // %s", size, slide)
		}
		start := fmt.Sprintf("time_bucket(INTERVAL %s SECOND, %s, TIMESTAMP '1970-01-01') - k * INTERVAL %s SECOND", slide, ts, slide)
		return fmt.Sprintf("(SELECT *, %s AS window_start, %s + INTERVAL %s SECOND AS window_end FROM %s, range(0, %s) AS r (k)) AS %s",
			start, start, size, rel, copies, rel)
	})
}

// TestNexmarkWindowViewsMatchDuckDB maintains Nexmark q5, q7, q8 and q11
// as views over three bounded nexmark streams of one event sequence (q11
// over a fourth, of the bids with a watermark) and checks each against
// DuckDB over the same events, with the windows written as DuckDB's own
// bucketing (duckWindows) and q11's sessions with lag and a running sum,
// restricted to those the final watermark closed.
func TestNexmarkWindowViewsMatchDuckDB(t *testing.T) {
	const events, seed = 40_000, 11
	ts := startServer(t, memoryConfig())
	conn := connect(t, ts.dsn)
	for _, table := range []string{"person", "auction", "bid"} {
		mustExec(t, conn, fmt.Sprintf(`CREATE STREAM %s WITH (connector = 'nexmark', nexmark.table = '%s', nexmark.events.total = '%d', nexmark.seed = '%d', nexmark.batch.rows = '1000')`, table, table, events, seed))
	}
	mustExec(t, conn, fmt.Sprintf(`CREATE STREAM bid_wm (WATERMARK FOR date_time AS date_time - INTERVAL '50 milliseconds') WITH (connector = 'nexmark', nexmark.table = 'bid', nexmark.events.total = '%d', nexmark.seed = '%d', nexmark.batch.rows = '1000')`, events, seed))
	for _, q := range nexmarkWindowQueries {
		mustExec(t, conn, "CREATE MATERIALIZED VIEW nexmark_"+q.name+" AS "+q.sql)
	}
	waitSourcesDone(t, conn)
	db := nexmarkDuckDB(t, events, seed)
	for _, q := range nexmarkWindowQueries {
		duck := duckWindows(q.sql)
		if q.name == "q11" {
			// The sessions that end by the watermark: a bid starts a
			// session when its bidder's previous bid is 100 ms or more
			// before it; a running sum over those starts (up to a bid's
			// last peer, so ties share one) numbers the sessions.
			wm := queryText(t, conn, "SELECT watermark FROM weir_sources WHERE view = 'nexmark_q11'")
			duck = `SELECT bidder, count(*), min(date_time), max(date_time) + INTERVAL 100 MILLISECOND FROM (
  SELECT *, sum(starts) OVER (PARTITION BY bidder ORDER BY date_time) AS session FROM (
    SELECT *, CASE WHEN date_time - lag(date_time) OVER (PARTITION BY bidder ORDER BY date_time) < INTERVAL 100 MILLISECOND THEN 0 ELSE 1 END AS starts FROM bid))
GROUP BY bidder, session HAVING max(date_time) + INTERVAL 100 MILLISECOND <= TIMESTAMP '` + wm[0] + `'`
		}
		want := duckText(t, db, duck)
		got := queryText(t, conn, "SELECT * FROM nexmark_"+q.name)
		if len(want) < 3 && q.name != "q7" {
			t.Errorf("%s: DuckDB found %d rows; the test needs more", q.name, len(want))
		}
		if !sameRows(got, want) {
			t.Errorf("%s: weir has %d rows, DuckDB %d\nweir:   %.600v\nduckdb: %.600v", q.name, len(got), len(want), sorted(got), sorted(want))
		}
		t.Logf("%s: %d rows", q.name, len(got))
	}
}
