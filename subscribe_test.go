package weir_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/exec"
)

// TestSubscribe runs streaming queries that keep no output over a bounded
// nexmark stream: a filter and projection whose rows are counted (a
// blackhole), and an aggregate whose final changes equal the view's rows.
func TestSubscribe(t *testing.T) {
	ctx := context.Background()
	ts := startServer(t, memoryConfig())
	eng, conn := ts.eng, connect(t, ts.dsn)
	run := func(q string) {
		t.Helper()
		mustExec(t, conn, q)
	}
	// 10000 events: 9200 bids.
	run(`CREATE STREAM bid WITH (connector = 'nexmark', nexmark.table = 'bid', nexmark.events.total = '10000')`)
	run(`CREATE MATERIALIZED VIEW evens AS SELECT count(*) AS n FROM bid WHERE auction % 2 = 0`)
	run(`CREATE MATERIALIZED VIEW per_auction AS SELECT auction % 10 AS a, count(*) AS n FROM bid GROUP BY auction % 10`)

	var mu sync.Mutex
	rows, inserts := 0, map[int64]int64{}
	q2, err := eng.Subscribe(ctx, `SELECT auction, price FROM bid WHERE auction % 2 = 0`, func(_ context.Context, c exec.Chunk) error {
		mu.Lock()
		rows += c.NumRows()
		mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	agg, err := eng.Subscribe(ctx, `SELECT auction % 10 AS a, count(*) AS n FROM bid GROUP BY auction % 10`, func(_ context.Context, c exec.Chunk) error {
		a := c.Batch.Column(0).(*array.Int64)
		n := c.Batch.Column(1).(*array.Int64)
		mu.Lock()
		defer mu.Unlock()
		for i := range c.NumRows() {
			if c.Ops[i] == exec.Insert || c.Ops[i] == exec.UpdateInsert {
				inserts[a.Value(i)] = n.Value(i)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	deadline := time.Now().Add(20 * time.Second)
	for {
		run(`FLUSH`)
		want = queryText(t, conn, `SELECT a, n FROM per_auction ORDER BY a`)
		var got []string
		var total int64
		mu.Lock()
		for a := range int64(10) {
			if n, ok := inserts[a]; ok {
				got = append(got, fmt.Sprintf("%d %d", a, n))
				total += n
			}
		}
		mu.Unlock()
		mu.Lock()
		passed := fmt.Sprint(rows)
		mu.Unlock()
		if total == 9200 && fmt.Sprint(got) == fmt.Sprint(want) && queryText(t, conn, `SELECT n FROM evens`)[0] == passed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the aggregate subscription's rows %v never matched the view's %v", got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(want) != 10 {
		t.Errorf("view has %d groups, want 10", len(want))
	}
	if err := q2.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := agg.Close(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if rows == 0 || rows >= 9200 {
		t.Errorf("the filter passed %d of 9200 bids", rows)
	}
	if _, err := eng.Subscribe(ctx, `SELECT a FROM per_auction`, nil); err == nil {
		t.Error("a subscription over a view was accepted")
	}
}
