package weir_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/weir-stream/weir/exec"
)

// TestTopNStateBound runs a top-N over an append-only stream (the bids of
// the Nexmark generator) for many epochs and samples the bytes of its
// state.
//
// A row of an append-only input that falls out of the first offset+limit
// rows can never come back into the window (nothing ranked before it is
// ever retracted), so the top-N keeps no more than offset+limit rows in
// state, whatever it has read: the state stays within
// (offset+limit)*maxBytesPerRow bytes at every sample, although the input
// grows to a hundred thousand rows, and it holds the whole window once
// offset+limit rows have been read.
func TestTopNStateBound(t *testing.T) {
	// A row of the query is three BIGINTs; with its sort key and hidden
	// row id in the state key it takes about 62 bytes. The bound leaves
	// room for longer varints, not for the spare rows beyond the window
	// that a top-N over a retracting input caches.
	const events, offset, limit, maxBytesPerRow = 100_000, 5, 10, 80
	ctx := context.Background()
	cfg := memoryConfig()
	cfg.State.CheckpointIntervalMS = 20
	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	mustExec(t, conn, fmt.Sprintf(`CREATE STREAM bid WITH (connector = 'nexmark', nexmark.table = 'bid', nexmark.events.total = '%d', nexmark.events.per.second = '40000', nexmark.batch.rows = '500')`, events))
	sub, err := ts.eng.Subscribe(ctx, fmt.Sprintf(`SELECT auction, bidder, price FROM bid ORDER BY price DESC LIMIT %d OFFSET %d`, limit, offset), func(context.Context, exec.Chunk) error { return nil })
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
	type sample struct{ rows, bytes int64 }
	var samples []sample
	deadline := time.Now().Add(60 * time.Second)
	for {
		rows, done := read()
		mustExec(t, conn, "FLUSH")
		bytes, err := sub.StateBytes()
		if err != nil {
			t.Fatal(err)
		}
		if rows > 0 {
			samples = append(samples, sample{rows, bytes})
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("read %d rows in 60s", rows)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(samples) < 5 {
		t.Fatalf("%d samples; the test wants the top-N sampled over many epochs", len(samples))
	}
	last := samples[len(samples)-1]
	if want := int64(events / 50 * 46); last.rows != want {
		t.Fatalf("the top-N read %d rows, want the %d bids of %d events", last.rows, want, events)
	}
	for _, s := range samples {
		if s.bytes > (offset+limit)*maxBytesPerRow {
			t.Errorf("after %d rows the top-N keeps %d bytes of state: more than %d rows of %d bytes", s.rows, s.bytes, offset+limit, maxBytesPerRow)
		}
	}
	// The rows of the window and those ranked before it are all kept.
	if last.bytes < (offset+limit)*40 {
		t.Errorf("after %d rows the top-N keeps %d bytes of state: less than its %d rows", last.rows, last.bytes, offset+limit)
	}
	t.Logf("%d samples: %d rows read, %d bytes of state at the end; at most %d bytes", len(samples), last.rows, last.bytes, maxBytesPerRow*(offset+limit))
}
