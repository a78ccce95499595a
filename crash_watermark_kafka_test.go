package weir_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestCrashWatermarkKafka kills weir with SIGKILL at random moments while
// three Kafka partitions fill at their own pace, and checks that the rows
// dropped as late are exactly those below their own partition's watermark
// (the largest time it had read minus the delay), however the partitions'
// records interleaved before and after each recovery. Partition 0 runs
// 1,000 s ahead of the others, so its rows 20 s behind its own progress are
// far above the stream's watermark (the minimum over the partitions): a
// decision against the stream's watermark would keep them, or not,
// depending on when the other partitions' records came.
func TestCrashWatermarkKafka(t *testing.T) {
	bin, _, dataDir, config := crashSetup(t, 100, 2, false)
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "events"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()

	// Record k of partition p: partition 0 at 1,000 s + k, every 10th 20 s
	// behind; partition 1 at k, every 7th 8 s behind; partition 2 at k/2,
	// every 9th 3 s behind (within the 5 s delay).
	const perPartition = 1_000
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(p, k int) time.Time {
		s := 0
		switch p {
		case 0:
			s = 1000 + k
			if k%10 == 5 {
				s -= 20
			}
		case 1:
			s = k
			if k%7 == 3 {
				s -= 8
			}
		case 2:
			s = k / 2
			if k%9 == 4 {
				s -= 3
			}
		}
		return base.Add(time.Duration(s) * time.Second)
	}
	id := func(p, k int) int { return p*100_000 + k }
	var wantKept, wantLate []string
	for p := range 3 {
		var high time.Time
		for k := range perPartition {
			ts := at(p, k)
			if k > 0 && ts.Before(high.Add(-5*time.Second)) {
				wantLate = append(wantLate, fmt.Sprint(id(p, k)))
				continue
			}
			if ts.After(high) {
				high = ts
			}
			wantKept = append(wantKept, fmt.Sprint(id(p, k)))
		}
	}
	slices.Sort(wantKept)
	slices.Sort(wantLate)

	// The first record of each partition is produced before the stream
	// exists; the rest a few at a time, each partition at its own pace.
	produce := func(p, k int) *kgo.Record {
		v := fmt.Sprintf(`{"id": %d, "ts": "%s"}`, id(p, k), at(p, k).Format("2006-01-02 15:04:05"))
		return &kgo.Record{Topic: "events", Partition: int32(p), Value: []byte(v)}
	}
	if err := cl.ProduceSync(context.Background(), produce(0, 0), produce(1, 0), produce(2, 0)).FirstErr(); err != nil {
		t.Fatal(err)
	}
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3))
		next := [3]int{1, 1, 1}
		for next[0] < perPartition || next[1] < perPartition || next[2] < perPartition {
			var recs []*kgo.Record
			for p := range 3 {
				for n := rng.IntN(12); n > 0 && next[p] < perPartition; n-- {
					recs = append(recs, produce(p, next[p]))
					next[p]++
				}
			}
			if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
				t.Error(err)
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	for round := range 5 {
		p := startWeirProcess(t, bin, dataDir, config)
		if round == 0 {
			conn, err := pgx.Connect(context.Background(), p.dsn)
			if err != nil {
				t.Fatal(err)
			}
			mustExec(t, conn, fmt.Sprintf(`CREATE STREAM events (id INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5 seconds')
				WITH (connector = 'kafka', topic = 'events', brokers = '%s', format = 'json', scan.startup.mode = 'earliest',
				watermark.idle_timeout = '0s')`, c.ListenAddrs()[0]))
			mustExec(t, conn, `CREATE MATERIALIZED VIEW kept AS SELECT id FROM events`)
			conn.Close(context.Background())
		}
		time.Sleep(time.Duration(200+rng.IntN(600)) * time.Millisecond)
		p.kill()
	}
	<-writerDone

	p := startWeirProcess(t, bin, dataDir, config)
	defer p.kill()
	conn, err := pgx.Connect(context.Background(), p.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	waitForRows(t, conn, `SELECT count(*), sum(id) FROM kept`, []string{fmt.Sprintf("%d %d", len(wantKept), sumOf(wantKept))})
	mustExec(t, conn, `FLUSH`)
	if got := queryText(t, conn, `SELECT id::text AS id FROM kept ORDER BY 1`); strings.Join(got, ",") != strings.Join(wantKept, ",") {
		t.Fatalf("the view kept %d rows, want %d", len(got), len(wantKept))
	}
	got := queryText(t, conn, `SELECT substr(row, 2, strpos(row, ',') - 2) AS id FROM weir_late_rows WHERE view = 'kept' ORDER BY 1`)
	if strings.Join(got, ",") != strings.Join(wantLate, ",") {
		t.Fatalf("weir_late_rows has %d rows, want %d:\n got %.300v\nwant %.300v", len(got), len(wantLate), got, wantLate)
	}
}
