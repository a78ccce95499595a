package kafka

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// freePort returns a TCP port nothing listens on (for a moment).
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitStatus waits until the source's status is status and its last error
// contains errPart.
func waitStatus(t testing.TB, s *Source, status, errPart string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		p := s.Progress()
		if p.Status == status && strings.Contains(p.LastError, errPart) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("status %q, last error %q; want %q and an error with %q", p.Status, p.LastError, status, errPart)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestTopicCreatedAfterOpen opens a source over a topic that does not exist
// (it waits, saying so), then creates the topic with records: the source
// reads every one from the start, once, even with scan.startup.mode
// 'latest' (everything in a topic created after the stream is new).
func TestTopicCreatedAfterOpen(t *testing.T) {
	for _, mode := range []string{"earliest", "latest"} {
		t.Run(mode, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			c, err := kfake.NewCluster(kfake.NumBrokers(1))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			prod, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...),
				kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerLinger(0))
			if err != nil {
				t.Fatal(err)
			}
			defer prod.Close()
			cl := &cluster{c: c, prod: prod, adm: kadm.NewClient(prod)}
			st := exectest.NewStore()
			s := open(t, cl.options(t, map[string]string{"scan.startup.mode": mode, "scan.topic-partition-discovery.interval": "50ms"}), mem, st)
			defer s.Close()
			waitStatus(t, s, exec.SourceWaiting, `topic "t" does not exist`)
			expectNoMore(t, s)

			if _, err := cl.adm.CreateTopic(context.Background(), 2, 1, nil, "t"); err != nil {
				t.Fatal(err)
			}
			cl.produceInts(t, 0, 0, 30)
			cl.produceInts(t, 1, 30, 50)
			var r reader
			r.readUntil(t, s, 50)
			expectNoMore(t, s)
			if got := sum(r.vals); got != 49*50/2 {
				t.Fatalf("sum %d, want %d", got, 49*50/2)
			}
			waitStatus(t, s, exec.SourceRunning, "does not exist") // the last error stays
			barrier(t, s, st, 1)
			if p := s.Progress(); p.Position != "p0:30,p1:20" {
				t.Fatalf("position %q", p.Position)
			}
		})
	}
}

// TestTopicCreatedWhileClosed: a source that found no topic records that
// at its barrier; closed before it read anything, and the topic created
// meanwhile, it reads the topic from its start at the next Open, even with
// scan.startup.mode 'latest' (the source's first listing decides, not the
// listing after the restart).
func TestTopicCreatedWhileClosed(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl := (&cluster{c: c}).newProducer(t)
	st := exectest.NewStore()
	o := cl.options(t, map[string]string{"scan.startup.mode": "latest", "scan.topic-partition-discovery.interval": "50ms"})
	s := open(t, o, mem, st)
	waitStatus(t, s, exec.SourceWaiting, `topic "t" does not exist`)
	expectNoMore(t, s)
	barrier(t, s, st, 1)
	s.Close()

	if _, err := cl.adm.CreateTopic(context.Background(), 2, 1, nil, "t"); err != nil {
		t.Fatal(err)
	}
	cl.produceInts(t, 0, 0, 30)
	cl.produceInts(t, 1, 30, 50)
	s = open(t, o, mem, st)
	defer s.Close()
	var r reader
	r.readUntil(t, s, 50)
	expectNoMore(t, s)
	if got := sum(r.vals); got != 49*50/2 {
		t.Fatalf("sum %d, want %d", got, 49*50/2)
	}
	barrier(t, s, st, 2)
	if p := s.Progress(); p.Position != "p0:30,p1:20" {
		t.Fatalf("position %q", p.Position)
	}
}

