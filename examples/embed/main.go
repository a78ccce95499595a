// Command embed runs weir inside a Go program: it opens an engine with its
// state in a temporary directory, reads a bounded Nexmark stream into a
// view, keeps a custom Go step's state (the top bidder per auction) next to
// it, checkpoints, and prints what both hold.
//
//	go run -tags duckdb_arrow ./examples/embed
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir"
	"github.com/weir-stream/weir/exec"
)

func main() {
	if err := run(context.Background()); err != nil {
		log.Fatal(err)
	}
}

// topBid is the state the custom step keeps per auction.
type topBid struct {
	Bidder int64 `json:"bidder"`
	Price  int64 `json:"price"`
}

func run(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "weir-embed-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg := weir.DefaultConfig()
	cfg.Server.DataDir = filepath.Join(dir, "data")
	cfg.State.CheckpointIntervalMS = 100
	e, err := weir.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer e.Close(ctx)

	if err := e.Exec(ctx, `
		CREATE STREAM bid WITH (connector = 'nexmark', nexmark.table = 'bid', nexmark.events.total = '5000');
		CREATE MATERIALIZED VIEW bids_per_auction AS SELECT auction, count(*) AS n FROM bid GROUP BY auction`); err != nil {
		return err
	}
	// A custom step with checkpointed state: the highest bid of each
	// auction, and who made it.
	var auctions []int64
	proc, err := e.Process(ctx, "top_bidder", `SELECT auction, bidder, price FROM bid`,
		func(_ context.Context, c exec.Chunk, st *weir.State) error {
			top := weir.Typed[topBid](st)
			auction := c.Batch.Column(0).(*array.Int64)
			bidder := c.Batch.Column(1).(*array.Int64)
			price := c.Batch.Column(2).(*array.Int64)
			for i := range c.NumRows() {
				key := fmt.Sprint(auction.Value(i))
				best, ok, err := top.Get(key)
				if err != nil {
					return err
				}
				if !ok {
					auctions = append(auctions, auction.Value(i))
				}
				if price.Value(i) > best.Price {
					if err := top.Put(key, topBid{Bidder: bidder.Value(i), Price: price.Value(i)}); err != nil {
						return err
					}
				}
			}
			return nil
		})
	if err != nil {
		return err
	}
	// Let the bounded stream run out, then checkpoint.
	deadline := time.Now().Add(time.Minute)
	for {
		if err := e.Checkpoint(ctx); err != nil {
			return err
		}
		res, err := e.Query(ctx, `SELECT sum(n) FROM bids_per_auction`)
		if err != nil {
			return err
		}
		rows, err := res.Values()
		if err != nil {
			return err
		}
		// sum of a bigint is a numeric, which comes as its decimal text;
		// 46 of every 50 events are bids.
		if fmt.Sprint(rows[0][0]) == "4600" {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the view holds %v bids, not the stream's 4600", rows[0][0])
		}
	}
	if err := e.Checkpoint(ctx); err != nil {
		return err
	}
	if err := proc.Close(ctx); err != nil {
		return err
	}
	res, err := e.Query(ctx, `SELECT count(*), max(n) FROM bids_per_auction`)
	if err != nil {
		return err
	}
	rows, err := res.Values()
	if err != nil {
		return err
	}
	fmt.Printf("auctions with bids: %v, most bids on one auction: %v\n", rows[0][0], rows[0][1])
	fmt.Printf("the custom step saw %d auctions\n", len(auctions))
	return nil
}
