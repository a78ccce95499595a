package main

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/weir-stream/weir"
	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/connector/nexmark"
)

// nexmarkQuery is a Nexmark query the engine can plan, with the published
// per-core figures of ../shared/nexmark.md (events per second per core).
type nexmarkQuery struct {
	name, sql string
	published string
	// watermark makes the streams the query reads declare
	// nexmarkq.Watermark; procTime, nexmarkq.ProcTimeColumn.
	watermark, procTime bool
}

var nexmarkQueries = []nexmarkQuery{
	{name: "q0", sql: "SELECT auction, bidder, price, date_time FROM %s",
		published: "Flink 155K, RisingWave 118K, Feldera 436K, DBSP 936K"},
	{name: "q1", sql: "SELECT auction, bidder, 0.908 * price AS price, date_time FROM %s",
		published: "Flink 158K, RisingWave 119K, Feldera 412K, DBSP 856K"},
	{name: "q2", sql: "SELECT auction, price FROM %s WHERE auction = 1007 OR auction = 1020 OR auction = 2001 OR auction = 2019 OR auction = 2087",
		published: "Flink 175K, RisingWave 127K, Feldera 422K, DBSP 874K"},
}

// nexmarkBids returns how many of the first events Nexmark events are bids
// (46 of every 50, after 1 person and 3 auctions).
func nexmarkBids(events int64) int64 {
	return events/50*46 + max(0, events%50-4)
}

// nexmarkBench runs q0–q2 as blackhole subscriptions over the generator
// (sz.nexmark events), q3, q4 and q20 likewise over its three streams
// (sz.nexmarkJoin events), q0–q2 over Kafka JSON records of generated bids
// (sz.nexmarkKafka events), and measures latency on a paced generator.
func nexmarkBench(ctx context.Context, sz sizes, log func(string, ...any)) ([]figure, error) {
	events, kafkaEvents := sz.nexmark, sz.nexmarkKafka
	var figs []figure
	for _, q := range nexmarkQueries {
		if len(sz.queries) > 0 && !slices.Contains(sz.queries, q.name) {
			continue
		}
		log("nexmark %s: %d generated events", q.name, events)
		f, err := nexmarkGenerated(ctx, q, events)
		if err != nil {
			return figs, err
		}
		figs = append(figs, f)
	}
	for _, q := range nexmarkJoinQueries {
		if len(sz.queries) > 0 && !slices.Contains(sz.queries, q.name) {
			continue
		}
		log("nexmark %s: %d generated events", q.name, sz.nexmarkJoin)
		f, err := nexmarkJoinGenerated(ctx, q, sz.nexmarkJoin)
		if err != nil {
			return figs, err
		}
		figs = append(figs, f)
	}
	if len(sz.queries) > 0 {
		return figs, nil
	}
	log("nexmark q0 latency: paced generator")
	f, err := nexmarkLatency(ctx, nexmarkQueries[0], sz.latencyRate, sz.latencyFor)
	if err != nil {
		return figs, err
	}
	figs = append(figs, f)
	log("nexmark via Kafka: producing %d events' bids as JSON into kfake", kafkaEvents)
	kf, err := nexmarkKafka(ctx, kafkaEvents, log)
	figs = append(figs, kf...)
	return figs, err
}

// runBlackhole subscribes q over stream on b's engine, waits until its
// source has read want rows and an epoch has committed after that, and
// returns the wall and CPU seconds it took.
func runBlackhole(ctx context.Context, b *benchEngine, q nexmarkQuery, stream string, want int64, fn weir.ChunkFunc) (wall, cpu float64, err error) {
	if fn == nil {
		fn = func(context.Context, exec.Chunk) error { return nil }
	}
	sw := startStopwatch()
	sub, err := b.eng.Subscribe(ctx, fmt.Sprintf(q.sql, stream), fn)
	if err != nil {
		return 0, 0, err
	}
	defer sub.Close(ctx)
	deadline := time.Now().Add(10 * time.Minute)
	for sub.Progress().Rows < want {
		select {
		case <-sub.Done():
			return 0, 0, fmt.Errorf("nexmark %s stopped: %v", q.name, sub.Err())
		default:
		}
		if time.Now().After(deadline) {
			return 0, 0, fmt.Errorf("nexmark %s: read %d of %d rows in 10 minutes", q.name, sub.Progress().Rows, want)
		}
		time.Sleep(time.Millisecond)
	}
	if err := b.eng.Flush(ctx); err != nil {
		return 0, 0, err
	}
	wall, cpu = sw.stop()
	if got := sub.Progress().Rows; got != want {
		return 0, 0, fmt.Errorf("nexmark %s: read %d rows, want %d", q.name, got, want)
	}
	return wall, cpu, nil
}

