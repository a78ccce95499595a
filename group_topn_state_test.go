package weir_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/weir-stream/weir/exec"
)

// TestGroupTopNStateBound runs a per-group top-N (the three highest bids
// of each of ten partitions) over an append-only stream, the bids of the
// Nexmark generator, for many epochs and samples the bytes of its state.
//
// A row of an append-only partition pushed past its first hi rows can
// never come back (nothing ranked before it is ever retracted), so the
// top-N keeps no more than partitions*hi rows in state, whatever it has
// read: the state stays within partitions*hi*maxBytesPerRow bytes at every
// sample, although the input grows to a hundred thousand rows, and holds
// every partition's rows once they are full.
func TestGroupTopNStateBound(t *testing.T) {
	// A row is four BIGINTs (auction, price, the partition and the hidden
	// row id); with the partition, sort key and row id in the state key it
	// takes about 80 bytes.
	const events, partitions, hi, maxBytesPerRow = 100_000, 10, 3, 110
	ctx := context.Background()
	cfg := memoryConfig()
	cfg.State.CheckpointIntervalMS = 20
	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	mustExec(t, conn, fmt.Sprintf(`CREATE STREAM bid WITH (connector = 'nexmark', nexmark.table = 'bid', nexmark.events.total = '%d', nexmark.events.per.second = '40000', nexmark.batch.rows = '500')`, events))
	q := fmt.Sprintf(`SELECT * FROM (SELECT auction, price, p, ROW_NUMBER() OVER (PARTITION BY p ORDER BY price DESC) AS rn
		FROM (SELECT auction, price, auction %% %d AS p FROM bid) AS b) AS t WHERE rn <= %d`, partitions, hi)
	sub, err := ts.eng.Subscribe(ctx, q, func(context.Context, exec.Chunk) error { return nil })
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
	bound := int64(partitions * hi * maxBytesPerRow)
	for _, s := range samples {
		if s.bytes > bound {
			t.Errorf("after %d rows the top-N keeps %d bytes of state: more than %d rows of %d bytes", s.rows, s.bytes, partitions*hi, maxBytesPerRow)
		}
	}
	if last.bytes < partitions*hi*40 {
		t.Errorf("after %d rows the top-N keeps %d bytes of state: less than its %d rows", last.rows, last.bytes, partitions*hi)
	}
	t.Logf("%d samples: %d rows read, %d bytes of state at the end; at most %d bytes", len(samples), last.rows, last.bytes, bound)
}
