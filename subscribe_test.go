package weir_test

import (
	"context"
	"fmt"
	"strings"
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
	// A query a view could not keep is refused as a subscription too:
	// now() outside a temporal filter.
	if _, err := eng.Subscribe(ctx, `SELECT a, now() FROM per_auction`, nil); err == nil || !strings.Contains(err.Error(), "now()") {
		t.Errorf("a subscription reading now() per row: %v, want it refused", err)
	}
}

// TestSubscribeView subscribes to a view's changes: its rows at the start
// (as inserts), then every change as it commits; replaying them gives the
// view. A subscription over a table sees its rows the same way, and Close
// stops both while their upstreams go on.
func TestSubscribeView(t *testing.T) {
	ctx := context.Background()
	ts := startServer(t, memoryConfig())
	eng, conn := ts.eng, connect(t, ts.dsn)
	mustExec(t, conn, `CREATE TABLE t (id BIGINT PRIMARY KEY, g INT)`)
	mustExec(t, conn, `CREATE MATERIALIZED VIEW v AS SELECT g, count(*) AS n FROM t GROUP BY g`)
	mustExec(t, conn, `INSERT INTO t VALUES (1, 1), (2, 1), (3, 2)`)
	mustExec(t, conn, `FLUSH`)

	var mu sync.Mutex
	rows := map[int64]int64{}
	tableRows := 0
	replay := func(_ context.Context, c exec.Chunk) error {
		g := c.Batch.Column(0).(*array.Int32)
		n := c.Batch.Column(1).(*array.Int64)
		mu.Lock()
		defer mu.Unlock()
		for i := range c.NumRows() {
			if c.OpAt(i).IsInsert() {
				rows[int64(g.Value(i))] = n.Value(i)
			} else if rows[int64(g.Value(i))] == n.Value(i) {
				delete(rows, int64(g.Value(i)))
			}
		}
		return nil
	}
	sub, err := eng.Subscribe(ctx, `SELECT g, n FROM v`, replay)
	if err != nil {
		t.Fatal(err)
	}
	tsub, err := eng.Subscribe(ctx, `SELECT id FROM t WHERE g = 1`, func(_ context.Context, c exec.Chunk) error {
		mu.Lock()
		defer mu.Unlock()
		for i := range c.NumRows() {
			tableRows += int(c.OpAt(i).Sign())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, conn, `INSERT INTO t VALUES (4, 2), (5, 3)`)
	mustExec(t, conn, `DELETE FROM t WHERE id = 1`)
	mustExec(t, conn, `UPDATE t SET g = 3 WHERE id = 2`)
	mustExec(t, conn, `FLUSH`)
	mu.Lock()
	got, gotTable := fmt.Sprint(rows), tableRows
	mu.Unlock()
	if want := "map[2:2 3:2]"; got != want {
		t.Errorf("replayed subscription: %s, want %s (the view: %v)", got, want, queryText(t, conn, `SELECT * FROM v ORDER BY g`))
	}
	if gotTable != 0 {
		t.Errorf("rows of t with g = 1 by the table subscription: %d, want 0", gotTable)
	}
	if err := sub.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := tsub.Close(ctx); err != nil {
		t.Fatal(err)
	}
	mustExec(t, conn, `INSERT INTO t VALUES (6, 1)`)
	mustExec(t, conn, `FLUSH`)
	if got := queryText(t, conn, `SELECT * FROM v ORDER BY g`); fmt.Sprint(got) != "[1 1 2 2 3 2]" {
		t.Errorf("the view after the subscriptions closed: %v", got)
	}
}

// TestSubscribeFailedView: subscribing to a view whose dataflow has failed
// says why, as a query of it does.
func TestSubscribeFailedView(t *testing.T) {
	ts := startServer(t, memoryConfig())
	conn := connect(t, ts.dsn)
	mustExec(t, conn, `CREATE TABLE d (x INT)`)
	mustExec(t, conn, `CREATE MATERIALIZED VIEW inv AS SELECT 10 / x AS q FROM d`)
	mustExec(t, conn, `INSERT INTO d VALUES (0)`)
	_, err := ts.eng.Subscribe(context.Background(), `SELECT q FROM inv`, func(context.Context, exec.Chunk) error { return nil })
	if err == nil || !strings.Contains(err.Error(), `"inv" has failed: division by zero`) {
		t.Fatalf("Subscribe to a failed view: %v", err)
	}
}