// nexmarkGenerated runs q over a bounded bid stream of events events.
func nexmarkGenerated(ctx context.Context, q nexmarkQuery, events int64) (figure, error) {
	b, err := openBenchEngine(ctx)
	if err != nil {
		return figure{}, err
	}
	defer b.Close(ctx)
	if err := b.sess.Exec(ctx, fmt.Sprintf(`CREATE STREAM bid WITH (connector = 'nexmark', nexmark.table = 'bid', nexmark.events.total = '%d')`, events)); err != nil {
		return figure{}, err
	}
	heap := startHeapSampler(10 * time.Millisecond)
	var out atomic.Int64
	wall, cpu, err := runBlackhole(ctx, b, q, "bid", nexmarkBids(events), countRows(&out))
	peak := heap.stop()
	if err != nil {
		return figure{}, err
	}
	// Rows are the bids read: the other 8% of the events are generated
	// only as far as the bids need them, so counting them would flatter.
	f := newFigure("nexmark", "weir "+q.name+", generator → blackhole", nexmarkBids(events), wall, cpu)
	f.PeakHeapBytes = peak
	f.Note = fmt.Sprintf("rows = the bids of %d events (nexmark.events.total), %d rows out; published events/s per core: %s", events, out.Load(), q.published)
	return f, nil
}

// nexmarkLatency runs q over a generator paced at rate events per second
// for d, and measures, for each row reaching the blackhole, the time since
// the event was due: the pacer makes event i due i/rate seconds after the
// source opened, and its date_time is i/rate seconds after the base time.
func nexmarkLatency(ctx context.Context, q nexmarkQuery, rate int64, d time.Duration) (figure, error) {
	b, err := openBenchEngine(ctx)
	if err != nil {
		return figure{}, err
	}
	defer b.Close(ctx)
	events := rate * int64(d) / int64(time.Second)
	if err := b.sess.Exec(ctx, fmt.Sprintf(`CREATE STREAM bid WITH (connector = 'nexmark', nexmark.table = 'bid', nexmark.events.total = '%d', nexmark.events.per.second = '%d')`, events, rate)); err != nil {
		return figure{}, err
	}
	var mu sync.Mutex
	var lat []time.Duration
	start := time.Now() // the source opens just after: latencies err high by that
	wall, cpu, err := runBlackhole(ctx, b, q, "bid", nexmarkBids(events), func(_ context.Context, c exec.Chunk) error {
		ts, ok := c.Batch.Column(3).(*array.Timestamp)
		if !ok {
			return fmt.Errorf("nexmark latency: column 3 is %s, want the bid's date_time", c.Batch.Column(3).DataType())
		}
		now := time.Now()
		mu.Lock()
		defer mu.Unlock()
		for i := 0; i < ts.Len(); i += 16 {
			due := start.Add(time.Duration(int64(ts.Value(i))-nexmark.BaseTimeMicros) * time.Microsecond)
			lat = append(lat, now.Sub(due))
		}
		return nil
	})
	if err != nil {
		return figure{}, err
	}
	f := newFigure("nexmark", "weir "+q.name+" latency, paced generator", nexmarkBids(events), wall, cpu)
	mu.Lock()
	f.P50Micros, f.P99Micros = latencies(lat)
	mu.Unlock()
	f.Note = fmt.Sprintf("%d events/s for %s; latency from when an event is due at the source to its row reaching the blackhole, every 16th row", rate, d)
	return f, nil
}

// nexmarkKafka writes the bids of events generated events as JSON records
// into an in-process kfake topic (untimed), then runs q0–q2 over a Kafka
// stream of them.
func nexmarkKafka(ctx context.Context, events int64, log func(string, ...any)) ([]figure, error) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "bid"))
	if err != nil {
		return nil, err
	}
	defer cluster.Close()
	b, err := openBenchEngine(ctx)
	if err != nil {
		return nil, err
	}
	defer b.Close(ctx)
	bids := nexmarkBids(events)
	if err := b.sess.Exec(ctx, fmt.Sprintf(`CREATE STREAM gen WITH (connector = 'nexmark', nexmark.table = 'bid', nexmark.events.total = '%d')`, events)); err != nil {
		return nil, err
	}
	bytes, err := produceBids(ctx, b, cluster, bids)
	if err != nil {
		return nil, err
	}
	if err := b.sess.Exec(ctx, fmt.Sprintf(`CREATE STREAM bid (auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR, date_time TIMESTAMP, extra VARCHAR)
		WITH (connector = 'kafka', topic = 'bid', brokers = '%s', format = 'json', scan.startup.mode = 'earliest')`, cluster.ListenAddrs()[0])); err != nil {
		return nil, err
	}
	var figs []figure
	for _, q := range nexmarkQueries {
		log("nexmark %s: %d bids from Kafka", q.name, bids)
		heap := startHeapSampler(10 * time.Millisecond)
		var kafkaOut, genOut atomic.Int64
		wall, cpu, err := runBlackhole(ctx, b, q, "bid", bids, countRows(&kafkaOut))
		peak := heap.stop()
		if err != nil {
			return figs, err
		}
		// The same query over the generated bids (untimed) must give as
		// many rows: the JSON round trip loses nothing.
		if _, _, err := runBlackhole(ctx, b, q, "gen", bids, countRows(&genOut)); err != nil {
			return figs, err
		}
		if kafkaOut.Load() != genOut.Load() {
			return figs, fmt.Errorf("nexmark %s: %d rows from Kafka, %d from the generator", q.name, kafkaOut.Load(), genOut.Load())
		}
		f := newFigure("nexmark", "weir "+q.name+", Kafka JSON → blackhole", bids, wall, cpu)
		f.PeakHeapBytes = peak
		f.Note = fmt.Sprintf("rows = bid records (%d bytes of JSON) over 2 partitions of kfake in process (its CPU counts), %d rows out (as many as over the generated bids); published events/s per core: %s", bytes, kafkaOut.Load(), q.published)
		figs = append(figs, f)
	}
	return figs, nil
}