// TestBrokerRestart stops the cluster under a reading source (it waits,
// with the error) and starts it again on the same port from the same data
// directory, as a real broker restart does: the source goes on where it
// was, and every record is read once.
func TestBrokerRestart(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	port, dir := freePort(t), t.TempDir()
	start := func() *cluster {
		c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(port), kfake.DataDir(dir), kfake.SeedTopics(2, "t"))
		if err != nil {
			t.Fatal(err)
		}
		prod, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...),
			kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerLinger(0))
		if err != nil {
			t.Fatal(err)
		}
		return &cluster{c: c, prod: prod, adm: kadm.NewClient(prod)}
	}
	stop := func(c *cluster) { c.prod.Close(); c.c.Close() }
	c := start()
	c.produceInts(t, 0, 0, 20)
	c.produceInts(t, 1, 20, 40)
	st := exectest.NewStore()
	s := open(t, c.options(t, map[string]string{"scan.topic-partition-discovery.interval": "50ms"}), mem, st)
	defer s.Close()
	var r reader
	r.readUntil(t, s, 40)
	barrier(t, s, st, 1)

	stop(c)
	waitStatus(t, s, exec.SourceWaiting, "")
	if p := s.Progress(); p.LastError == "" {
		t.Fatalf("waiting without an error: %+v", p)
	} else {
		t.Logf("waiting: %s", p.LastError)
	}
	expectNoMore(t, s)

	c = start()
	defer stop(c)
	c.produceInts(t, 0, 40, 60)
	c.produceInts(t, 1, 60, 70)
	r.readUntil(t, s, 70)
	expectNoMore(t, s)
	if got := sum(r.vals); got != 69*70/2 {
		t.Fatalf("sum %d, want %d: a record was lost or read twice", got, 69*70/2)
	}
	waitStatus(t, s, exec.SourceRunning, "")
	barrier(t, s, st, 2)
	if p := s.Progress(); p.Position != "p0:40,p1:30" {
		t.Fatalf("position %q", p.Position)
	}
}

// TestCheckTopic: brokers that do not answer are an 08001 error within the
// timeout; a topic is found or reported missing.
func TestCheckTopic(t *testing.T) {
	ctx := context.Background()
	began := time.Now()
	_, err := CheckTopic(ctx, []string{fmt.Sprintf("127.0.0.1:%d", freePort(t))}, Security{Protocol: "PLAINTEXT"}, "t", 500*time.Millisecond)
	var se *sqlstate.Error
	if !errors.As(err, &se) || se.Code != sqlstate.UnableToConnect || !strings.Contains(se.Message, "could not connect to Kafka brokers") {
		t.Fatalf("unreachable brokers: %v", err)
	}
	if took := time.Since(began); took > 3*time.Second {
		t.Fatalf("took %v with a timeout of 500ms", took)
	}
	// A broker that accepts connections and never answers.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			conn, err := silent.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
		}
	}()
	began = time.Now()
	_, err = CheckTopic(ctx, []string{silent.Addr().String()}, Security{Protocol: "PLAINTEXT"}, "t", 500*time.Millisecond)
	if !errors.As(err, &se) || se.Code != sqlstate.UnableToConnect {
		t.Fatalf("silent broker: %v", err)
	}
	if took := time.Since(began); took > 3*time.Second {
		t.Fatalf("silent broker: took %v with a timeout of 500ms", took)
	}
	t.Logf("silent broker: %v", err)

	c := newCluster(t, 1)
	brokers := c.c.ListenAddrs()
	if ok, err := CheckTopic(ctx, brokers, Security{Protocol: "PLAINTEXT"}, "t", time.Second); err != nil || !ok {
		t.Fatalf("topic t: %v %v", ok, err)
	}
	if ok, err := CheckTopic(ctx, brokers, Security{Protocol: "PLAINTEXT"}, "missing", time.Second); err != nil || ok {
		t.Fatalf("topic missing: %v %v", ok, err)
	}
}

