package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/connector/format"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

var quiet = slog.New(slog.DiscardHandler)

// cluster is a kfake cluster with topic "t" of n partitions and a producer.
type cluster struct {
	c    *kfake.Cluster
	prod *kgo.Client
	adm  *kadm.Client
}

func newCluster(t testing.TB, partitions int32) *cluster {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(partitions, "t"))
	if err != nil {
		t.Fatal(err)
	}
	prod, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...),
		kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerLinger(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { prod.Close(); c.Close() })
	return &cluster{c: c, prod: prod, adm: kadm.NewClient(prod)}
}

// produce writes values to partition p ("" values are tombstones).
func (c *cluster) produce(t testing.TB, p int32, values ...string) {
	t.Helper()
	recs := make([]*kgo.Record, len(values))
	for i, v := range values {
		recs[i] = &kgo.Record{Topic: "t", Partition: p, Key: []byte(fmt.Sprintf("k%d", i))}
		if v != "" {
			recs[i].Value = []byte(v)
		}
	}
	c.produceRecords(t, recs...)
}

// produceRecords writes recs, refreshing the producer's metadata while a
// partition just created is not known to it yet.
func (c *cluster) produceRecords(t testing.TB, recs ...*kgo.Record) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := c.prod.ProduceSync(context.Background(), recs...).FirstErr()
		if err == nil {
			return
		}
		if !strings.Contains(err.Error(), "invalid record partitioning") || time.Now().After(deadline) {
			t.Fatal(err)
		}
		c.prod.ForceMetadataRefresh()
		time.Sleep(5 * time.Millisecond)
	}
}

// produceInts writes {"v": i} for i in [from, to) to partition p.
func (c *cluster) produceInts(t testing.TB, p int32, from, to int) {
	t.Helper()
	vals := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		vals = append(vals, fmt.Sprintf(`{"v": %d}`, i))
	}
	c.produce(t, p, vals...)
}

var intSchema = types.Schema{{Name: "v", Type: types.Int64Type, Nullable: true}}

func (c *cluster) options(t testing.TB, with map[string]string) Options {
	t.Helper()
	return optionsAt(t, strings.Join(c.c.ListenAddrs(), ","), with)
}

// optionsAt returns the options of a JSON source of topic "t" at brokers,
// with the options of with.
func optionsAt(t testing.TB, brokers string, with map[string]string) Options {
	t.Helper()
	all := map[string]string{"connector": "kafka", "topic": "t", "brokers": brokers, "format": "json"}
	for k, v := range with {
		all[k] = v
	}
	o, err := ParseOptions(all, intSchema)
	if err != nil {
		t.Fatal(err)
	}
	o.Key = []byte("src/")
	o.Decoder = &format.JSONDecoder{}
	return o
}

