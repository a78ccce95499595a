package weir_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/weir-stream/weir/exec"
)

// TestJoinStateBound runs an append-only join (Nexmark q20 without its
// filter: every bid with its auction) over the generator for many epochs
// and samples the bytes of its state tables.
//
// An inner join of two append-only streams with no watermark or TTL keeps
// every row of both sides: a bid may meet its auction at any time, and an
// auction may get bids forever, so nothing can be dropped and the state
// grows with the input. What is bounded is the cost per row: each row read
// is stored once (key: table, vnode, join key, stream key; value: its
// degree and encoded row), so the state stays within maxBytesPerRow bytes
// per row read at every sample, and does not grow faster than the input
// (no leftover entries, no copies across epochs). The operator's memory is
// bounded per epoch: its pending changes and its cache of committed rows
// are dropped at every barrier (TestHashJoinMemoryPerEpoch in exec/ops).
func TestJoinStateBound(t *testing.T) {
	// A bid is about 100 bytes and an auction 500 (the generator's average
	// sizes), plus the hidden row id and the key: maxBytesPerRow is twice
	// what an average row needs, for the auctions' share (6%) and the
	// encoding.
	const events, maxBytesPerRow = 200_000, 250
	ctx := context.Background()
	cfg := memoryConfig()
	cfg.State.CheckpointIntervalMS = 20
	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	for _, table := range []string{"auction", "bid"} {
		mustExec(t, conn, fmt.Sprintf(`CREATE STREAM %s WITH (connector = 'nexmark', nexmark.table = '%s', nexmark.events.total = '%d', nexmark.events.per.second = '40000', nexmark.batch.rows = '500')`, table, table, events))
	}
	sub, err := ts.eng.Subscribe(ctx, `SELECT B.auction, B.price, A.category, A.seller FROM bid AS B JOIN auction AS A ON B.auction = A.id`, func(context.Context, exec.Chunk) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close(ctx)
	read := func() (rows int64, done bool) {
		done = true
		for _, p := range sub.Sources() {
			rows += p.Rows
			done = done && p.Lag == 0
		}
		return rows, done
	}
	// lo rows were read before the flush, hi after the state was measured:
	// the state holds between the two.
	type sample struct{ lo, hi, bytes int64 }
	var samples []sample
	deadline := time.Now().Add(60 * time.Second)
	for {
		rows, done := read()
		mustExec(t, conn, "FLUSH")
		bytes, err := sub.StateBytes()
		if err != nil {
			t.Fatal(err)
		}
		after, _ := read()
		if rows > 0 {
			samples = append(samples, sample{rows, after, bytes})
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("read %d rows in 60s", rows)
		}
		time.Sleep(250 * time.Millisecond)
	}
	if len(samples) < 5 {
		t.Fatalf("%d samples; the test wants the join sampled over many epochs", len(samples))
	}
	last := samples[len(samples)-1]
	if want := int64(events / 50 * 49); last.lo != want {
		t.Fatalf("the join read %d rows, want the %d auctions and bids of %d events", last.lo, want, events)
	}
	for _, s := range samples {
		// Every row read is kept (at least its key and row id) ...
		if s.bytes < s.lo*40 {
			t.Errorf("after %d rows the join keeps %d bytes: less than the rows read", s.lo, s.bytes)
		}
		// ... and no more than once.
		if s.bytes > s.hi*maxBytesPerRow {
			t.Errorf("after %d to %d rows the join keeps %d bytes, %d per row: more than the bound of %d", s.lo, s.hi, s.bytes, s.bytes/s.hi, maxBytesPerRow)
		}
	}
	t.Logf("%d samples: %d rows, %d bytes of state (%d per row); first sample %d to %d rows, %d bytes",
		len(samples), last.lo, last.bytes, last.bytes/last.lo, samples[0].lo, samples[0].hi, samples[0].bytes)
}
