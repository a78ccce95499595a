package kafka

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/weir-stream/weir/exec"
)

// TestSinkOptions runs testdata/sink_options. Commands:
//
//	parse   the input is one `key = value` per line (the WITH options of a
//	        CREATE SINK); prints the parsed options or the error with its
//	        SQLSTATE and detail.
func TestSinkOptions(t *testing.T) {
	datadriven.RunTest(t, "testdata/sink_options", func(t *testing.T, d *datadriven.TestData) string {
		if d.Cmd != "parse" {
			t.Fatalf("unknown command %q", d.Cmd)
		}
		with := map[string]string{}
		for line := range strings.SplitSeq(strings.TrimSpace(d.Input), "\n") {
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				t.Fatalf("bad line %q", line)
			}
			with[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		o, err := ParseSinkOptions(with)
		if err != nil {
			return formatErr(err)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "topic: %s\nbrokers: %s\nsecurity: %s\n", o.Topic, strings.Join(o.Brokers, " "), o.Security)
		fmt.Fprintf(&b, "exactly_once: %t (set: %t)\ntransactional.id: %s\nepochs.topic: %s\ntimeout: %s\n",
			o.ExactlyOnce, o.ExactlyOnceSet, o.TransactionalID, o.EpochsTopic, o.Timeout)
		return b.String()
	})
}

// sinkCluster is a kfake cluster with topic "out" of three partitions.
type sinkCluster struct {
	c *kfake.Cluster
}

func newSinkCluster(t testing.TB) *sinkCluster {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "out"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return &sinkCluster{c: c}
}

// options parses the sink's WITH options over the cluster, plus with.
func (c *sinkCluster) options(t testing.TB, with map[string]string) SinkOptions {
	t.Helper()
	all := map[string]string{"connector": "kafka", "topic": "out", "brokers": strings.Join(c.c.ListenAddrs(), ",")}
	for k, v := range with {
		all[k] = v
	}
	o, err := ParseSinkOptions(all)
	if err != nil {
		t.Fatal(err)
	}
	if !o.ExactlyOnceSet {
		o.ExactlyOnce = true // the engine's default
	}
	o.Timeout = 5 * time.Second
	return o
}

// sink returns a recovered sink, checking Recover returns want.
func (c *sinkCluster) sink(t testing.TB, o SinkOptions, want exec.Epoch) *Sink {
	t.Helper()
	s, err := NewSink(o, quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	got, err := s.Recover(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("Recover = %d, want %d; the epochs topic:\n%s", got, want, c.dumpEpochs(t, o.EpochsTopic))
	}
	return s
}

// dumpEpochs lists every record of the epochs topic, control records
// included, one per line, for failure messages.
func (c *sinkCluster) dumpEpochs(t testing.TB, topic string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rd, err := kgo.NewClient(kgo.SeedBrokers(c.c.ListenAddrs()...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}}),
		kgo.FetchIsolationLevel(kgo.ReadUncommitted()), kgo.KeepControlRecords(), kgo.FetchMaxWait(100*time.Millisecond))
	if err != nil {
		return err.Error()
	}
	defer rd.Close()
	var b strings.Builder
	for ctx.Err() == nil {
		rd.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
			fmt.Fprintf(&b, "p%d@%d pid=%d/%d control=%v txn=%v key=%x value=%x\n", r.Partition, r.Offset,
				r.ProducerID, r.ProducerEpoch, r.Attrs.IsControl(), r.Attrs.IsTransactional(), r.Key, r.Value)
		})
	}
	return b.String()
}

// readCommitted reads topic with read_committed from its start to its end
// and returns its records as "key=value" ("key=<nil>" for a tombstone), in
// order per key.
func (c *sinkCluster) readCommitted(t testing.TB, topic string) map[string][]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	adm, err := kgo.NewClient(kgo.SeedBrokers(c.c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer adm.Close()
	ends, err := kadm.NewClient(adm).ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	start, end := map[int32]kgo.Offset{}, map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			start[o.Partition], end[o.Partition] = kgo.NewOffset().AtStart(), o.Offset
		}
	})
	got := map[string][]string{}
	if len(start) == 0 {
		return got
	}
	rd, err := kgo.NewClient(kgo.SeedBrokers(c.c.ListenAddrs()...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: start}),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.KeepControlRecords(), kgo.FetchMaxWait(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	for len(start) > 0 {
		fs := rd.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("reading %s: %v (partitions left: %v)", topic, ctx.Err(), start)
		}
		fs.EachRecord(func(r *kgo.Record) {
			if r.Offset >= end[r.Partition]-1 {
				delete(start, r.Partition)
			}
			if r.Attrs.IsControl() {
				return
			}
			v := "<nil>"
			if r.Value != nil {
				v = string(r.Value)
			}
			got[string(r.Key)] = append(got[string(r.Key)], v)
		})
	}
	return got
}

