package weir_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir"
	"github.com/weir-stream/weir/exec"
)

// An engine in memory: create a table and a view, insert, and read the
// view's rows as Go values.
func Example() {
	ctx := context.Background()
	cfg := weir.DefaultConfig()
	cfg.State.BackendType = "memory"
	e, err := weir.Open(ctx, cfg)
	if err != nil {
		panic(err)
	}
	defer e.Close(ctx)
	err = e.Exec(ctx, `
		CREATE TABLE orders (id BIGINT PRIMARY KEY, user_id INT, amount NUMERIC(10, 2));
		CREATE MATERIALIZED VIEW totals AS SELECT user_id, count(*) AS n, sum(amount) AS total FROM orders GROUP BY user_id;
		INSERT INTO orders VALUES (1, 7, 10.50), (2, 7, 4.25), (3, 9, 1.00);
		FLUSH`)
	if err != nil {
		panic(err)
	}
	res, err := e.Query(ctx, `SELECT * FROM totals ORDER BY user_id`)
	if err != nil {
		panic(err)
	}
	rows, err := res.Values()
	if err != nil {
		panic(err)
	}
	for _, r := range rows {
		fmt.Println(r...)
	}
	// Output:
	// 7 2 14.75
	// 9 1 1.00
}

// Query results are Arrow record batches; Values is the shortcut to Go
// values.
func ExampleEngine_Query() {
	ctx := context.Background()
	cfg := weir.DefaultConfig()
	cfg.State.BackendType = "memory"
	e, err := weir.Open(ctx, cfg)
	if err != nil {
		panic(err)
	}
	defer e.Close(ctx)
	if err := e.Exec(ctx, `CREATE TABLE t (k INT PRIMARY KEY, name VARCHAR); INSERT INTO t VALUES (1, 'one'), (2, 'two'); FLUSH`); err != nil {
		panic(err)
	}
	res, err := e.Query(ctx, `SELECT k, name FROM t ORDER BY k`)
	if err != nil {
		panic(err)
	}
	defer res.Rows.Release()
	for res.Rows.Next() {
		batch := res.Rows.RecordBatch()
		names := batch.Column(1).(*array.String)
		for i := range int(batch.NumRows()) {
			fmt.Println(res.Columns[1].Name, names.Value(i))
		}
	}
	// Output:
	// name one
	// name two
}

// Subscribe runs a streaming query whose changes go to a function: here
// the number of bids per auction parity, over a bounded Nexmark stream.
func ExampleEngine_Subscribe() {
	ctx := context.Background()
	cfg := weir.DefaultConfig()
	cfg.State.BackendType = "memory"
	e, err := weir.Open(ctx, cfg)
	if err != nil {
		panic(err)
	}
	defer e.Close(ctx)
	if err := e.Exec(ctx, `CREATE STREAM bid WITH (connector = 'nexmark', nexmark.table = 'bid', nexmark.events.total = '1000')`); err != nil {
		panic(err)
	}
	var rows atomic.Int64
	sub, err := e.Subscribe(ctx, `SELECT auction, price FROM bid WHERE price > 0`, func(_ context.Context, c exec.Chunk) error {
		rows.Add(int64(c.NumRows()))
		return nil
	})
	if err != nil {
		panic(err)
	}
	defer sub.Close(ctx)
	// The stream is bounded: once the source has read it all (no lag), a
	// checkpoint covers every change.
	for sub.Progress().Lag != 0 {
		if err := e.Checkpoint(ctx); err != nil {
			panic(err)
		}
	}
	if err := e.Checkpoint(ctx); err != nil {
		panic(err)
	}
	fmt.Println("bids:", rows.Load())
	// Output:
	// bids: 920
}

// Process runs a custom Go step with checkpointed state: the largest bid
// seen per auction of a CSV file stream, kept in a TypedState, survives a
// restart, and the step resumes after the last record it saw.
func ExampleEngine_Process() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "weir-example-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	bids := filepath.Join(dir, "bids.csv")
	if err := os.WriteFile(bids, []byte("auction,price\n10,100\n10,250\n11,70\n"), 0o644); err != nil {
		panic(err)
	}
	cfg := weir.DefaultConfig()
	cfg.Server.DataDir = filepath.Join(dir, "data")
	cfg.Server.FileRoots = []string{dir} // the file connector reaches only these directories
	cfg.State.CheckpointIntervalMS = 50

	// highest keeps the largest price per auction in the processor's state.
	var state *weir.State
	highest := func(_ context.Context, c exec.Chunk, st *weir.State) error {
		state = st
		top := weir.Typed[int64](st)
		auctions := c.Batch.Column(0).(*array.Int64)
		prices := c.Batch.Column(1).(*array.Int64)
		for i := range c.NumRows() {
			key := fmt.Sprint(auctions.Value(i))
			old, _, err := top.Get(key)
			if err != nil {
				return err
			}
			if prices.Value(i) > old {
				if err := top.Put(key, prices.Value(i)); err != nil {
					return err
				}
			}
		}
		return nil
	}
	// runOnce opens the engine, runs the processor until it has read the
	// file, prints the state, and closes everything.
	runOnce := func(create bool) {
		e, err := weir.Open(ctx, cfg)
		if err != nil {
			panic(err)
		}
		defer e.Close(ctx)
		if create {
			if err := e.Exec(ctx, fmt.Sprintf(`CREATE STREAM bids (auction BIGINT, price BIGINT) WITH (connector = 'file', path = '%s', format = 'csv')`, bids)); err != nil {
				panic(err)
			}
		}
		p, err := e.Process(ctx, "highest_bid", `SELECT auction, price FROM bids`, highest)
		if err != nil {
			panic(err)
		}
		if err := e.Checkpoint(ctx); err != nil {
			panic(err)
		}
		if err := p.Close(ctx); err != nil {
			panic(err)
		}
		for _, auction := range []string{"10", "11"} {
			v, _, err := weir.Typed[int64](state).Get(auction)
			if err != nil {
				panic(err)
			}
			fmt.Println("auction", auction, "highest", v)
		}
	}
	runOnce(true)
	// More bids arrive while weir is down; after the restart the processor
	// reads only them, and keeps its state.
	f, err := os.OpenFile(bids, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		panic(err)
	}
	f.WriteString("10,200\n11,90\n")
	f.Close()
	runOnce(false)
	// Output:
	// auction 10 highest 250
	// auction 11 highest 70
	// auction 10 highest 250
	// auction 11 highest 90
}
