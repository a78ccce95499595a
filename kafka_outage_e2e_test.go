package weir_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	osexec "os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/weir-stream/weir"
)

// noticeConn connects to dsn keeping every notice and warning the server sends.
func noticeConn(t *testing.T, dsn string) (*pgx.Conn, func() []*pgconn.Notice) {
	t.Helper()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var notices []*pgconn.Notice
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
		mu.Lock()
		notices = append(notices, n)
		mu.Unlock()
	}
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn, func() []*pgconn.Notice {
		mu.Lock()
		defer mu.Unlock()
		out := notices
		notices = nil
		return out
	}
}

// adminClient returns a kadm client of cluster c.
func adminClient(t *testing.T, c *kfake.Cluster) *kadm.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}

// TestKafkaTopicCreatedAfterStream creates a stream over a topic that does
// not exist yet: the client gets a WARNING (over the wire, with psql too),
// weir_sources shows the source waiting and why, and once the topic is
// created every record in it is counted once by the view that waited for it
// (from its start, even with scan.startup.mode 'latest': all of it is newer
// than the view). A view created once the topic exists reads from its end,
// as 'latest' says.
func TestKafkaTopicCreatedAfterStream(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cfg := memoryConfig()
	ts := startServer(t, cfg)
	conn, notices := noticeConn(t, ts.dsn)
	mustExec(t, conn, fmt.Sprintf(`CREATE STREAM orders (k INT, v BIGINT)
		WITH (connector = 'kafka', topic = 'orders', brokers = '%s', format = 'json', scan.startup.mode = 'latest',
		      "scan.topic-partition-discovery.interval" = '50ms')`, c.ListenAddrs()[0]))
	got := notices()
	if len(got) != 1 || got[0].Severity != "WARNING" || got[0].Code != "01000" || got[0].Message != `kafka topic "orders" does not exist yet` ||
		!strings.Contains(got[0].Hint, "from its start") {
		t.Fatalf("notices %+v", got)
	}
	mustExec(t, conn, `CREATE MATERIALIZED VIEW totals AS SELECT k, count(*) AS n, sum(v) AS total FROM orders GROUP BY k`)
	waitForRows(t, conn, `SELECT view, status, last_error LIKE '%topic "orders" does not exist%' FROM weir_sources`, []string{"totals waiting t"})
	waitForRows(t, conn, `SELECT name, status FROM weir_jobs WHERE name = 'totals'`, []string{"totals running"})

	// psql prints the warning as one.
	if path, err := osexec.LookPath("psql"); err == nil {
		cmd := osexec.Command(path, ts.dsn, "-X", "-c", fmt.Sprintf(`CREATE STREAM later (k INT) WITH (connector = 'kafka', topic = 'later', brokers = '%s', format = 'json')`, c.ListenAddrs()[0]))
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), `WARNING:  kafka topic "later" does not exist yet`) {
			t.Fatalf("psql: %v\n%s", err, out)
		}
	} else if os.Getenv("CI") == "true" {
		t.Fatal("psql is required under CI=true")
	}

	if _, err := adminClient(t, c).CreateTopic(context.Background(), 3, 1, nil, "orders"); err != nil {
		t.Fatal(err)
	}
	produceJSON(t, c, "orders", 3, 0, 300)
	waitForRows(t, conn, `SELECT * FROM totals ORDER BY k`, []string{"0 100 14850", "1 100 14950", "2 100 15050"})
	waitForRows(t, conn, `SELECT view, status, rows, errors, lag FROM weir_sources`, []string{"totals running 300 1 0"})

	mustExec(t, conn, `CREATE MATERIALIZED VIEW recent AS SELECT count(*) AS n FROM orders`)
	waitForRows(t, conn, `SELECT position FROM weir_sources WHERE view = 'recent'`, []string{"p0:101,p1:100,p2:100"})
	produceJSON(t, c, "orders", 3, 300, 30)
	waitForRows(t, conn, `SELECT n FROM recent`, []string{"30"})
	waitForRows(t, conn, `SELECT sum(n) FROM totals`, []string{"330"})
}

// TestKafkaTopicRecreatedUnderView deletes the topic under a view that keeps
// every record and creates it again: the new topic's records are added to
// the view (their row ids are not the old records', whose offsets the new
// topic starts over with), and the source reads on from them.
func TestKafkaTopicRecreatedUnderView(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "orders"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ts := startServer(t, memoryConfig())
	conn := connect(t, ts.dsn)
	mustExec(t, conn, fmt.Sprintf(`CREATE STREAM orders (k INT, v BIGINT)
		WITH (connector = 'kafka', topic = 'orders', brokers = '%s', format = 'json', "scan.topic-partition-discovery.interval" = '50ms')`, c.ListenAddrs()[0]))
	mustExec(t, conn, `CREATE MATERIALIZED VIEW kept AS SELECT k, v FROM orders`)
	produceJSON(t, c, "orders", 3, 0, 30)
	waitForRows(t, conn, `SELECT count(*), sum(v) FROM kept`, []string{"30 435"})

	adm := adminClient(t, c)
	if _, err := adm.DeleteTopic(context.Background(), "orders"); err != nil {
		t.Fatal(err)
	}
	waitForRows(t, conn, `SELECT status FROM weir_sources`, []string{"waiting"})
	if _, err := adm.CreateTopic(context.Background(), 1, 1, nil, "orders"); err != nil {
		t.Fatal(err)
	}
	produceJSON(t, c, "orders", 1, 1000, 5)
	waitForRows(t, conn, `SELECT count(*), sum(v) FROM kept`, []string{"35 5445"})
	waitForRows(t, conn, `SELECT status, position FROM weir_sources`, []string{"running p0:6"})
}

