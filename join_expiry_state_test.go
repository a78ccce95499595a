//go:build duckdb_arrow

package weir_test

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/internal/nexmarkq"
)

// TestJoinExpiryStateBound runs Nexmark q7 (an interval join of bids with
// each window's highest price) and q8 (a window join of new persons with
// new sellers) over watermarked nexmark streams for many epochs and
// samples the keys of the join's state tables: each side's rows are freed
// once the other side's watermark says they can pair with nothing to come,
// so each table holds the last few windows' rows and stays under a bound
// however many windows went by, far below the rows read.
//
// The queries are nexmarkq.Windowed's and the streams declare
// nexmarkq.Watermark, with the times scaled down (10 s windows to 200 ms,
// the watermark's 4 s delay to 50 ms): the generator's event time runs as
// fast as it generates, 5 s for the test's events.
func TestJoinExpiryStateBound(t *testing.T) {
	// The bounds, in keys, are half or less of what each side reads: q7
	// keeps the bids of the windows the watermark has not passed (some
	// 7,500 a window) and those of the epochs not freed yet, and a row per
	// window of the highest price; q8 a window's new persons (some 160)
	// and sellers' auctions (some 480). Without freeing, q7's bid side
	// ends with 184,000 keys and its other side with 25; q8's with some
	// 4,000 and 12,000.
	bounds := map[string]map[string]int64{
		"q7": {"left": 92_000, "right": 12},
		"q8": {"left": 1_500, "right": 3_000},
	}
	// Once the sources have ended, q7's bid side holds the last window's
	// bids (some 7,400), which its highest price may still pair with: a
	// bid that reached the join after the watermark that frees it (the
	// join's bid input lagging the aggregate's) is freed at once, not
	// kept until a watermark that never comes (12,000 to 60,000 keys
	// were left before).
	end := map[string]map[string]int64{"q7": {"left": 8_000}}
	for _, q := range nexmarkq.Windowed {
		b, ok := bounds[q.Name]
		if !ok {
			continue
		}
		t.Run(q.Name, func(t *testing.T) { testJoinExpiryStateBound(t, scaleNexmarkWindows(q.SQL), b, end[q.Name]) })
	}
}

// scaleNexmarkWindows returns s with its 10 s windows and intervals as
// 200 ms ones.
func scaleNexmarkWindows(s string) string {
	return strings.ReplaceAll(s, "INTERVAL '10' SECOND", "INTERVAL '200 milliseconds'")
}

// testJoinExpiryStateBound runs query over nexmark streams with a 50 ms
// watermark until its state settles after the sources end, sampling the
// keys of its join's state tables: every sample within bounds (by side),
// the last within end (nil: no bound).
func testJoinExpiryStateBound(t *testing.T, query string, bounds, end map[string]int64) {
	const events = 200_000
	ctx := context.Background()
	cfg := memoryConfig()
	cfg.State.CheckpointIntervalMS = 20
	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	wm := strings.Replace(nexmarkq.Watermark, "'4 seconds'", "'50 milliseconds'", 1)
	for _, table := range []string{"person", "auction", "bid"} {
		mustExec(t, conn, fmt.Sprintf(`CREATE STREAM %s (%s) WITH (connector = 'nexmark', nexmark.table = '%s', nexmark.events.total = '%d', nexmark.events.per.second = '40000', nexmark.batch.rows = '500')`, table, wm, table, events))
	}
	var rows, deletes int
	sub, err := ts.eng.Subscribe(ctx, query, func(_ context.Context, c exec.Chunk) error {
		for i := 0; i < c.NumRows(); i++ {
			if c.OpAt(i).IsInsert() {
				rows++
			} else {
				deletes++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close(ctx)
	var samples []map[string]int64
	after := 0 // samples taken once the sources were read
	deadline := time.Now().Add(60 * time.Second)
	for {
		done := true
		for _, p := range sub.Sources() {
			done = done && p.Lag == 0
		}
		mustExec(t, conn, "FLUSH")
		keys, err := sub.StateKeysByRole(query)
		if err != nil {
			t.Fatal(err)
		}
		samples = append(samples, keys)
		// Once the sources are read, until the state settles: the last
		// watermarks free rows at the barriers after.
		if done {
			if after == 20 || len(samples) > 1 && maps.Equal(keys, samples[len(samples)-2]) {
				break
			}
			after++
		}
		if time.Now().After(deadline) {
			t.Fatal("the generator did not finish in 60s")
		}
		time.Sleep(250 * time.Millisecond)
	}
	if len(samples) < 5 {
		t.Fatalf("%d samples; the test wants the join sampled over many epochs", len(samples))
	}
	peak := map[string]int64{}
	for i, keys := range samples {
		for _, side := range []string{"left", "right"} {
			n := keys["StreamHashJoin "+side]
			peak[side] = max(peak[side], n)
			if n > bounds[side] {
				t.Errorf("sample %d: the join's %s side holds %d keys, more than the bound of %d", i, side, n, bounds[side])
			}
		}
	}
	for side, bound := range end {
		if n := samples[len(samples)-1]["StreamHashJoin "+side]; n > bound {
			t.Errorf("at the end, the join's %s side holds %d keys, more than the bound of %d", side, n, bound)
		}
	}
	if rows == 0 {
		t.Error("the join emitted no rows")
	}
	t.Logf("%d samples; peak keys %v; last %v; %d rows, %d deletes out", len(samples), peak, samples[len(samples)-1], rows, deletes)
}
