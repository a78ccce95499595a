package weir_test

import (
	"context"
	"fmt"
	"os"
	osexec "os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/weir-stream/weir"
)

// produceJSON writes n records {"k": i % 3, "v": i} (from first) into topic,
// spread over partitions by index, and one malformed record per call.
func produceJSON(t *testing.T, c *kfake.Cluster, topic string, partitions int32, first, n int) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var recs []*kgo.Record
	for i := first; i < first+n; i++ {
		recs = append(recs, &kgo.Record{Topic: topic, Partition: int32(i) % partitions, Value: fmt.Appendf(nil, `{"k": %d, "v": %d}`, i%3, i)})
	}
	recs = append(recs, &kgo.Record{Topic: topic, Partition: 0, Value: []byte(`{"k": "three"`)})
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// waitForRows polls query until it returns want (the source reads in the
// background, so FLUSH alone does not promise the topic's end).
func waitForRows(t *testing.T, conn *pgx.Conn, query string, want []string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var got []string
	for time.Now().Before(deadline) {
		mustExec(t, conn, "FLUSH")
		got = queryText(t, conn, query)
		if fmt.Sprint(got) == fmt.Sprint(want) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: got %v, want %v", query, got, want)
}

// TestKafkaSourceExactlyOnceAcrossRestart reads a three-partition topic of an
// in-process Kafka cluster into a view, restarts the server, and checks that
// the view counts every record exactly once, bad records in the dead letters.
func TestKafkaSourceExactlyOnceAcrossRestart(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "orders"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cfg := weir.DefaultConfig()
	cfg.Server.DataDir = t.TempDir()
	cfg.State.CheckpointIntervalMS = 50

	produceJSON(t, c, "orders", 3, 0, 300)
	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	mustExec(t, conn, fmt.Sprintf(`CREATE STREAM orders (k INT, v BIGINT) INCLUDE partition AS p
		WITH (connector = 'kafka', topic = 'orders', properties.bootstrap.server = '%s', format = 'json', on.error = 'dlq')`, c.ListenAddrs()[0]))
	mustExec(t, conn, `CREATE MATERIALIZED VIEW totals AS SELECT k, count(*) AS n, sum(v) AS total FROM orders GROUP BY k`)
	mustExec(t, conn, `CREATE MATERIALIZED VIEW per_partition AS SELECT p, count(*) AS n FROM orders GROUP BY p`)
	// Sums of i over i ≡ k (mod 3), i < 300.
	waitForRows(t, conn, `SELECT * FROM totals ORDER BY k`, []string{"0 100 14850", "1 100 14950", "2 100 15050"})
	waitForRows(t, conn, `SELECT * FROM per_partition ORDER BY p`, []string{"0 100", "1 100", "2 100"})
	conn.Close(context.Background())
	ts.stop()

	// Written while weir is down: read once after the restart, nothing twice.
	produceJSON(t, c, "orders", 3, 300, 300)
	ts = startServer(t, cfg)
	conn = connect(t, ts.dsn)
	waitForRows(t, conn, `SELECT * FROM totals ORDER BY k`, []string{"0 200 59700", "1 200 59900", "2 200 60100"})
	waitForRows(t, conn, `SELECT view, count(*) FROM weir_dead_letters GROUP BY view ORDER BY view`, []string{"per_partition 2", "totals 2"})
	// Since the restart each source has read the 300 new records, and has
	// nothing left to read.
	waitForRows(t, conn, `SELECT view, rows, errors, lag FROM weir_sources ORDER BY view`, []string{"per_partition 300 1 0", "totals 300 1 0"})
}

// TestKafkaKcatInterop has kcat (librdkafka, a client no one here wrote)
// produce keyed JSON records into the in-process cluster, checks that
// weir's views count every one of them, with the keys kcat set, and that
// kcat reads back what a sink wrote.
func TestKafkaKcatInterop(t *testing.T) {
	kcat, err := osexec.LookPath("kcat")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("kcat is not installed (.ci/install-deps installs it)")
		}
		t.Skip("kcat is not installed; apt-get install kcat")
	}
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "clicks", "per_user_out"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ts := startServer(t, memoryConfig())
	conn := connect(t, ts.dsn)
	mustExec(t, conn, fmt.Sprintf(`CREATE STREAM clicks (page VARCHAR, ms INT) INCLUDE key AS usr
		WITH (connector = 'kafka', topic = 'clicks', brokers = '%s', format = 'json')`, c.ListenAddrs()[0]))
	mustExec(t, conn, `CREATE MATERIALIZED VIEW per_user AS
		SELECT convert_from(usr, 'UTF8') AS usr, count(*) AS n, sum(ms) AS total_ms FROM clicks GROUP BY usr`)
	mustExec(t, conn, `CREATE MATERIALIZED VIEW per_page AS SELECT page, count(*) AS n FROM clicks GROUP BY page`)
	mustExec(t, conn, fmt.Sprintf(`CREATE SINK per_user_out AS
		SELECT convert_from(usr, 'UTF8') AS usr, count(*) AS n, sum(ms) AS total_ms FROM clicks GROUP BY usr
		WITH (connector = 'kafka', topic = 'per_user_out', brokers = '%s', type = 'upsert', primary_key = 'usr')`, c.ListenAddrs()[0]))

	// 1000 records "user<i%4>|{...}": kcat splits key and value at '|' and
	// spreads the keys over both partitions with its own partitioner.
	var in strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&in, "user%d|{\"page\": \"/p%d\", \"ms\": %d}\n", i%4, i%5, i)
	}
	cmd := osexec.Command(kcat, "-P", "-b", c.ListenAddrs()[0], "-t", "clicks", "-K", "|")
	cmd.Stdin = strings.NewReader(in.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kcat: %v\n%s", err, out)
	}
	// Sums of i < 1000 with i ≡ u (mod 4): 250 values each.
	waitForRows(t, conn, `SELECT usr, n, total_ms FROM per_user ORDER BY usr`,
		[]string{"user0 250 124500", "user1 250 124750", "user2 250 125000", "user3 250 125250"})
	waitForRows(t, conn, `SELECT page, n FROM per_page ORDER BY page`,
		[]string{"/p0 200", "/p1 200", "/p2 200", "/p3 200", "/p4 200"})
	waitForRows(t, conn, `SELECT view, rows, errors FROM weir_sources ORDER BY view`,
		[]string{"per_page 1000 0", "per_user 1000 0", "per_user_out 1000 0"})

	// kcat reads what weir's sink wrote (the newest value of each key,
	// read_committed) and sees the view.
	deadline := time.Now().Add(20 * time.Second)
	for {
		cmd := osexec.Command(kcat, "-C", "-b", c.ListenAddrs()[0], "-t", "per_user_out", "-o", "beginning", "-e", "-q",
			"-X", "isolation.level=read_committed", "-f", "%k|%s\n")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("kcat -C: %v\n%s", err, out)
		}
		latest := map[string]string{}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if k, v, ok := strings.Cut(line, "|"); ok {
				latest[k] = v
			}
		}
		got := fmt.Sprint(latest)
		want := `map[{"usr":"user0"}:{"usr":"user0","n":250,"total_ms":124500} {"usr":"user1"}:{"usr":"user1","n":250,"total_ms":124750} {"usr":"user2"}:{"usr":"user2","n":250,"total_ms":125000} {"usr":"user3"}:{"usr":"user3","n":250,"total_ms":125250}]`
		if got == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("kcat reads from the sink's topic\n%s\nwant %s", got, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestKafkaPartitionAddedWhileRunning adds a partition to a topic a view is
// reading, and checks that the records written into it are counted, once.
func TestKafkaPartitionAddedWhileRunning(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "orders"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ts := startServer(t, memoryConfig())
	conn := connect(t, ts.dsn)
	mustExec(t, conn, fmt.Sprintf(`CREATE STREAM orders (k INT, v BIGINT) INCLUDE partition AS p
		WITH (connector = 'kafka', topic = 'orders', brokers = '%s', format = 'json',
		      "scan.topic-partition-discovery.interval" = '50ms')`, c.ListenAddrs()[0]))
	mustExec(t, conn, `CREATE MATERIALIZED VIEW per_partition AS SELECT p, count(*) AS n, sum(v) AS total FROM orders GROUP BY p`)
	produceJSON(t, c, "orders", 2, 0, 100) // 50 each into p0 and p1, and a bad record into p0
	waitForRows(t, conn, `SELECT * FROM per_partition ORDER BY p`, []string{"0 50 2450", "1 50 2500"})

	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if _, err := kadm.NewClient(cl).CreatePartitions(context.Background(), 1, "orders"); err != nil {
		t.Fatal(err)
	}
	produceJSON(t, c, "orders", 3, 100, 30) // 10 into each partition, p2 included
	// Record i of [100, 130) goes to partition i mod 3.
	waitForRows(t, conn, `SELECT * FROM per_partition ORDER BY p`, []string{"0 60 3605", "1 60 3635", "2 10 1145"})
}
