package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/weir-stream/weir"
	"github.com/weir-stream/weir/exec/connector/nexmark"
)

// sinkExactlyOnceGoal is issue 5's bound on the throughput lost to the
// exactly-once Kafka sink.
const sinkExactlyOnceGoal = 0.15

// sinkTopic is the topic the sink benchmarks write q0 to.
const sinkTopic = "q0"

// sinkRun is one run of Nexmark q0 into a Kafka sink.
type sinkRun struct {
	exactlyOnce bool
	wall, cpu   float64 // CREATE SINK until every row is delivered
	records     int64   // read back from the topic with read_committed
	commits     int64   // deliveries (weir_sinks.commits)
	aborts      int64   // aborted deliveries (weir_sinks.aborts)
	checkpoints int64   // checkpoints written in the run
	// lat holds, for the paced runs, each record's time from when its
	// event was due at the source to its read by a read_committed
	// consumer.
	lat []time.Duration
}

// sinkBench measures q0 into a Kafka sink on an in-process kfake cluster,
// with exactly-once on and off: the throughput of a bounded generator of
// sz.sinkEvents events (sz.sinkPairs pairs of runs) and the latency from an
// event to its committed delivery at sz.sinkRate events per second for
// sz.sinkFor.
func sinkBench(ctx context.Context, sz sizes, log func(string, ...any)) ([]figure, error) {
	dir, err := os.MkdirTemp("", "weir-bench-sink-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	log("sink: q0 of %d generated events into Kafka, exactly-once on and off, %d pairs of runs", sz.sinkEvents, sz.sinkPairs)
	figs, err := sinkThroughput(ctx, dir, sz.sinkEvents, sz.sinkPairs, log)
	if err != nil {
		return figs, err
	}
	for _, on := range []bool{true, false} {
		log("sink: latency, %d events/s for %s, exactly-once %s", sz.sinkRate, sz.sinkFor, onOff(on))
		f, err := sinkLatency(ctx, filepath.Join(dir, "latency-"+onOff(on)), sz.sinkRate, sz.sinkFor, on)
		if err != nil {
			return figs, err
		}
		figs = append(figs, f)
	}
	return figs, nil
}

// sinkThroughput times q0 over events generated events into the Kafka
// sink with exactly-once on and off, as checkpointCost does: one untimed
// run, then pairs pairs alternating which mode goes first, each on a fresh
// data directory and a fresh kfake cluster after a GC; each mode's figure
// is its fastest run, and the goal's ratio is theirs.
func sinkThroughput(ctx context.Context, dir string, events int64, pairs int, log func(string, ...any)) ([]figure, error) {
	bids := nexmarkBids(events)
	m, err := alternatingPairs(pairs, func(i int, on bool) (sinkRun, float64, error) {
		name := "warmup"
		if i >= 0 {
			name = fmt.Sprintf("run-%d-%v", i, on)
		}
		r, err := runSink(ctx, filepath.Join(dir, name), events, 0, on)
		if err == nil && i >= 0 {
			log("sink: pair %d, exactly-once %s: %.3f s, %.3f CPU-s, %d deliveries, %d checkpoints", i+1, onOff(on), r.wall, r.cpu, r.commits, r.checkpoints)
		}
		return r, r.wall, err
	})
	if err != nil {
		return nil, err
	}
	figs := make([]figure, 2)
	for i, on := range []bool{true, false} {
		best, walls := m.best[i], m.walls[i]
		f := newFigure("sink", "weir q0, generator → Kafka sink, exactly-once "+onOff(on), bids, best.wall, best.cpu)
		f.Note = fmt.Sprintf("rows = the bids of %d events; from CREATE SINK until every row is delivered (the topic's read_committed end offsets, then weir_sinks.delivered_epoch ≥ the epoch committed once every record was prepared); "+
			"data directory on disk, checkpoints every 1 s (local); kfake in process (its CPU counts); %d records read back with read_committed; "+
			"%d deliveries, %d aborted, %d checkpoints in that run; the fastest of %d runs alternating with the other mode (walls %s, median %.2f)",
			events, best.records, best.commits, best.aborts, best.checkpoints, len(walls), secondsText(walls), median(walls))
		figs[i] = f
	}
	figs[0].compare(figs[1])
	ratio := figs[1].WallSeconds / figs[0].WallSeconds
	figs[0].Goal = &goal{
		Target: fmt.Sprintf("exactly-once costs ≤ %.0f %% of throughput", sinkExactlyOnceGoal*100),
		Measured: fmt.Sprintf("throughput on/off %.3f of the fastest runs: cost %.1f %% (per pair: %s, median %.3f)",
			ratio, (1-ratio)*100, ratiosText(m.ratios), median(m.ratios)),
		Met: 1-ratio <= sinkExactlyOnceGoal,
	}
	return figs, nil
}

// sinkLatency runs q0 over a generator paced at rate events per second for
// d into the Kafka sink, and measures for every record a read_committed
// consumer reads the time since its event was due at the source.
func sinkLatency(ctx context.Context, dataDir string, rate int64, d time.Duration, exactlyOnce bool) (figure, error) {
	events := rate * int64(d) / int64(time.Second)
	r, err := runSink(ctx, dataDir, events, rate, exactlyOnce)
	if err != nil {
		return figure{}, err
	}
	if len(r.lat) == 0 {
		return figure{}, fmt.Errorf("sink latency: no record read at %d events/s for %s", rate, d)
	}
	f := newFigure("sink", "weir q0 latency, paced generator → Kafka sink, exactly-once "+onOff(exactlyOnce), r.records, r.wall, r.cpu)
	f.P50Micros, f.P99Micros = latencies(r.lat)
	f.Note = fmt.Sprintf("%d events/s for %s, checkpoints every 1 s; latency of every record from when its event was due at the source (the generator's date_time is not wall-clock: "+
		"event i is due i/rate s after the source opened) to its read by a read_committed consumer (min %.0f ms, max %.0f ms); %d deliveries, %d checkpoints",
		rate, d, ms(slices.Min(r.lat)), ms(slices.Max(r.lat)), r.commits, r.checkpoints)
	return f, nil
}

// ms returns d in milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// runSink runs q0 over a Nexmark bid stream of events events (paced at
// rate per second; 0 is unpaced) into a Kafka sink on a fresh kfake
// cluster, with a fresh data directory dataDir (removed after) checkpointed
// every second. It is timed from CREATE SINK until weir_sinks shows every
// row delivered (see waitDelivered); then the topic is read back with read_committed and must
// hold each bid once. A paced run reads the topic while it runs and
// records each record's latency.
func runSink(ctx context.Context, dataDir string, events, rate int64, exactlyOnce bool) (sinkRun, error) {
	defer os.RemoveAll(dataDir)
	bids := nexmarkBids(events)
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, sinkTopic))
	if err != nil {
		return sinkRun{}, err
	}
	defer cluster.Close()
	cfg := weir.DefaultConfig()
	cfg.Server.DataDir = dataDir
	cfg.State.BackendType = "local"
	cfg.State.CheckpointIntervalMS = 1000
	b, err := openBenchEngineWith(ctx, cfg)
	if err != nil {
		return sinkRun{}, err
	}
	defer b.Close(ctx)
	pace := ""
	if rate > 0 {
		pace = fmt.Sprintf(", nexmark.events.per.second = '%d'", rate)
	}
	if err := b.sess.Exec(ctx, fmt.Sprintf(`CREATE STREAM bid WITH (connector = 'nexmark', nexmark.table = 'bid', nexmark.events.total = '%d'%s)`, events, pace)); err != nil {
		return sinkRun{}, err
	}
	before, err := b.doneCheckpoints(ctx)
	if err != nil {
		return sinkRun{}, err
	}
	rd, err := newTopicReader(cluster.ListenAddrs(), sinkTopic)
	if err != nil {
		return sinkRun{}, err
	}
	defer rd.close()
	admCl, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...))
	if err != nil {
		return sinkRun{}, err
	}
	defer admCl.Close()
	adm := kadm.NewClient(admCl)
	run := sinkRun{exactlyOnce: exactlyOnce}
	// A paced run reads the topic as it fills. start errs early by the
	// time CREATE SINK takes to open the source: latencies err high by it.
	var (
		reading sync.WaitGroup
		readErr error
		lat     []time.Duration // the reader's until it is done
	)
	rctx, stopRead := context.WithCancel(ctx)
	defer func() {
		stopRead()
		reading.Wait()
	}()
	runtime.GC()
	start := time.Now()
	if rate > 0 {
		reading.Go(func() {
			readErr = rd.readUntil(rctx, func() bool { return rd.records >= bids }, func(value []byte, now time.Time) error {
				due, err := nexmarkDue(value, start)
				if err != nil {
					return err
				}
				lat = append(lat, now.Sub(due))
				return nil
			})
		})
	}
	sw := startStopwatch()
	if err := b.sess.Exec(ctx, fmt.Sprintf(`CREATE SINK q0 AS SELECT auction, bidder, price, date_time FROM bid
		WITH (connector = 'kafka', topic = '%s', brokers = '%s', type = 'append-only', exactly_once = '%t')`,
		sinkTopic, cluster.ListenAddrs()[0], exactlyOnce)); err != nil {
		return run, err
	}
	if err := b.waitDelivered(ctx, adm, sinkTopic, bids, 5*time.Minute); err != nil {
		return run, err
	}
	run.wall, run.cpu = sw.stop()
	st, err := b.queryInt64s(ctx, "SELECT commits, aborts FROM weir_sinks")
	if err != nil || len(st) != 2 {
		return run, fmt.Errorf("sink: weir_sinks: %v %w", st, err)
	}
	run.commits, run.aborts = st[0], st[1]
	after, err := b.doneCheckpoints(ctx)
	if err != nil {
		return run, err
	}
	run.checkpoints = after - before
	if rate > 0 {
		// Every record is delivered: the consumer gets 30 s to read them.
		t := time.AfterFunc(30*time.Second, stopRead)
		reading.Wait()
		t.Stop()
		run.lat = lat
		if readErr != nil {
			return run, fmt.Errorf("sink: the consumer read %d of %d delivered records: %w", rd.records, bids, readErr)
		}
	}
	// Every record delivered is now committed: reading to the end
	// offsets finds the rest (all of it, unpaced) and any duplicate.
	ends, err := rd.endOffsets(ctx)
	if err != nil {
		return run, err
	}
	rctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := rd.readUntil(rctx, func() bool { return rd.reached(ends) }, nil); err != nil {
		return run, fmt.Errorf("sink: reading %s to its end %v: %w", sinkTopic, ends, err)
	}
	run.records = rd.records
	if run.records != bids {
		return run, fmt.Errorf("sink: the topic holds %d committed records, want %d (the bids of %d events)", run.records, bids, events)
	}
	return run, nil
}

