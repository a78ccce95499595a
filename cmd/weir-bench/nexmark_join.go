package main

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/weir-stream/weir/internal/nexmarkq"
)

// nexmarkJoinQueries are the Nexmark queries beyond q0–q2, as
// internal/nexmarkq has them; the windowed ones read streams that declare
// a watermark on date_time, the processing-time ones (q12) a p_time column.
var nexmarkJoinQueries = func() []nexmarkQuery {
	var out []nexmarkQuery
	for _, q := range nexmarkq.Queries {
		out = append(out, nexmarkQuery{name: q.Name, sql: q.SQL, published: q.Published})
	}
	for _, q := range nexmarkq.Windowed {
		out = append(out, nexmarkQuery{name: q.Name, sql: q.SQL, published: q.Published, watermark: true})
	}
	for _, q := range nexmarkq.ProcTime {
		out = append(out, nexmarkQuery{name: q.Name, sql: q.SQL, published: q.Published, procTime: true})
	}
	return out
}()

// nexmarkJoinGenerated runs q, a query over the person, auction and bid
// streams of one bounded event sequence of events events, as a blackhole
// subscription, and reports events per second (every kind counted, as the
// published figures count them, though each query reads one or two of the
// three streams), the peak heap and the bytes of the subscription's state
// at the end.
func nexmarkJoinGenerated(ctx context.Context, q nexmarkQuery, events int64) (figure, error) {
	b, err := openBenchEngine(ctx)
	if err != nil {
		return figure{}, err
	}
	defer b.Close(ctx)
	columns := ""
	switch {
	case q.watermark:
		columns = " (" + nexmarkq.Watermark + ")"
	case q.procTime:
		columns = " (" + nexmarkq.ProcTimeColumn + ")"
	}
	for _, t := range []string{"person", "auction", "bid"} {
		if err := b.sess.Exec(ctx, fmt.Sprintf(`CREATE STREAM %s%s WITH (connector = 'nexmark', nexmark.table = '%s', nexmark.events.total = '%d')`, t, columns, t, events)); err != nil {
			return figure{}, err
		}
	}
	if err := b.sess.Exec(ctx, nexmarkq.CountChar); err != nil {
		return figure{}, err
	}
	heap := startHeapSampler(10 * time.Millisecond)
	var out atomic.Int64
	sw := startStopwatch()
	sub, err := b.eng.Subscribe(ctx, q.sql, countRows(&out))
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