// epochRecords returns n records of epoch e over keys k0..k3: key ki gets
// values "e<e>-<j>" in order.
func epochRecords(e exec.Epoch, n int) []exec.SinkRecord {
	recs := make([]exec.SinkRecord, n)
	for i := range recs {
		recs[i] = exec.SinkRecord{Key: fmt.Appendf(nil, "k%d", i%4), Value: fmt.Appendf(nil, "e%d-%d", e, i)}
	}
	return recs
}

// expect returns what readCommitted returns for epochRecords of epochs.
func expect(n int, epochs ...exec.Epoch) map[string][]string {
	want := map[string][]string{}
	for _, e := range epochs {
		for _, r := range epochRecords(e, n) {
			want[string(r.Key)] = append(want[string(r.Key)], string(r.Value))
		}
	}
	return want
}

func checkTopic(t testing.TB, got, want map[string][]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("keys: got %d, want %d\ngot:  %v\nwant: %v", len(got), len(want), got, want)
	}
	for k, w := range want {
		if !slices.Equal(got[k], w) {
			t.Fatalf("key %s:\ngot:  %v\nwant: %v", k, got[k], w)
		}
	}
}

func prepareCommit(t testing.TB, s *Sink, e exec.Epoch, recs []exec.SinkRecord) {
	t.Helper()
	ctx := context.Background()
	if err := s.Prepare(ctx, e, recs); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx, e); err != nil {
		t.Fatal(err)
	}
}

// TestSinkExactlyOnce commits epochs 1 and 2, then abandons a prepared
// epoch 3 twice: once with the writer left running (a zombie the next
// writer fences) and once closed without commit.
func TestSinkExactlyOnce(t *testing.T) {
	c := newSinkCluster(t)
	o := c.options(t, map[string]string{"transactional.id": "weir-sink-1"})
	const n = 40
	ctx := context.Background()

	s1 := c.sink(t, o, 0)
	prepareCommit(t, s1, 1, epochRecords(1, n))
	prepareCommit(t, s1, 2, epochRecords(2, n))
	checkTopic(t, c.readCommitted(t, "out"), expect(n, 1, 2))
	st := s1.Stats()
	if st.Records != 2*n || st.Committed != 2 || st.Aborted != 0 || st.LastEpoch != 2 || st.Bytes == 0 {
		t.Fatalf("stats %+v", st)
	}
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}

	// A zombie: epoch 3 prepared, the writer never commits nor closes.
	zombie := c.sink(t, o, 2)
	if err := zombie.Prepare(ctx, 3, epochRecords(3, n)); err != nil {
		t.Fatal(err)
	}
	s2 := c.sink(t, o, 2)
	checkTopic(t, c.readCommitted(t, "out"), expect(n, 1, 2))
	if err := zombie.Commit(ctx, 3); err == nil {
		t.Fatal("the fenced writer committed")
	}
	prepareCommit(t, s2, 3, epochRecords(3, n))
	checkTopic(t, c.readCommitted(t, "out"), expect(n, 1, 2, 3))

	// A crash: epoch 4 prepared, the writer closed without commit.
	if err := s2.Prepare(ctx, 4, epochRecords(4, n)); err != nil {
		t.Fatal(err)
	}
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
	s3 := c.sink(t, o, 3)
	checkTopic(t, c.readCommitted(t, "out"), expect(n, 1, 2, 3))
	prepareCommit(t, s3, 4, epochRecords(4, n))
	checkTopic(t, c.readCommitted(t, "out"), expect(n, 1, 2, 3, 4))

	// Another sink's markers in the same epochs topic do not count.
	other := c.sink(t, c.options(t, map[string]string{"transactional.id": "weir-sink-2"}), 0)
	prepareCommit(t, other, 9, nil)
	c.sink(t, o, 4)
	c.sink(t, c.options(t, map[string]string{"transactional.id": "weir-sink-2"}), 9)
}