// produceBids reads the bids of stream gen through a subscription and
// writes each as a JSON record into the topic bid. It returns the bytes
// written.
func produceBids(ctx context.Context, b *benchEngine, cluster *kfake.Cluster, bids int64) (int64, error) {
	// kfake refuses batches above its message.max.bytes (1 MiB, checked on
	// the compressed batch): a batch of at most 1 MiB before compression
	// always fits.
	cl, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...), kgo.ProducerBatchMaxBytes(1<<20), kgo.ProducerLinger(5*time.Millisecond))
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	var written atomic.Int64
	var firstErr error
	var mu sync.Mutex
	_, _, err = runBlackhole(ctx, b, nexmarkQuery{name: "export", sql: "SELECT auction, bidder, price, channel, url, date_time, extra FROM %s"}, "gen", bids,
		func(_ context.Context, c exec.Chunk) error {
			// The bench's ctx, not the subscription's: records still
			// buffered when the subscription closes must go out.
			recs := bidRecords(c.Batch)
			for _, r := range recs {
				written.Add(int64(len(r.Value)))
				cl.Produce(ctx, r, func(_ *kgo.Record, err error) {
					if err != nil {
						mu.Lock()
						firstErr = cmp.Or(firstErr, err)
						mu.Unlock()
					}
				})
			}
			return nil
		})
	if err != nil {
		return 0, err
	}
	if err := cl.Flush(ctx); err != nil {
		return 0, err
	}
	mu.Lock()
	defer mu.Unlock()
	return written.Load(), firstErr
}

// countRows returns a ChunkFunc that adds the rows it sees to n.
func countRows(n *atomic.Int64) weir.ChunkFunc {
	return func(_ context.Context, c exec.Chunk) error {
		n.Add(int64(c.NumRows()))
		return nil
	}
}

// bidRecords encodes the rows of a bid batch (auction, bidder, price,
// channel, url, date_time, extra) as JSON records.
func bidRecords(rec arrow.RecordBatch) []*kgo.Record {
	auction := rec.Column(0).(*array.Int64)
	bidder := rec.Column(1).(*array.Int64)
	price := rec.Column(2).(*array.Int64)
	channel := rec.Column(3).(*array.String)
	url := rec.Column(4).(*array.String)
	ts := rec.Column(5).(*array.Timestamp)
	extra := rec.Column(6).(*array.String)
	out := make([]*kgo.Record, rec.NumRows())
	var buf []byte
	for i := range out {
		buf = buf[:0]
		buf = append(buf, `{"auction":`...)
		buf = strconv.AppendInt(buf, auction.Value(i), 10)
		buf = append(buf, `,"bidder":`...)
		buf = strconv.AppendInt(buf, bidder.Value(i), 10)
		buf = append(buf, `,"price":`...)
		buf = strconv.AppendInt(buf, price.Value(i), 10)
		buf = append(buf, `,"channel":`...)
		buf = strconv.AppendQuote(buf, channel.Value(i))
		buf = append(buf, `,"url":`...)
		buf = strconv.AppendQuote(buf, url.Value(i))
		buf = append(buf, `,"date_time":"`...)
		buf = time.UnixMicro(int64(ts.Value(i))).UTC().AppendFormat(buf, "2006-01-02 15:04:05.999999")
		buf = append(buf, `","extra":`...)
		buf = strconv.AppendQuote(buf, extra.Value(i))
		buf = append(buf, '}')
		out[i] = &kgo.Record{Topic: "bid", Value: slices.Clone(buf)}
	}
	return out
}