// silentBroker returns the address of a listener that accepts connections
// and never answers, as a broker that hangs.
func silentBroker(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, conn)
		}
	}()
	return ln.Addr().String()
}

// TestKafkaChecksOutsideDDLLock: while CREATE STREAM and CREATE SINK wait
// for brokers that do not answer (08001 after the check's timeout), other
// DDL goes on: the broker checks do not hold the engine's DDL lock.
func TestKafkaChecksOutsideDDLLock(t *testing.T) {
	silent := silentBroker(t)
	ts := startServer(t, memoryConfig())
	conn := connect(t, ts.dsn)
	mustExec(t, conn, `CREATE TABLE src (k INT PRIMARY KEY)`)
	errs := make(chan error, 2)
	for _, stmt := range []string{
		`CREATE STREAM slow (k INT) WITH (connector = 'kafka', topic = 't', brokers = '%s', format = 'json')`,
		`CREATE SINK slow_sink FROM src WITH (connector = 'kafka', topic = 't', brokers = '%s', type = 'upsert')`,
	} {
		c := connect(t, ts.dsn)
		go func() {
			_, err := c.Exec(context.Background(), fmt.Sprintf(stmt, silent))
			errs <- err
		}()
	}
	time.Sleep(500 * time.Millisecond)
	began := time.Now()
	mustExec(t, conn, `CREATE TABLE other (k INT)`)
	mustExec(t, conn, `DROP TABLE other`)
	if took := time.Since(began); took > 2*time.Second {
		t.Fatalf("CREATE TABLE took %v while Kafka checks waited for their brokers", took)
	}
	for range 2 {
		var pe *pgconn.PgError
		if err := <-errs; !errors.As(err, &pe) || pe.Code != "08001" {
			t.Fatalf("statement over a silent broker: %v", err)
		}
	}
	if got := queryText(t, conn, `SHOW SINKS`); len(got) != 0 {
		t.Fatalf("sinks %v", got)
	}
}

// TestKafkaBrokerRestartUnderStream stops the broker under a running
// stream: weir_sources shows the source waiting with the error, the job
// keeps running, and once the broker is back (same port, same data) the
// view counts every record once, those written before and after.
func TestKafkaBrokerRestartUnderStream(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	dir := t.TempDir()
	start := func() *kfake.Cluster {
		c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(port), kfake.DataDir(dir), kfake.SeedTopics(3, "orders"))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := start()
	cfg := weir.DefaultConfig()
	cfg.Server.DataDir = t.TempDir()
	cfg.State.CheckpointIntervalMS = 50
	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	mustExec(t, conn, fmt.Sprintf(`CREATE STREAM orders (k INT, v BIGINT)
		WITH (connector = 'kafka', topic = 'orders', brokers = '%s', format = 'json', "scan.topic-partition-discovery.interval" = '50ms')`, c.ListenAddrs()[0]))
	mustExec(t, conn, `CREATE MATERIALIZED VIEW totals AS SELECT k, count(*) AS n, sum(v) AS total FROM orders GROUP BY k`)
	produceJSON(t, c, "orders", 3, 0, 300)
	waitForRows(t, conn, `SELECT * FROM totals ORDER BY k`, []string{"0 100 14850", "1 100 14950", "2 100 15050"})

	c.Close()
	waitForRows(t, conn, `SELECT view, status, last_error IS NOT NULL FROM weir_sources`, []string{"totals waiting t"})
	waitForRows(t, conn, `SELECT name, status FROM weir_jobs WHERE name = 'totals'`, []string{"totals running"})
	t.Logf("waiting: %s", queryText(t, conn, `SELECT last_error FROM weir_sources`))

	c = start()
	defer c.Close()
	produceJSON(t, c, "orders", 3, 300, 300)
	// Sums of i over i ≡ k (mod 3), i < 600.
	waitForRows(t, conn, `SELECT * FROM totals ORDER BY k`, []string{"0 200 59700", "1 200 59900", "2 200 60100"})
	waitForRows(t, conn, `SELECT view, status, rows, errors, lag FROM weir_sources`, []string{"totals running 600 2 0"})
}

