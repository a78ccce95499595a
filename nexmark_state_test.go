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
// the rows of both sides that may still pair: an auction may get bids
// forever, so every auction is kept and that state grows with the input.
// A bid is kept only until its auction comes: the auctions' ids are unique
// (the nexmark connector says so), so a bid whose auction came pairs with
// it once and never again, and is not kept (StreamHashJoin.OnePerKey); and
// of an auction only the columns the query reads are kept (id, category
// and seller; the others as NULL, ops.HashJoinSpec.Unread). The state thus
// stays within maxBytesPerRow bytes per row read at every sample — what
// the auctions (6% of the rows, about 70 bytes each so) need, under a
// thirtieth of what keeping every bid and column took — and does not grow
// faster than the input (no leftover entries, no copies across epochs). The
// operator's memory is bounded per epoch: its pending changes and its cache
// of committed rows are dropped at every barrier (TestHashJoinMemoryPerEpoch
// in exec/ops).
func TestJoinStateBound(t *testing.T) {
	// Auctions are 3 of each 49 rows read, about 70 bytes each with their
	// key and row id: 4.3 bytes per row read; maxBytesPerRow leaves room
	// for the encoding and the bids waiting for their auctions.
	const events, maxBytesPerRow = 200_000, 12
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
	// Every auction is kept (at least its key, row id and the columns
	// read) ...
	if auctions := int64(events / 50 * 3); last.bytes < auctions*40 {
		t.Errorf("after %d auctions the join keeps %d bytes: less than the auctions read", auctions, last.bytes)
	}
	for _, s := range samples {
		// ... and once, and almost no bid.
		if s.bytes > s.hi*maxBytesPerRow {
			t.Errorf("after %d to %d rows the join keeps %d bytes, %d per row: more than the bound of %d", s.lo, s.hi, s.bytes, s.bytes/s.hi, maxBytesPerRow)
		}
	}
	t.Logf("%d samples: %d rows, %d bytes of state (%d per row); first sample %d to %d rows, %d bytes",
		len(samples), last.lo, last.bytes, last.bytes/last.lo, samples[0].lo, samples[0].hi, samples[0].bytes)
}
