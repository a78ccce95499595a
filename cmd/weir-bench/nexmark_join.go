package main

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
)

// nexmarkJoinQueries are the Nexmark queries over several streams (%[1]s
// person, %[2]s auction, %[3]s bid), in RisingWave's dialect, with the
// published per-core figures of ../shared/nexmark.md.
var nexmarkJoinQueries = []nexmarkQuery{
	{"q3", `SELECT P.name, P.city, P.state, A.id FROM %[2]s A JOIN %[1]s P ON A.seller = P.id
		WHERE A.category = 10 AND (P.state = 'or' OR P.state = 'id' OR P.state = 'ca')`,
		"Flink 152K, RisingWave 97K, Feldera 413K, DBSP 804K"},
	{"q4", `SELECT Q.category, AVG(Q.final) AS avg FROM (
		SELECT MAX(B.price) AS final, A.category FROM %[2]s A, %[3]s B
		WHERE A.id = B.auction AND B.date_time BETWEEN A.date_time AND A.expires
		GROUP BY A.id, A.category) Q
		GROUP BY Q.category`,
		"Flink 34K, RisingWave 14K, Feldera 265K"},
	{"q20", `SELECT auction, bidder, price, channel, url, B.date_time AS bid_date_time, B.extra AS bid_extra,
		item_name, description, initial_bid, reserve, A.date_time AS auction_date_time, expires, seller, category, A.extra AS auction_extra
		FROM %[3]s AS B INNER JOIN %[2]s AS A ON B.auction = A.id
		WHERE A.category = 10`,
		"no published figure"},
}

// nexmarkJoinGenerated runs q, a query over the person, auction and bid
// streams of one bounded event sequence of events events, as a blackhole
// subscription, and reports events per second (every kind counted, as the
// published figures count them, though each query reads two of the three
// streams), the peak heap and the bytes of the subscription's state at the
// end.
func nexmarkJoinGenerated(ctx context.Context, q nexmarkQuery, events int64) (figure, error) {
	b, err := openBenchEngine(ctx)
	if err != nil {
		return figure{}, err
	}
	defer b.Close(ctx)
	for _, t := range []string{"person", "auction", "bid"} {
		if err := b.sess.Exec(ctx, fmt.Sprintf(`CREATE STREAM %s WITH (connector = 'nexmark', nexmark.table = '%s', nexmark.events.total = '%d')`, t, t, events)); err != nil {
			return figure{}, err
		}
	}
	heap := startHeapSampler(10 * time.Millisecond)
	var out atomic.Int64
	sw := startStopwatch()
	sub, err := b.eng.Subscribe(ctx, fmt.Sprintf(q.sql, "person", "auction", "bid"), countRows(&out))
	if err != nil {
		heap.stop()
		return figure{}, err
	}
	defer sub.Close(ctx)
	deadline := time.Now().Add(20 * time.Minute)
	for {
		srcs := sub.Sources()
		done := len(srcs) > 0
		for _, p := range srcs {
			done = done && p.Lag == 0
		}
		if done {
			break
		}
		select {
		case <-sub.Done():
			heap.stop()
			return figure{}, fmt.Errorf("nexmark %s stopped: %v", q.name, sub.Err())
		default:
		}
		if time.Now().After(deadline) {
			heap.stop()
			return figure{}, fmt.Errorf("nexmark %s: sources %+v after 20 minutes", q.name, srcs)
		}
		time.Sleep(time.Millisecond)
	}
	if err := b.eng.Flush(ctx); err != nil {
		heap.stop()
		return figure{}, err
	}
	wall, cpu := sw.stop()
	peak := heap.stop()
	var rows []string
	for _, p := range sub.Sources() {
		rows = append(rows, fmt.Sprint(p.Rows))
	}
	state, err := sub.StateBytes()
	if err != nil {
		return figure{}, err
	}
	f := newFigure("nexmark", "weir "+q.name+", generator → blackhole", events, wall, cpu)
	f.PeakHeapBytes = peak
	f.Note = fmt.Sprintf("rows = %d events (rows read from each stream: %s), %d rows out, %.1f MiB of join/aggregate state at the end; published events/s per core: %s",
		events, strings.Join(rows, ", "), out.Load(), float64(state)/(1<<20), q.published)
	return f, nil
}