// TestKafkaStreamBrokersDown: CREATE STREAM over brokers that do not answer
// fails at once with 08001 and creates nothing.
func TestKafkaStreamBrokersDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ts := startServer(t, memoryConfig())
	conn := connect(t, ts.dsn)
	began := time.Now()
	_, err = conn.Exec(context.Background(), fmt.Sprintf(`CREATE STREAM orders (k INT) WITH (connector = 'kafka', topic = 'orders', brokers = '%s', format = 'json')`, addr))
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "08001" || pe.Message != fmt.Sprintf(`could not connect to Kafka brokers %q: unable to dial: dial tcp %s: connect: connection refused`, addr, addr) {
		t.Fatalf("CREATE STREAM over brokers that are down: %v", err)
	}
	if took := time.Since(began); took > 6*time.Second {
		t.Fatalf("CREATE STREAM took %v", took)
	}
	if got := queryText(t, conn, `SHOW STREAMS`); len(got) != 0 {
		t.Fatalf("streams %v", got)
	}
	_, err = conn.Exec(context.Background(), fmt.Sprintf(`CREATE SINK s AS SELECT 1 AS one FROM orders WITH (connector = 'kafka', topic = 'out', brokers = '%s')`, addr))
	if err == nil {
		t.Fatal("CREATE SINK over a stream that does not exist succeeded")
	}
}

// TestKafkaSinkCreatesTopic: CREATE SINK into a missing topic creates it
// with the partitions asked for (a notice says so) and delivers into it;
// with topic.create = 'false' CREATE SINK fails with 42704 naming the topic.
func TestKafkaSinkCreatesTopic(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "orders"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ts := startServer(t, memoryConfig())
	conn, notices := noticeConn(t, ts.dsn)
	brokers := c.ListenAddrs()[0]
	mustExec(t, conn, fmt.Sprintf(`CREATE STREAM orders (k INT, v BIGINT) WITH (connector = 'kafka', topic = 'orders', brokers = '%s', format = 'json')`, brokers))
	if got := notices(); len(got) != 0 {
		t.Fatalf("notices for a topic that exists: %+v", got)
	}
	mustExec(t, conn, fmt.Sprintf(`CREATE SINK big AS SELECT k, v FROM orders WHERE v >= 5
		WITH (connector = 'kafka', topic = 'big_orders', brokers = '%s', topic.partitions = '3')`, brokers))
	if got := notices(); len(got) != 1 || got[0].Severity != "NOTICE" || got[0].Message != `created kafka topic "big_orders" with 3 partitions` {
		t.Fatalf("notices %+v", got)
	}
	td, err := adminClient(t, c).ListTopics(context.Background(), "big_orders")
	if err != nil || len(td["big_orders"].Partitions) != 3 {
		t.Fatalf("topic big_orders: %+v %v", td, err)
	}
	produceJSON(t, c, "orders", 1, 0, 10)
	deadline := time.Now().Add(20 * time.Second)
	for {
		mustExec(t, conn, "FLUSH")
		if n := len(readTopic(t, c, "big_orders")); n == 5 {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("big_orders holds %d records, want 5", n)
		}
		time.Sleep(100 * time.Millisecond)
	}

	_, err = conn.Exec(context.Background(), fmt.Sprintf(`CREATE SINK nope AS SELECT k, v FROM orders
		WITH (connector = 'kafka', topic = 'missing', brokers = '%s', topic.create = 'false')`, brokers))
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "42704" || pe.Message != `kafka topic "missing" does not exist` {
		t.Fatalf("topic.create = 'false' into a missing topic: %v", err)
	}
	if got := strings.Join(queryText(t, conn, `SHOW SINKS`), ","); got != "big" {
		t.Fatalf("sinks %s", got)
	}
	if td, _ := adminClient(t, c).ListTopics(context.Background(), "missing"); td["missing"].Err == nil {
		t.Fatal("topic missing was created")
	}

	// A sink refused because the view it reads has failed creates no topic.
	mustExec(t, conn, `CREATE TABLE t (k INT PRIMARY KEY, x INT)`)
	mustExec(t, conn, `CREATE MATERIALIZED VIEW q AS SELECT k, 10 / x AS q FROM t`)
	mustExec(t, conn, `INSERT INTO t VALUES (1, 0)`)
	waitForRows(t, conn, `SELECT status FROM weir_jobs WHERE name = 'q'`, []string{"failed"})
	notices() // FLUSH's warnings that q failed
	_, err = conn.Exec(context.Background(), fmt.Sprintf(`CREATE SINK over_failed FROM q
		WITH (connector = 'kafka', topic = 'never', brokers = '%s', type = 'upsert')`, brokers))
	if !errors.As(err, &pe) || pe.Code != "22012" {
		t.Fatalf("CREATE SINK over a failed view: %v", err)
	}
	if got := notices(); len(got) != 0 {
		t.Fatalf("notices %+v", got)
	}
	if td, _ := adminClient(t, c).ListTopics(context.Background(), "never"); td["never"].Err == nil {
		t.Fatal("topic never was created for a sink that was refused")
	}
}
