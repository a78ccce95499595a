package weir_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestKafkaIdlePartitionClosesWindows reads a topic of two partitions into
// an EMIT ON WINDOW CLOSE view over a stream with a watermark. Partition 1
// goes silent after one record: it holds the watermark back until the idle
// timeout, after which partition 0 alone closes windows. When partition 1
// wakes up, its record below the watermark is late (in weir_late_rows with
// its partition) and it rejoins the minimum: the watermark then follows
// the lower of the two partitions.
func TestKafkaIdlePartitionClosesWindows(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "events"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	produce := func(p int32, id, sec int) {
		t.Helper()
		v := fmt.Sprintf(`{"id": %d, "ts": "2024-01-01 00:00:%02d"}`, id, sec)
		if err := cl.ProduceSync(context.Background(), &kgo.Record{Topic: "events", Partition: p, Value: []byte(v)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}

	ts := startServer(t, memoryConfig())
	conn := connect(t, ts.dsn)
	const idle = 2 * time.Second
	mustExec(t, conn, fmt.Sprintf(`CREATE STREAM events (id INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1 second')
		WITH (connector = 'kafka', topic = 'events', brokers = '%s', format = 'json', scan.startup.mode = 'earliest',
		watermark.idle_timeout = '%s')`, c.ListenAddrs()[0], idle))
	mustExec(t, conn, `CREATE MATERIALIZED VIEW closed AS SELECT window_start, count(*) AS n
		FROM TUMBLE(events, ts, INTERVAL '10 seconds') GROUP BY window_start EMIT ON WINDOW CLOSE`)

	produce(0, 1, 1)
	produce(0, 2, 5)
	produce(1, 3, 2)
	waitForRows(t, conn, `SELECT watermark FROM weir_sources WHERE view = 'closed'`, []string{"2024-01-01 00:00:01"})
	// Partition 0 moves on; partition 1 stays silent and holds the
	// watermark at 00:00:01 until it is idle.
	silentSince := time.Now()
	produce(0, 4, 15)
	produce(0, 5, 25)
	mustExec(t, conn, `FLUSH`)
	if time.Since(silentSince) < idle/2 {
		if got := queryText(t, conn, `SELECT count(*) FROM closed`); fmt.Sprint(got) != "[0]" {
			t.Fatalf("windows closed while partition 1 held the watermark back: %v", got)
		}
	}
	// Once idle, partition 1 no longer counts: the watermark is partition
	// 0's 00:00:24, and the windows before it close.
	waitForRows(t, conn, `SELECT window_start, n FROM closed ORDER BY window_start`,
		[]string{"2024-01-01 00:00:00 3", "2024-01-01 00:00:10 1"})
	waitForRows(t, conn, `SELECT watermark, watermark_detail LIKE '%p1:idle' FROM weir_sources WHERE view = 'closed'`,
		[]string{"2024-01-01 00:00:24 t"})

	// Partition 1 wakes up: 00:00:03 is late, 00:00:40 is not, and it
	// rejoins the minimum.
	produce(1, 6, 3)
	produce(1, 7, 40)
	produce(0, 8, 50)
	waitForRows(t, conn, `SELECT watermark, watermark_detail, late_rows FROM weir_sources WHERE view = 'closed'`,
		[]string{"2024-01-01 00:00:39 p0:2024-01-01 00:00:49,p1:2024-01-01 00:00:39 1"})
	waitForRows(t, conn, `SELECT split, value FROM weir_late_rows WHERE view = 'closed'`, []string{"1 2024-01-01 00:00:03"})
	waitForRows(t, conn, `SELECT window_start, n FROM closed ORDER BY window_start`,
		[]string{"2024-01-01 00:00:00 3", "2024-01-01 00:00:10 1", "2024-01-01 00:00:20 1"})
}