// TestEnsureSinkTopic creates a missing topic with the partitions asked
// for, leaves an existing one alone, and with topic.create = 'false' fails
// with 42704 naming the topic.
func TestEnsureSinkTopic(t *testing.T) {
	ctx := context.Background()
	c := newCluster(t, 1)
	parse := func(with map[string]string) SinkOptions {
		all := map[string]string{"connector": "kafka", "brokers": strings.Join(c.c.ListenAddrs(), ",")}
		for k, v := range with {
			all[k] = v
		}
		o, err := ParseSinkOptions(all)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	created, n, err := EnsureSinkTopic(ctx, parse(map[string]string{"topic": "out", "topic.partitions": "3"}), time.Second)
	if err != nil || !created || n != 3 {
		t.Fatalf("created %v, %d partitions, %v", created, n, err)
	}
	td, err := c.adm.ListTopics(ctx, "out")
	if err != nil || len(td["out"].Partitions) != 3 {
		t.Fatalf("topic out: %+v %v", td, err)
	}
	if created, n, err = EnsureSinkTopic(ctx, parse(map[string]string{"topic": "t"}), time.Second); err != nil || created || n != 1 {
		t.Fatalf("existing topic: created %v, %d partitions, %v", created, n, err)
	}
	_, _, err = EnsureSinkTopic(ctx, parse(map[string]string{"topic": "nope", "topic.create": "false"}), time.Second)
	var se *sqlstate.Error
	if !errors.As(err, &se) || se.Code != sqlstate.UndefinedObject || se.Message != `kafka topic "nope" does not exist` {
		t.Fatalf("topic.create = 'false': %v", err)
	}
	if td, _ := c.adm.ListTopics(ctx, "nope"); td["nope"].Err == nil {
		t.Fatal("topic nope was created")
	}
}

// TestSinkRecoverCreatesTopic: a topic deleted under a sink is created
// again by its next Recover.
func TestSinkRecoverCreatesTopic(t *testing.T) {
	ctx := context.Background()
	c := newCluster(t, 1)
	for _, eo := range []bool{true, false} {
		s, err := NewSink(SinkOptions{Topic: "gone", Brokers: c.c.ListenAddrs(), ExactlyOnce: eo, TransactionalID: "tx",
			TopicCreate: true, TopicPartitions: 2, TopicReplicationFactor: -1}, quiet)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Recover(ctx); err != nil {
			t.Fatal(err)
		}
		s.Close()
		td, err := c.adm.ListTopics(ctx, "gone")
		if err != nil || len(td["gone"].Partitions) != 2 {
			t.Fatalf("exactly-once %v: topic gone: %+v %v", eo, td, err)
		}
		if _, err := c.adm.DeleteTopic(ctx, "gone"); err != nil {
			t.Fatal(err)
		}
	}
}

// newProducer returns a producer of cluster c's topic "t" and an admin
// client. A topic deleted and created again needs one: a client keeps the
// deleted topic's id.
func (c *cluster) newProducer(t testing.TB) *cluster {
	t.Helper()
	prod, err := kgo.NewClient(kgo.SeedBrokers(c.c.ListenAddrs()...),
		kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerLinger(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(prod.Close)
	return &cluster{c: c.c, prod: prod, adm: kadm.NewClient(prod)}
}

// recreateTopic deletes topic "t" and creates it again with partitions
// partitions, returning a cluster with a producer of the new topic.
func (c *cluster) recreateTopic(t testing.TB, partitions int32) *cluster {
	t.Helper()
	ctx := context.Background()
	if _, err := c.adm.DeleteTopic(ctx, "t"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.adm.CreateTopic(ctx, partitions, 1, nil, "t"); err != nil {
		t.Fatal(err)
	}
	return c.newProducer(t)
}

// wantRowIDs checks ids are those of generation gen of partition p from
// offset from on.
func wantRowIDs(t testing.TB, ids []int64, gen uint32, p int32, from int64) {
	t.Helper()
	for i, id := range ids {
		if want := RowID(gen, p, from+int64(i)); id != want {
			t.Fatalf("row id %d is %x, want %x (generation %d, partition %d, offset %d)", i, id, want, gen, p, from+int64(i))
		}
	}
}

// TestRowID: generation 0 gives the ids of partition<<48 | offset;
// another generation gives other ids.
func TestRowID(t *testing.T) {
	for _, c := range []struct {
		gen  uint32
		p    int32
		off  int64
		want int64
	}{
		{0, 0, 0, 0},
		{0, 3, 17, 3<<48 | 17},
		{0, 32767, 1<<48 - 1, 32767<<48 | (1<<48 - 1)},
		{1, 0, 0, 1 << 40},
		{2, 3, 17, 3<<48 | 2<<40 | 17},
		{256, 3, 17, 3<<48 | 17},
	} {
		if got := RowID(c.gen, c.p, c.off); got != c.want {
			t.Errorf("RowID(%d, %d, %d) = %x, want %x", c.gen, c.p, c.off, got, c.want)
		}
	}
}

// TestTopicDeletedAndRecreated deletes the topic under a reading source (it
// waits, saying the topic does not exist) and creates it again with fewer
// partitions: the source reads the new topic's records from its start,
// under new row ids (the new offsets begin again at 0: with the old ids a
// view would overwrite the old topic's rows), forgets the partition the new
// topic lacks, reads a partition added to the new topic later from its
// start, and keeps all of it across a restart. franz-go alone would fail
// the recreated topic with UNKNOWN_TOPIC_ID for ever; the source sees the
// new topic id and adds the topic again.
func TestTopicDeletedAndRecreated(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	c := newCluster(t, 2)
	c.produceInts(t, 0, 0, 20)
	c.produceInts(t, 1, 20, 30)
	st := exectest.NewStore()
	o := c.options(t, map[string]string{"scan.topic-partition-discovery.interval": "50ms"})
	s := open(t, o, mem, st)
	defer func() { s.Close() }()
	var r reader
	r.readUntil(t, s, 30)
	barrier(t, s, st, 1)
	if p := s.Progress().Position; p != "p0:20,p1:10" {
		t.Fatalf("position %q", p)
	}
	for i, id := range r.ids { // generation 0: partition<<48 | offset
		if p, off := int32(id>>48), id&(1<<48-1); id != int64(p)<<48|off || off > 20 || p > 1 {
			t.Fatalf("row id %d is %x", i, id)
		}
	}

	if _, err := c.adm.DeleteTopic(context.Background(), "t"); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, s, exec.SourceWaiting, `topic "t" does not exist`)
	if _, err := c.adm.CreateTopic(context.Background(), 1, 1, nil, "t"); err != nil {
		t.Fatal(err)
	}
	c = c.newProducer(t)
	c.produceInts(t, 0, 100, 105)
	r.vals, r.ids = r.vals[:0], nil
	r.readUntil(t, s, 5) // the row ids stay unique across the recreation
	expectNoMore(t, s)
	if got := sum(r.vals); got != 510 {
		t.Fatalf("read %v from the new topic", r.vals)
	}
	wantRowIDs(t, r.ids, 1, 0, 0)
	waitStatus(t, s, exec.SourceRunning, "")
	barrier(t, s, st, 2)
	if p := s.Progress().Position; p != "p0:5" {
		t.Fatalf("position %q after the recreation: the old topic's partition 1 is kept", p)
	}

	// A partition added to the new topic is read from its start, not from
	// the old topic's partition 1's offset.
	if _, err := c.adm.CreatePartitions(context.Background(), 1, "t"); err != nil {
		t.Fatal(err)
	}
	c.produceInts(t, 1, 200, 203)
	r.vals, r.ids = r.vals[:0], nil
	r.readUntil(t, s, 3)
	expectNoMore(t, s)
	if got := sum(r.vals); got != 603 {
		t.Fatalf("read %v from the new partition", r.vals)
	}
	wantRowIDs(t, r.ids, 1, 1, 0)
	barrier(t, s, st, 3)
	if p := s.Progress().Position; p != "p0:5,p1:3" {
		t.Fatalf("position %q", p)
	}

	// A restart goes on where it was, in the same generation.
	s.Close()
	c.produceInts(t, 0, 105, 107)
	c.produceInts(t, 1, 203, 204)
	s = open(t, o, mem, st)
	r.vals, r.ids = r.vals[:0], nil
	r.readUntil(t, s, 3)
	expectNoMore(t, s)
	if got := sum(r.vals); got != 105+106+203 {
		t.Fatalf("read %v after the restart", r.vals)
	}
	barrier(t, s, st, 4)
	if p := s.Progress().Position; p != "p0:7,p1:4" {
		t.Fatalf("position %q after the restart", p)
	}
	if s.topic.gen != 1 {
		t.Fatalf("generation %d after the restart, want 1", s.topic.gen)
	}
}

// TestTopicRecreatedWhileClosed deletes and creates again the topic while
// the source is closed: the next Open notices the new topic id at its
// first listing and reads the new topic from its start (the offsets
// recorded are the old topic's: applied to the new one they would skip its
// records), under the next generation's row ids, and forgets the
// partitions the new topic does not have.
func TestTopicRecreatedWhileClosed(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	c := newCluster(t, 2)
	c.produceInts(t, 0, 0, 20)
	c.produceInts(t, 1, 20, 30)
	st := exectest.NewStore()
	o := c.options(t, map[string]string{"scan.topic-partition-discovery.interval": "50ms"})
	s := open(t, o, mem, st)
	var r reader
	r.readUntil(t, s, 30)
	barrier(t, s, st, 1)
	s.Close()

	c = c.recreateTopic(t, 1)
	c.produceInts(t, 0, 100, 105)
	s = open(t, o, mem, st)
	r.vals, r.ids = r.vals[:0], nil
	r.readUntil(t, s, 5)
	expectNoMore(t, s)
	if got := sum(r.vals); got != 510 {
		t.Fatalf("read %v from the new topic", r.vals)
	}
	wantRowIDs(t, r.ids, 1, 0, 0)
	barrier(t, s, st, 2)
	if p := s.Progress().Position; p != "p0:5" {
		t.Fatalf("position %q", p)
	}
	s.Close()

	// The state holds the new topic: a restart reads nothing again.
	s = open(t, o, mem, st)
	defer s.Close()
	c.produceInts(t, 0, 105, 106)
	r.vals, r.ids = r.vals[:0], nil
	r.readUntil(t, s, 1)
	expectNoMore(t, s)
	if r.vals[0] != 105 {
		t.Fatalf("read %v after the restart", r.vals)
	}
	wantRowIDs(t, r.ids, 1, 0, 5)
	barrier(t, s, st, 3)
	if p := s.Progress().Position; p != "p0:6" {
		t.Fatalf("position %q after the restart", p)
	}
}

// TestStaleFetchAfterRecreation hands Next, after the new topic's start
// offsets, records fetched from the deleted topic (a batch the poller held
// across the purge): they are dropped, and the offsets stay the new
// topic's.
func TestStaleFetchAfterRecreation(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	// No broker: the background goroutines hand Next nothing themselves.
	o := optionsAt(t, fmt.Sprintf("127.0.0.1:%d", freePort(t)), nil)
	st := exectest.NewStore()
	s := open(t, o, mem, st)
	defer s.Close()
	oldID, newID := kadm.TopicID{1}, kadm.TopicID{2}
	rec := func(off int64, v int) *kgo.Record {
		return &kgo.Record{Topic: "t", Partition: 0, Offset: off, Value: []byte(fmt.Sprintf(`{"v": %d}`, v))}
	}
	s.buf <- polled{added: map[int32]int64{0: 0}, topic: topicState{id: oldID}}
	s.buf <- polled{id: oldID, recs: []*kgo.Record{rec(0, 1), rec(1, 2)}}
	var r reader
	r.readUntil(t, s, 2)
	s.buf <- polled{added: map[int32]int64{0: 0}, reset: true, topic: topicState{id: newID, gen: 1}}
	s.buf <- polled{id: oldID, recs: []*kgo.Record{rec(2, 3), rec(3, 4)}}
	s.buf <- polled{id: newID, recs: []*kgo.Record{rec(0, 10)}}
	r.readUntil(t, s, 3)
	expectNoMore(t, s)
	if r.vals[2] != 10 {
		t.Fatalf("read %v: a record of the deleted topic after the new one's start", r.vals)
	}
	wantRowIDs(t, r.ids[2:], 1, 0, 0)
	barrier(t, s, st, 1)
	if p := s.Progress().Position; p != "p0:1" {
		t.Fatalf("position %q", p)
	}
}