// TestSinkFirstTransaction commits the first transaction of many fresh
// sinks, each a single epoch (every other one of only its marker), and
// checks that the next sink recovers it and that the topic holds every
// record once. Without the warm-up in Recover, franz-go sometimes turned
// such a first commit into an abort and returned nil (more often on a
// loaded machine or under the race detector).
func TestSinkFirstTransaction(t *testing.T) {
	c := newSinkCluster(t)
	o := c.options(t, map[string]string{"transactional.id": "t-first"})
	var withRecords []exec.Epoch
	for e := exec.Epoch(1); e <= 40; e++ {
		s := c.sink(t, o, e-1)
		var recs []exec.SinkRecord
		if e%2 == 0 {
			recs = epochRecords(e, 4)
			withRecords = append(withRecords, e)
		}
		prepareCommit(t, s, e, recs)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	checkTopic(t, c.readCommitted(t, "out"), expect(4, withRecords...))
}

// TestSinkAbort aborts a prepared epoch and prepares it again.
func TestSinkAbort(t *testing.T) {
	c := newSinkCluster(t)
	s := c.sink(t, c.options(t, map[string]string{"transactional.id": "t-abort", "epochs.topic": "marks"}), 0)
	ctx := context.Background()
	if err := s.Prepare(ctx, 1, epochRecords(1, 10)); err != nil {
		t.Fatal(err)
	}
	if err := s.Abort(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Abort(ctx); err != nil { // nothing open: no-op
		t.Fatal(err)
	}
	if err := s.Commit(ctx, 1); err == nil {
		t.Fatal("commit of an aborted epoch succeeded")
	}
	prepareCommit(t, s, 1, epochRecords(1, 10))
	checkTopic(t, c.readCommitted(t, "out"), expect(10, 1))
	if st := s.Stats(); st.Records != 10 || st.Committed != 1 || st.Aborted != 1 || st.LastEpoch != 1 {
		t.Fatalf("stats %+v", st)
	}
	// The markers: Recover's restatement of epoch 0 (twice), then epoch 1 once.
	zero, one := string(make([]byte, 8)), "\x00\x00\x00\x00\x00\x00\x00\x01"
	if got := c.readCommitted(t, "marks"); !slices.Equal(got["t-abort"], []string{zero, zero, one}) {
		t.Fatalf("markers %q", got)
	}
}

// TestSinkCommitInDoubt loses the answer to a commit: the next Commit
// settles it (here: aborted), and the epoch prepared again arrives once.
func TestSinkCommitInDoubt(t *testing.T) {
	c := newSinkCluster(t)
	o := c.options(t, map[string]string{"transactional.id": "t-doubt"})
	o.Timeout = time.Second
	s := c.sink(t, o, 0)
	ctx := context.Background()
	prepareCommit(t, s, 1, epochRecords(1, 8))
	if err := s.Prepare(ctx, 2, epochRecords(2, 8)); err != nil {
		t.Fatal(err)
	}
	var failing atomic.Bool
	failing.Store(true)
	c.c.ControlKey(kmsg.EndTxn.Int16(), func(kmsg.Request) (kmsg.Response, error, bool) {
		if !failing.Load() {
			return nil, nil, false
		}
		c.c.KeepControl()
		return nil, errors.New("connection lost"), true
	})
	if err := s.Commit(ctx, 2); err == nil {
		t.Fatal("commit without an answer succeeded")
	}
	failing.Store(false)
	err := s.Commit(ctx, 2)
	if err == nil || !strings.Contains(err.Error(), "prepare it again") {
		t.Fatalf("retried commit: %v", err)
	}
	prepareCommit(t, s, 2, epochRecords(2, 8))
	checkTopic(t, c.readCommitted(t, "out"), expect(8, 1, 2))
	if st := s.Stats(); st.Committed != 2 || st.Aborted != 1 || st.LastEpoch != 2 || st.Records != 16 {
		t.Fatalf("stats %+v", st)
	}
	// A Prepare of an epoch already delivered writes nothing.
	prepareCommit(t, s, 2, epochRecords(2, 8))
	checkTopic(t, c.readCommitted(t, "out"), expect(8, 1, 2))
}

// TestSinkTombstones writes nil values as tombstones.
func TestSinkTombstones(t *testing.T) {
	c := newSinkCluster(t)
	s := c.sink(t, c.options(t, map[string]string{"transactional.id": "t-tomb"}), 0)
	prepareCommit(t, s, 1, []exec.SinkRecord{
		{Key: []byte("a"), Value: []byte("1")}, {Key: []byte("a"), Value: nil}, {Key: []byte("b"), Value: []byte{}},
	})
	checkTopic(t, c.readCommitted(t, "out"), map[string][]string{"a": {"1", "<nil>"}, "b": {""}})
}

// TestSinkAtLeastOnce writes without transactions: Recover returns 0 and
// no marker is written.
func TestSinkAtLeastOnce(t *testing.T) {
	c := newSinkCluster(t)
	o := c.options(t, map[string]string{"exactly_once": "false"})
	s := c.sink(t, o, 0)
	prepareCommit(t, s, 1, epochRecords(1, 12))
	prepareCommit(t, s, 2, epochRecords(2, 12))
	checkTopic(t, c.readCommitted(t, "out"), expect(12, 1, 2))
	if st := s.Stats(); st.Records != 24 || st.Committed != 0 || st.LastEpoch != 2 {
		t.Fatalf("stats %+v", st)
	}
	if err := s.Abort(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.Close()
	c.sink(t, o, 0)
	if got := c.readCommitted(t, DefaultEpochsTopic); len(got) != 0 {
		t.Fatalf("markers %v", got)
	}
}

// TestSinkLargeEpoch prepares more records than the client buffers at once.
func TestSinkLargeEpoch(t *testing.T) {
	c := newSinkCluster(t)
	s := c.sink(t, c.options(t, map[string]string{"transactional.id": "t-large"}), 0)
	const n = 60000
	prepareCommit(t, s, 1, epochRecords(1, n))
	got := c.readCommitted(t, "out")
	total := 0
	for _, vs := range got {
		total += len(vs)
	}
	if total != n {
		t.Fatalf("read %d records, want %d", total, n)
	}
	checkTopic(t, got, expect(n, 1))
}

// TestSinkBrokerDown: with the cluster gone, Prepare fails within the
// sink's timeout, naming the topic and the epoch.
func TestSinkBrokerDown(t *testing.T) {
	for _, eo := range []string{"true", "false"} {
		t.Run("exactly_once="+eo, func(t *testing.T) {
			c := newSinkCluster(t)
			o := c.options(t, map[string]string{"exactly_once": eo, "transactional.id": "t-down"})
			o.Timeout = time.Second
			s := c.sink(t, o, 0)
			c.c.Close()
			start := time.Now()
			err := s.Prepare(context.Background(), 1, epochRecords(1, 10))
			if err == nil {
				t.Fatal("prepare succeeded with the brokers down")
			}
			if !strings.Contains(err.Error(), "kafka sink out: prepare epoch 1") {
				t.Fatalf("error %q", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("prepare took %s", d)
			}
		})
	}
}

// TestNewSink checks the options NewSink refuses.
func TestNewSink(t *testing.T) {
	o := SinkOptions{Topic: "out", Brokers: []string{"h:9092"}, ExactlyOnce: true}
	if _, err := NewSink(o, quiet); err == nil || !strings.Contains(err.Error(), "transactional id") {
		t.Fatalf("NewSink without a transactional id: %v", err)
	}
	s, err := NewSink(SinkOptions{Topic: "out", Brokers: []string{"h:9092"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Prepare(context.Background(), 1, nil); err == nil {
		t.Fatal("Prepare before Recover succeeded")
	}
}

// TestSinkSharedEpochsTopic: two sinks share the epochs topic and both
// crash with a prepared transaction; the first Recover does not wait for
// the other sink's open transaction.
func TestSinkSharedEpochsTopic(t *testing.T) {
	c := newSinkCluster(t)
	ctx := context.Background()
	oa := c.options(t, map[string]string{"transactional.id": "a"})
	ob := c.options(t, map[string]string{"transactional.id": "b"})
	oa.Timeout, ob.Timeout = 2*time.Second, 2*time.Second
	a, b := c.sink(t, oa, 0), c.sink(t, ob, 0)
	prepareCommit(t, a, 1, epochRecords(1, 4))
	prepareCommit(t, b, 5, nil)
	if err := b.Prepare(ctx, 6, nil); err != nil {
		t.Fatal(err)
	}
	if err := a.Prepare(ctx, 2, epochRecords(2, 4)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	c.sink(t, oa, 1)
	if d := time.Since(start); d > time.Second {
		t.Fatalf("Recover took %s", d)
	}
	c.sink(t, ob, 5)
	checkTopic(t, c.readCommitted(t, "out"), expect(4, 1))
}