func open(t testing.TB, o Options, mem memory.Allocator, st *exectest.Store) *Source {
	t.Helper()
	s, err := NewSource(o, mem, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Open(context.Background(), exec.OpenContext{State: st}); err != nil {
		t.Fatal(err)
	}
	return s
}

// reader collects what a source returns: the values of column 0 and the
// row ids (in order, and as a set: a row id returned twice fails the test).
type reader struct {
	vals   []int64
	ids    []int64
	rowIDs map[int64]bool
}

// readUntil calls Next until n rows in all have been read (or fails after a
// deadline). It reads no more than what is available when n is reached.
func (r *reader) readUntil(t testing.TB, s *Source, n int) {
	t.Helper()
	if r.rowIDs == nil {
		r.rowIDs = map[int64]bool{}
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(r.vals) < n {
		c, err := s.Next(context.Background())
		if errors.Is(err, exec.ErrNoData) {
			if time.Now().After(deadline) {
				t.Fatalf("read %d rows, want %d", len(r.vals), n)
			}
			time.Sleep(2 * time.Millisecond)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		r.add(t, c)
	}
}

func (r *reader) add(t testing.TB, c exec.Chunk) {
	t.Helper()
	defer c.Release()
	v := c.Batch.Column(0).(*array.Int64)
	ids := c.Batch.Column(int(c.Batch.NumCols()) - 1).(*array.Int64)
	for i := range c.NumRows() {
		r.vals = append(r.vals, v.Value(i))
		r.ids = append(r.ids, ids.Value(i))
		if r.rowIDs[ids.Value(i)] {
			t.Fatalf("row id %x returned twice", ids.Value(i))
		}
		r.rowIDs[ids.Value(i)] = true
	}
}

// expectNoMore checks Next has nothing more for a short while.
func expectNoMore(t testing.TB, s *Source) {
	t.Helper()
	for range 20 {
		c, err := s.Next(context.Background())
		if err == nil {
			t.Fatalf("unexpected rows:\n%s", exectest.FormatChunk(c))
		}
		if !errors.Is(err, exec.ErrNoData) {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func barrier(t testing.TB, s *Source, st *exectest.Store, e exec.Epoch) {
	t.Helper()
	w := st.NewWriter()
	defer w.Close()
	if err := s.OnBarrier(context.Background(), exec.Barrier{Epoch: e}, w); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
}

func sum(v []int64) (s int64) {
	for _, x := range v {
		s += x
	}
	return s
}

// TestRestart reads three partitions, records offsets at a barrier, reads
// more without a barrier (lost at the crash), and restarts from state: what
// the second run reads plus what the first committed is every record once.
func TestRestart(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	c := newCluster(t, 3)
	const per = 200
	for p := range int32(3) {
		c.produceInts(t, p, int(p)*per, int(p+1)*per)
	}
	st := exectest.NewStore()
	o := c.options(t, map[string]string{"batch_rows": "50"})
	s := open(t, o, mem, st)
	var first reader
	first.readUntil(t, s, 250)
	barrier(t, s, st, 1)
	committed := append([]int64(nil), first.vals...)
	first.readUntil(t, s, 400) // not covered by a barrier: replayed after the restart
	s.Close()

	c.produceInts(t, 1, 3*per, 3*per+10) // written while down
	s = open(t, o, mem, st)
	defer s.Close()
	var second reader
	second.readUntil(t, s, 3*per+10-len(committed))
	expectNoMore(t, s)
	all := append(committed, second.vals...)
	n := 3*per + 10
	if len(all) != n || sum(all) != int64(n*(n-1)/2) {
		t.Fatalf("read %d rows summing to %d, want %d summing to %d", len(all), sum(all), n, n*(n-1)/2)
	}
	seen := map[int64]bool{}
	for _, v := range all {
		if seen[v] {
			t.Fatalf("value %d read twice", v)
		}
		seen[v] = true
	}
	if got := s.Progress(); got.Position != "p0:200,p1:210,p2:200" || got.Rows != int64(len(second.vals)) {
		t.Fatalf("progress %+v", got)
	}
}

// TestNewPartition adds partitions while the source runs; their records
// (including those written before discovery) are read, and their offsets
// are in state before any of their records is returned.
func TestNewPartition(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	c := newCluster(t, 1)
	c.produceInts(t, 0, 0, 10)
	st := exectest.NewStore()
	o := c.options(t, map[string]string{"scan.startup.mode": "latest", "scan.topic-partition-discovery.interval": "20ms"})
	s := open(t, o, mem, st)
	defer s.Close()
	if _, err := c.adm.CreatePartitions(context.Background(), 2, "t"); err != nil {
		t.Fatal(err)
	}
	c.produceInts(t, 1, 100, 105)
	c.produceInts(t, 2, 200, 203)
	c.produceInts(t, 0, 10, 12)
	var r reader
	r.readUntil(t, s, 10)
	expectNoMore(t, s)
	if got, want := sum(r.vals), int64(100+101+102+103+104+200+201+202+10+11); got != want {
		t.Fatalf("sum %d, want %d", got, want)
	}
	barrier(t, s, st, 1)
	if got := s.Progress().Position; got != "p0:12,p1:5,p2:3" {
		t.Fatalf("position %s", got)
	}
}

// TestStartupModes: earliest, latest and group apply to partitions without
// state only.
func TestStartupModes(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	for _, tc := range []struct {
		mode string
		want []int64 // values read before the second produce
	}{
		{"earliest", []int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}},
		{"latest", nil},
		{"group", []int64{7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}}, // p1 has no group offset: earliest
	} {
		t.Run(tc.mode, func(t *testing.T) {
			c := newCluster(t, 2)
			c.produceInts(t, 0, 0, 10)
			c.produceInts(t, 1, 10, 20)
			var offs kadm.Offsets
			offs.AddOffset("t", 0, 7, -1)
			if resp, err := c.adm.CommitOffsets(context.Background(), "g", offs); err != nil || resp.Error() != nil {
				t.Fatal(err, resp.Error())
			}
			st := exectest.NewStore()
			o := c.options(t, map[string]string{"scan.startup.mode": tc.mode, "group.id": "g"})
			s := open(t, o, mem, st)
			var r reader
			r.readUntil(t, s, len(tc.want))
			expectNoMore(t, s)
			if fmt.Sprint(sortedCopy(r.vals)) != fmt.Sprint(sortedCopy(tc.want)) {
				t.Fatalf("read %v, want %v", r.vals, tc.want)
			}
			barrier(t, s, st, 1)
			s.Close()
			// Restarting from state ignores the startup mode.
			c.produceInts(t, 0, 1000, 1001)
			s = open(t, o, mem, st)
			defer s.Close()
			var r2 reader
			r2.readUntil(t, s, 1)
			expectNoMore(t, s)
			if r2.vals[0] != 1000 {
				t.Fatalf("after restart read %v", r2.vals)
			}
		})
	}
}

func sortedCopy(v []int64) []int64 {
	c := append([]int64(nil), v...)
	for i := range c {
		for j := i + 1; j < len(c); j++ {
			if c[j] < c[i] {
				c[i], c[j] = c[j], c[i]
			}
		}
	}
	return c
}

type errorLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *errorLog) RecordError(partition int32, offset int64, raw []byte, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf("p%d@%d %s: %v", partition, offset, raw, err))
}

// TestOnError feeds malformed records under each on.error policy.
func TestOnError(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	c := newCluster(t, 1)
	c.produce(t, 0, `{"v": 1}`, `{"v": "x"}`, "", `{"v": 2}`, `[1]`, `{"v": 3}`)
	for _, policy := range []string{"skip", "dlq"} {
		t.Run(policy, func(t *testing.T) {
			st := exectest.NewStore()
			o := c.options(t, map[string]string{"on.error": policy})
			log := &errorLog{}
			o.Errors = log
			s := open(t, o, mem, st)
			defer s.Close()
			var r reader
			r.readUntil(t, s, 3)
			expectNoMore(t, s)
			want := `p0@1 {"v": "x"}: column "v": invalid integer` + "\n" + `p0@4 [1]: record is not a JSON object`
			if fmt.Sprint(r.vals) != "[1 2 3]" || strings.Join(log.lines, "\n") != want {
				t.Fatalf("read %v, errors:\n%s", r.vals, strings.Join(log.lines, "\n"))
			}
			if p := s.Progress(); p.Errors != 2 || p.Rows != 3 || p.Position != "p0:6" || p.Lag != 0 {
				t.Fatalf("progress %+v", p)
			}
		})
	}
	t.Run("fail", func(t *testing.T) {
		st := exectest.NewStore()
		s := open(t, c.options(t, map[string]string{"on.error": "fail"}), mem, st)
		defer s.Close()
		var r reader
		r.readUntil(t, s, 1) // the row before the bad record comes out first
		var err error
		for err == nil || errors.Is(err, exec.ErrNoData) {
			var ch exec.Chunk
			ch, err = s.Next(context.Background())
			if err == nil {
				ch.Release()
				t.Fatal("rows after a bad record")
			}
		}
		var se *sqlstate.Error
		if !errors.As(err, &se) || se.Code != sqlstate.InvalidTextRepresentation ||
			err.Error() != `kafka source: topic "t" partition 0 offset 1: column "v": invalid integer` {
			t.Fatalf("error %v", err)
		}
		barrier(t, s, st, 1)
		if got := s.Progress().Position; got != "p0:1" {
			t.Fatalf("position %s", got)
		}
	})
}

// TestInclude exposes the record metadata as columns.
func TestInclude(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	c := newCluster(t, 2)
	ts := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	recs := []*kgo.Record{
		{Topic: "t", Partition: 1, Key: []byte("alice"), Value: []byte(`{"v": 5}`), Timestamp: ts},
		{Topic: "t", Partition: 1, Value: []byte(`{"v": 6}`), Timestamp: ts.Add(time.Second)},
		{Topic: "t", Partition: 1, Key: []byte{0xff}, Value: []byte(`{"v": 7}`), Timestamp: ts},
	}
	c.produceRecords(t, recs...)
	for _, tc := range []struct{ keyType, want string }{
		{"bytea", "+ | 5 | YWxpY2U= | 1 | 0 | 2024-05-01T12:00:00Z | 281474976710656\n" +
			"+ | 6 | NULL | 1 | 1 | 2024-05-01T12:00:01Z | 281474976710657\n" +
			"+ | 7 | /w== | 1 | 2 | 2024-05-01T12:00:00Z | 281474976710658\n"},
		{"varchar", "+ | 5 | alice | 1 | 0 | 2024-05-01T12:00:00Z | 281474976710656\n" +
			"+ | 6 | NULL | 1 | 1 | 2024-05-01T12:00:01Z | 281474976710657\n"},
	} {
		t.Run(tc.keyType, func(t *testing.T) {
			o := c.options(t, map[string]string{"include.key": "k", "include.key.type": tc.keyType,
				"include.partition": "p", "include.offset": "o", "include.timestamp": "ts"})
			log := &errorLog{}
			o.Errors = log
			s := open(t, o, mem, exectest.NewStore())
			defer s.Close()
			if got := exectest.FormatHeader(s.Schema()); got != "op | v | k | p | o | ts | _row_id" {
				t.Fatalf("header %s", got)
			}
			var out strings.Builder
			deadline := time.Now().Add(5 * time.Second)
			for s.Progress().Position != "p0:0,p1:3" {
				ch, err := s.Next(context.Background())
				if err == nil {
					out.WriteString(exectest.FormatChunk(ch))
					ch.Release()
					continue
				}
				if !errors.Is(err, exec.ErrNoData) || time.Now().After(deadline) {
					t.Fatalf("%v; position %s", err, s.Progress().Position)
				}
				time.Sleep(2 * time.Millisecond)
			}
			if out.String() != tc.want {
				t.Fatalf("got\n%s", out.String())
			}
			if tc.keyType == "varchar" && (len(log.lines) != 1 || !strings.Contains(log.lines[0], "not valid UTF-8")) {
				t.Fatalf("errors %v", log.lines)
			}
		})
	}
}

// TestProgressAndGroupCommit checks the lag follows the high watermarks and
// the offsets recorded at a barrier reach the consumer group.
func TestProgressAndGroupCommit(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	c := newCluster(t, 2)
	c.produceInts(t, 0, 0, 30)
	c.produceInts(t, 1, 0, 20)
	st := exectest.NewStore()
	o := c.options(t, map[string]string{"group.id": "weir", "batch_rows": "10", "scan.topic-partition-discovery.interval": "20ms"})
	s := open(t, o, mem, st)
	defer s.Close()
	// The source lists the topic in the background after Open.
	waitFor(t, func() bool { p := s.Progress(); return p.Lag == 50 && p.Position == "p0:0,p1:0" })
	if p := s.Progress(); p.LagUnit != "records" || p.Status != exec.SourceRunning || p.LastError != "" {
		t.Fatalf("progress at open %+v", p)
	}
	var r reader
	r.readUntil(t, s, 50)
	barrier(t, s, st, 1)
	c.produceInts(t, 1, 0, 7)
	waitFor(t, func() bool { return s.Progress().Lag == 7 })
	if p := s.Progress(); p.LagDetail != "p0:0,p1:7" || p.Bytes == 0 {
		t.Fatalf("progress after 7 more records in p1: %+v", p)
	}
	waitFor(t, func() bool {
		resp, err := c.adm.FetchOffsets(context.Background(), "weir")
		if err != nil {
			return false
		}
		a, _ := resp.Lookup("t", 0)
		b, _ := resp.Lookup("t", 1)
		return a.At == 30 && b.At == 20
	})
	r.readUntil(t, s, 57)
	waitFor(t, func() bool { return s.Progress().Lag == 0 })
}

func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
