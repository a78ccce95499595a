package weir_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/weir-stream/weir"
)

// syncBuffer is a bytes.Buffer safe for the stdout sink's goroutine and
// the test's.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// readTopic returns every committed record of topic (read_committed), in
// offset order per partition.
func readTopic(t *testing.T, c *kfake.Cluster, topic string) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumeTopics(topic),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var recs []*kgo.Record
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		fs := cl.PollFetches(ctx)
		cancel()
		n := 0
		fs.EachRecord(func(r *kgo.Record) { recs = append(recs, r); n++ })
		if n == 0 {
			return recs
		}
	}
}

// replayUpsert applies upsert records (key → row, tombstones delete) and
// returns the rows, sorted.
func replayUpsert(keys, values [][]byte) []string {
	rows := map[string]string{}
	for i := range keys {
		if values[i] == nil {
			delete(rows, string(keys[i]))
		} else {
			rows[string(keys[i])] = string(values[i])
		}
	}
	return slices.Sorted(maps.Values(rows))
}

// replayDebezium applies before/after envelopes and returns the rows,
// sorted; a delete or update of a row that is not there is an error.
func replayDebezium(t *testing.T, values [][]byte) []string {
	t.Helper()
	rows := map[string]int{}
	for _, v := range values {
		var env struct {
			Before, After json.RawMessage
			Op            string
		}
		if err := json.Unmarshal(v, &env); err != nil {
			t.Fatalf("envelope %s: %v", v, err)
		}
		if b := string(env.Before); b != "" && b != "null" {
			if rows[b] == 0 {
				t.Fatalf("envelope %s removes a row that is not there", v)
			}
			rows[b]--
			if rows[b] == 0 {
				delete(rows, b)
			}
		}
		if a := string(env.After); a != "" && a != "null" {
			rows[a]++
		}
	}
	var out []string
	for r, n := range rows {
		for range n {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out
}

// TestSinks: a view's changes (inserts, updates, deletes) delivered to
// Kafka as upsert records, as Debezium envelopes, and into files, replayed
// by an independent reader, equal the view; an append-only stream goes to
// Kafka and to stdout line by line; sinks are listed, refuse what they
// cannot write, and go with DROP.
func TestSinks(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "totals", "changes", "bids"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var out syncBuffer
	cfg := weir.DefaultConfig()
	cfg.Server.DataDir = t.TempDir()
	cfg.State.CheckpointIntervalMS = 50
	cfg.SinkOutput = &out
	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	brokers := c.ListenAddrs()[0]
	dir := t.TempDir()

	mustExec(t, conn, `CREATE TABLE orders (id BIGINT PRIMARY KEY, user_id INT, amount DOUBLE PRECISION)`)
	mustExec(t, conn, `CREATE MATERIALIZED VIEW totals AS SELECT user_id, count(*) AS n, sum(amount) AS total FROM orders GROUP BY user_id`)
	mustExec(t, conn, `INSERT INTO orders VALUES (1, 1, 10), (2, 1, 5), (3, 2, 7)`)
	mustExec(t, conn, fmt.Sprintf(`CREATE SINK totals_kafka FROM totals WITH (connector = 'kafka', topic = 'totals', brokers = '%s', type = 'upsert')`, brokers))
	mustExec(t, conn, fmt.Sprintf(`CREATE SINK changes_kafka AS SELECT user_id, count(*) AS n FROM orders GROUP BY user_id WITH (connector = 'kafka', topic = 'changes', brokers = '%s', type = 'debezium')`, brokers))
	mustExec(t, conn, fmt.Sprintf(`CREATE SINK totals_file FROM totals WITH (connector = 'file', path = '%s', type = 'upsert')`, dir))
	mustExec(t, conn, `CREATE STREAM bid WITH (connector = 'nexmark', nexmark.table = 'bid', nexmark.events.total = '500')`)
	mustExec(t, conn, fmt.Sprintf(`CREATE SINK bids_kafka AS SELECT auction, price FROM bid WITH (connector = 'kafka', topic = 'bids', brokers = '%s', exactly_once = 'false')`, brokers))
	mustExec(t, conn, `CREATE SINK big_bids AS SELECT auction, price FROM bid WHERE price > 10000000 WITH (connector = 'stdout', format = 'csv')`)
	mustExec(t, conn, `CREATE SINK void FROM totals WITH (connector = 'blackhole', type = 'debezium')`)

	mustExec(t, conn, `INSERT INTO orders VALUES (4, 3, 1)`)
	mustExec(t, conn, `UPDATE orders SET amount = 20 WHERE id = 1`)
	mustExec(t, conn, `DELETE FROM orders WHERE id = 3`)
	mustExec(t, conn, `FLUSH`)

	if got := strings.Join(queryText(t, conn, `SHOW SINKS`), ","); got != "bids_kafka,big_bids,changes_kafka,totals_file,totals_kafka,void" {
		t.Errorf("SHOW SINKS = %s", got)
	}
	want := []string{`{"user_id":1,"n":2,"total":25}`, `{"user_id":3,"n":1,"total":1}`}
	wantCounts := []string{`{"user_id":1,"n":2}`, `{"user_id":3,"n":1}`}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var keys, values, changes [][]byte
		for _, r := range readTopic(t, c, "totals") {
			keys, values = append(keys, r.Key), append(values, r.Value)
		}
		for _, r := range readTopic(t, c, "changes") {
			changes = append(changes, r.Value)
		}
		var fileKeys, fileValues [][]byte
		files, _ := filepath.Glob(filepath.Join(dir, "totals_file-*.jsonl"))
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
				var rec struct{ Key, Value json.RawMessage }
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Fatalf("%s: %q: %v", f, line, err)
				}
				var v []byte
				if string(rec.Value) != "null" {
					v = rec.Value
				}
				fileKeys, fileValues = append(fileKeys, rec.Key), append(fileValues, v)
			}
		}
		bids := readTopic(t, c, "bids")
		got := fmt.Sprint(replayUpsert(keys, values), replayDebezium(t, changes), replayUpsert(fileKeys, fileValues), len(bids))
		if got == fmt.Sprint(want, wantCounts, want, 460) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sinks hold %s\nwant %s\nweir_sinks: %v", got, fmt.Sprint(want, wantCounts, want, 460),
				queryText(t, conn, `SELECT sink, records, commits, aborts, delivered_epoch, error FROM weir_sinks ORDER BY sink`))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := queryText(t, conn, `SELECT count(*) FROM weir_sinks WHERE error IS NULL AND records > 0`); len(got) != 1 || got[0] != "6" {
		t.Errorf("weir_sinks: %v", queryText(t, conn, `SELECT * FROM weir_sinks ORDER BY sink`))
	}
	// Every bid over 10M is a CSV line on stdout.
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if !strings.HasPrefix(line, "big_bids: ") || strings.Count(line, ",") != 1 {
			t.Errorf("stdout line %q", line)
		}
	}

	for _, c := range []struct{ sql, want string }{
		{`CREATE SINK s FROM totals WITH (connector = 'kafka', topic = 't', brokers = 'x')`, "give type = 'upsert' or 'debezium'"},
		{`CREATE SINK s FROM totals WITH (connector = 'stdout', type = 'append-only')`, "updates and deletes rows"},
		{`CREATE SINK s FROM bid WITH (connector = 'stdout', type = 'upsert')`, "an upsert sink needs a key"},
		{`CREATE SINK s FROM totals WITH (connector = 'stdout', type = 'upsert', format = 'csv')`, "format 'csv'"},
		{`CREATE SINK s FROM totals WITH (connector = 'pigeon')`, "not supported"},
		{`CREATE SINK s FROM totals WITH (connector = 'file', type = 'upsert')`, "path"},
		{`CREATE SINK s FROM totals WITH (connector = 'kafka', type = 'upsert', brokers = 'x')`, "topic"},
		{`SELECT * FROM void`, "is a sink, not a relation"},
		{`DROP MATERIALIZED VIEW totals`, "depend on it"},
	} {
		_, err := conn.Exec(context.Background(), c.sql)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.sql, err, c.want)
		}
	}
	mustExec(t, conn, `DROP SINK void`)
	mustExec(t, conn, `DROP MATERIALIZED VIEW totals CASCADE`)
	if got := strings.Join(queryText(t, conn, `SHOW SINKS`), ","); got != "bids_kafka,big_bids,changes_kafka" {
		t.Errorf("SHOW SINKS after the drops = %s", got)
	}
}