// waitDelivered waits until the sink has delivered want records: it
// polls the topic's committed (read_committed) end offsets every 5 ms until
// they add up to want, and then weir_sinks every 10 ms until the sink has
// prepared want records and delivered every epoch committed by then (the
// epochs those records belong to). The end offsets count transaction
// markers too, so they only say when weir_sinks is worth asking: polling it
// all along, through a query, would take a tenth of the CPU.
func (b *benchEngine) waitDelivered(ctx context.Context, adm *kadm.Client, topic string, want int64, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		end, err := committedEnd(ctx, adm, topic)
		if err == nil && end >= want {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("sink: after %s the committed end offsets of %s add up to %d of %d records (%v; weir_sinks error %q)",
				timeout, topic, end, want, err, b.sinkError(ctx))
		}
		time.Sleep(5 * time.Millisecond)
	}
	var target int64 // the committed epoch once every record was prepared
	for {
		got, err := b.queryInt64s(ctx, `SELECT records, delivered_epoch, delivered_epoch + pending_epochs FROM weir_sinks`)
		if err == nil && len(got) == 3 {
			if records, delivered, committed := got[0], got[1], got[2]; target == 0 && records >= want {
				target = committed
			} else if target > 0 && delivered >= target {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("sink: after %s weir_sinks shows (records, delivered_epoch, committed) %v of %d records (%v; error %q)",
				timeout, got, want, err, b.sinkError(ctx))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// committedEnd returns the sum of the last stable offsets of topic's
// partitions: its committed records and transaction markers.
func committedEnd(ctx context.Context, adm *kadm.Client, topic string) (int64, error) {
	listed, err := adm.ListCommittedOffsets(ctx, topic)
	if err == nil {
		err = listed.Error()
	}
	if err != nil {
		return 0, err
	}
	var sum int64
	listed.Each(func(o kadm.ListedOffset) { sum += o.Offset })
	return sum, nil
}

// sinkError returns the error weir_sinks shows, "" for none.
func (b *benchEngine) sinkError(ctx context.Context) string {
	var out []string
	err := b.sess.ExecuteScript(ctx, `SELECT error FROM weir_sinks WHERE error IS NOT NULL`, func(r *weir.Result) error {
		if r.Rows == nil {
			return nil
		}
		defer r.Rows.Release()
		for r.Rows.Next() {
			rec := r.Rows.RecordBatch()
			for i := 0; i < int(rec.NumRows()); i++ {
				out = append(out, rec.Column(0).ValueStr(i))
			}
		}
		return r.Rows.Err()
	})
	if err != nil {
		return err.Error()
	}
	return fmt.Sprint(out)
}

// topicReader reads a topic from its start with read_committed, keeping
// the transaction markers so that it knows how far it has read. It is used
// by one goroutine at a time.
type topicReader struct {
	cl    *kgo.Client
	topic string
	// next is, per partition, the offset after the last record read
	// (data or marker); records counts the data records.
	next    map[int32]int64
	records int64
}

// newTopicReader returns a reader of topic on the brokers at addrs.
func newTopicReader(addrs []string, topic string) (*topicReader, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.KeepControlRecords(),
		kgo.FetchMaxWait(20*time.Millisecond))
	if err != nil {
		return nil, err
	}
	return &topicReader{cl: cl, topic: topic, next: map[int32]int64{}}, nil
}

func (r *topicReader) close() { r.cl.Close() }

// readUntil polls until done (checked before each poll) holds, calling fn,
// when not nil, with each data record's value and the time of its poll.
func (r *topicReader) readUntil(ctx context.Context, done func() bool, fn func(value []byte, now time.Time) error) error {
	for !done() {
		fs := r.cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return err
		}
		now := time.Now()
		var ferr error
		fs.EachError(func(_ string, _ int32, err error) { ferr = cmp.Or(ferr, err) })
		if ferr != nil {
			return ferr
		}
		var err error
		fs.EachRecord(func(rec *kgo.Record) {
			r.next[rec.Partition] = rec.Offset + 1
			if rec.Attrs.IsControl() || err != nil {
				return
			}
			r.records++
			if fn != nil {
				err = fn(rec.Value, now)
			}
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// endOffsets returns the end offset of each of the topic's partitions.
func (r *topicReader) endOffsets(ctx context.Context) (map[int32]int64, error) {
	listed, err := kadm.NewClient(r.cl).ListEndOffsets(ctx, r.topic)
	if err == nil {
		err = listed.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("listing the end offsets of %s: %w", r.topic, err)
	}
	ends := map[int32]int64{}
	listed.Each(func(o kadm.ListedOffset) { ends[o.Partition] = o.Offset })
	if len(ends) == 0 {
		return nil, errors.New("listing the end offsets of " + r.topic + ": no partitions")
	}
	return ends, nil
}

// reached reports whether the reader has read every partition up to ends.
func (r *topicReader) reached(ends map[int32]int64) bool {
	for p, end := range ends {
		if r.next[p] < end {
			return false
		}
	}
	return true
}

// dateTimeField is how a sink's JSON record of q0 starts its date_time.
var dateTimeField = []byte(`"date_time":"`)

// nexmarkDue returns when the event of a q0 JSON record was due at a paced
// source opened at start: its date_time is BaseTimeMicros plus i/rate
// seconds for event i, written as Postgres prints a timestamp.
func nexmarkDue(value []byte, start time.Time) (time.Time, error) {
	i := bytes.Index(value, dateTimeField)
	if i < 0 {
		return time.Time{}, fmt.Errorf("record %q has no date_time", value)
	}
	rest := value[i+len(dateTimeField):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return time.Time{}, fmt.Errorf("record %q: unterminated date_time", value)
	}
	ts, err := time.Parse("2006-01-02 15:04:05.999999", string(rest[:j]))
	if err != nil {
		return time.Time{}, fmt.Errorf("record %q: %w", value, err)
	}
	return start.Add(time.Duration(ts.UnixMicro()-nexmark.BaseTimeMicros) * time.Microsecond), nil
}
