//go:build duckdb_arrow

package weir_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/internal/nexmarkq"
)

// TestSessionWindowStateBound runs Nexmark q11 (nexmarkq.Windowed) with
// its gap scaled to 20 ms over a paced bid stream with a 50 ms watermark
// and samples the keys of its state tables over many epochs: the session
// window keeps only the rows and entries of the sessions the watermark
// has not closed, so neither table ever holds more than a bound far below
// the bids read, and the window aggregate above it frees each session's
// group as the watermark passes its window_end.
func TestSessionWindowStateBound(t *testing.T) {
	const events = 200_000
	ctx := context.Background()
	var query string
	for _, q := range nexmarkq.Windowed {
		if q.Name == "q11" {
			query = strings.ReplaceAll(q.SQL, "INTERVAL '10' SECOND", "INTERVAL '20 milliseconds'")
		}
	}
	cfg := memoryConfig()
	cfg.State.CheckpointIntervalMS = 20
	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	wm := strings.Replace(nexmarkq.Watermark, "'4 seconds'", "'50 milliseconds'", 1)
	mustExec(t, conn, fmt.Sprintf(`CREATE STREAM bid (%s) WITH (connector = 'nexmark', nexmark.table = 'bid', nexmark.events.total = '%d', nexmark.events.per.second = '40000', nexmark.batch.rows = '500')`, wm, events))
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
	peak := map[string]int64{}
	samples := 0
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
		samples++
		for role, n := range keys {
			peak[role] = max(peak[role], n)
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the generator did not finish in 60s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("%d samples, %d sessions emitted; peak keys: %v", samples, rows, peak)
	if samples < 10 || rows < 1000 || deletes != 0 {
		t.Fatalf("%d samples, %d sessions emitted, %d deletes", samples, rows, deletes)
	}
	// 184,000 bids are read, 36,800 a second of event time; the bounds
	// are a few times what the sessions open within a 50 ms watermark
	// delay and 20 ms gaps hold (some 4,000 rows of 600 sessions). The
	// aggregate receives each session's rows at the barrier that closes
	// it and frees its group at that barrier too.
	bounds := map[string]int64{"StreamSession rows": 20_000, "StreamSession sessions": 5_000, "StreamHashAgg result": 100}
	for role, bound := range bounds {
		if peak[role] > bound {
			t.Errorf("%s: peak of %d keys, bound %d", role, peak[role], bound)
		}
	}
	if peak["StreamSession rows"] == 0 || peak["StreamSession sessions"] == 0 {
		t.Errorf("the session window kept nothing: %v", peak)
	}
}
