//go:build duckdb_arrow

package weir_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weir-stream/weir/internal/nexmarkq"
)

// TestNexmarkQ12 runs Nexmark q12 (bids per bidder per 10 s of processing
// time) over a bid stream with `p_time TIMESTAMPTZ AS PROCTIME()`, with the
// barriers' clock moved by hand (Config.Clock): each bid is stamped with
// the time of the epoch it was read in; the updating view counts them in
// the window of that time, and the EMIT ON WINDOW CLOSE view shows a window
// once the clock passed its end, with no bid arriving after it.
func TestNexmarkQ12(t *testing.T) {
	q12 := nexmarkq.ProcTime[0]
	t0 := time.Date(2030, 1, 1, 0, 0, 3, 0, time.UTC)
	var now atomic.Int64
	now.Store(t0.UnixMicro())
	dir := t.TempDir()
	cfg := memoryConfig()
	cfg.Server.FileRoots = []string{dir}
	cfg.Clock = func() time.Time { return time.UnixMicro(now.Load()) }
	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)

	path := filepath.Join(dir, "bids.csv")
	appendBids := func(bidders ...int) {
		t.Helper()
		f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var b strings.Builder
		for i, bidder := range bidders {
			fmt.Fprintf(&b, "%d,%d,%d\n", i, bidder, 100+i)
		}
		if _, err := f.WriteString(b.String()); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(path, []byte("auction,bidder,price\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	appendBids(1, 2, 1, 3, 1, 2)
	mustExec(t, conn, fmt.Sprintf(`CREATE STREAM bid (auction BIGINT, bidder BIGINT, price BIGINT, %s) WITH (connector = 'file', path = '%s', format = 'csv')`, nexmarkq.ProcTimeColumn, path))
	mustExec(t, conn, `CREATE MATERIALIZED VIEW q12 AS `+q12.SQL)
	mustExec(t, conn, `CREATE MATERIALIZED VIEW q12_closed AS `+q12.SQL+` EMIT ON WINDOW CLOSE`)
	const rows = `SELECT bidder, bid_count, window_start, window_end FROM %s ORDER BY window_start, bidder`
	first := []string{
		"1 3 2030-01-01 00:00:00+00 2030-01-01 00:00:10+00",
		"2 2 2030-01-01 00:00:00+00 2030-01-01 00:00:10+00",
		"3 1 2030-01-01 00:00:00+00 2030-01-01 00:00:10+00",
	}
	waitForRows(t, conn, fmt.Sprintf(rows, "q12"), first)
	if got := queryText(t, conn, fmt.Sprintf(rows, "q12_closed")); len(got) != 0 {
		t.Fatalf("the clock is inside the first window, yet q12_closed has %q", got)
	}

	// The clock passes the first window's end: it closes without a bid.
	now.Store(t0.Add(10 * time.Second).UnixMicro())
	waitForRows(t, conn, fmt.Sprintf(rows, "q12_closed"), first)
	// weir_sources shows the processing-time watermark: the clock.
	waitForRows(t, conn, `SELECT watermark, late_rows FROM weir_sources WHERE view = 'q12'`, []string{"2030-01-01 00:00:13+00 0"})

	// Bids read now are in the second window.
	appendBids(2, 2, 4)
	second := []string{
		"2 2 2030-01-01 00:00:10+00 2030-01-01 00:00:20+00",
		"4 1 2030-01-01 00:00:10+00 2030-01-01 00:00:20+00",
	}
	waitForRows(t, conn, fmt.Sprintf(rows, "q12"), append(append([]string(nil), first...), second...))
	mustExec(t, conn, `FLUSH`)
	if got := queryText(t, conn, fmt.Sprintf(rows, "q12_closed")); fmt.Sprint(got) != fmt.Sprint(first) {
		t.Fatalf("the second window is open, yet q12_closed has %q", got)
	}
	now.Store(t0.Add(20 * time.Second).UnixMicro())
	waitForRows(t, conn, fmt.Sprintf(rows, "q12_closed"), append(append([]string(nil), first...), second...))
	if got := queryText(t, conn, `SELECT count(*) FROM q12_closed`); got[0] != "5" {
		t.Fatalf("q12_closed has %s rows, want each window's once", got[0])
	}
}
