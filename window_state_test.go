//go:build duckdb_arrow

package weir_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/weir-stream/weir/exec"
)

// TestWindowAggStateBound runs a window aggregate (bids per auction and 10
// ms TUMBLE window, window_start first or second in the GROUP BY) over the nexmark
// generator with a 20 ms watermark delay for many epochs and samples the
// bytes of its state: the aggregate frees each window's groups once the
// watermark passes it, so the state holds the few open windows' groups
// and stays within a bound however many windows went by, while the
// view's rows (here a subscription's) stay as they were.
func TestWindowAggStateBound(t *testing.T) {
	for _, group := range []string{"window_start, auction", "auction, window_start"} {
		t.Run(group, func(t *testing.T) { testWindowAggStateBound(t, group) })
	}
}

// testWindowAggStateBound runs TestWindowAggStateBound with the GROUP BY
// keys in the order group says: with the window second, the planner puts
// it first in the aggregate's key.
func testWindowAggStateBound(t *testing.T, group string) {
	const events = 200_000
	// The open windows hold a few hundred groups of some 60 bytes; the
	// bound is well above that and far below the 40,000-odd groups of
	// every window.
	const maxBytes = 50_000
	ctx := context.Background()
	cfg := memoryConfig()
	cfg.State.CheckpointIntervalMS = 20
	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	mustExec(t, conn, fmt.Sprintf(`CREATE STREAM bid (WATERMARK FOR date_time AS date_time - INTERVAL '20 milliseconds') WITH (connector = 'nexmark', nexmark.table = 'bid', nexmark.events.total = '%d', nexmark.events.per.second = '40000', nexmark.batch.rows = '500')`, events))
	var inserts, deletes int
	sub, err := ts.eng.Subscribe(ctx, `SELECT window_start, auction, count(*) AS n FROM TUMBLE(bid, date_time, INTERVAL '10 milliseconds') GROUP BY `+group,
		func(_ context.Context, c exec.Chunk) error {
			for i := 0; i < c.NumRows(); i++ {
				switch c.OpAt(i) {
				case exec.Insert:
					inserts++
				case exec.Delete:
					deletes++
				}
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close(ctx)
	var samples []int64
	deadline := time.Now().Add(60 * time.Second)
	for {
		done := true
		for _, p := range sub.Sources() {
			done = done && p.Lag == 0
		}
		mustExec(t, conn, "FLUSH")
		bytes, err := sub.StateBytes()
		if err != nil {
			t.Fatal(err)
		}
		samples = append(samples, bytes)
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the generator did not finish in 60s")
		}
		time.Sleep(250 * time.Millisecond)
	}
	if len(samples) < 5 {
		t.Fatalf("%d samples; the test wants the aggregate sampled over many epochs", len(samples))
	}
	for i, b := range samples {
		if b > maxBytes {
			t.Errorf("sample %d: %d bytes of state, more than the bound of %d", i, b, maxBytes)
		}
	}
	// Freeing a window is no retraction: every group was inserted once
	// and never deleted (the input is append-only).
	if deletes != 0 || inserts < 10_000 {
		t.Errorf("the subscription saw %d inserts and %d deletes", inserts, deletes)
	}
	t.Logf("%d samples, state bytes %v; %d groups", len(samples), samples, inserts)
}
