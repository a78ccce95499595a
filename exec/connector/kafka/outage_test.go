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
	"github.com/weir-stream/weir/exec/exectest"
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

// TestTopicDeletedAndRecreated deletes the topic under a reading source (it
// waits, saying the topic does not exist) and creates it again: the source
// reads the new topic's records (from its start: its offsets begin again).
// franz-go alone would fail the recreated topic with UNKNOWN_TOPIC_ID for
// ever; the source sees the new topic id and adds the topic again.
func TestTopicDeletedAndRecreated(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	c := newCluster(t, 1)
	c.produceInts(t, 0, 0, 20)
	st := exectest.NewStore()
	s := open(t, c.options(t, map[string]string{"scan.topic-partition-discovery.interval": "50ms"}), mem, st)
	defer s.Close()
	var r reader
	r.readUntil(t, s, 20)
	ctx := context.Background()
	if _, err := c.adm.DeleteTopic(ctx, "t"); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, s, exec.SourceWaiting, `topic "t" does not exist`)
	if _, err := c.adm.CreateTopic(ctx, 1, 1, nil, "t"); err != nil {
		t.Fatal(err)
	}
	// A new producer: the old one keeps the deleted topic's id.
	prod, err := kgo.NewClient(kgo.SeedBrokers(c.c.ListenAddrs()...),
		kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerLinger(0))
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	(&cluster{c: c.c, prod: prod, adm: c.adm}).produceInts(t, 0, 100, 105)
	r.vals = r.vals[:0]
	r.rowIDs = nil
	r.readUntil(t, s, 5)
	expectNoMore(t, s)
	if got := sum(r.vals); got != 510 {
		t.Fatalf("read %v from the new topic", r.vals)
	}
	waitStatus(t, s, exec.SourceRunning, "")
}
