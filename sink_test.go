package weir_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hamba/avro/v2"
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
	cfg.Server.FileRoots = []string{os.TempDir()} // the file sink's directory
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

// fakeRegistry is a schema registry in memory: POST
// /subjects/{s}/versions registers (the same schema gets the same id),
// GET /schemas/ids/{id} returns one.
type fakeRegistry struct {
	mu      sync.Mutex
	schemas []string
	subject map[string]int
}

func (f *fakeRegistry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var id int
	switch {
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/versions"):
		var body struct{ Schema string }
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			w.WriteHeader(http.StatusUnprocessableEntity)
			return
		}
		id = slices.Index(f.schemas, body.Schema) + 1
		if id == 0 {
			f.schemas = append(f.schemas, body.Schema)
			id = len(f.schemas)
		}
		f.subject[strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/subjects/"), "/versions")] = id
		json.NewEncoder(w).Encode(map[string]int{"id": id})
	case r.Method == http.MethodGet && fmt.Sprint(fmt.Sscanf(r.URL.Path, "/schemas/ids/%d", &id)) == "1 <nil>" && id >= 1 && id <= len(f.schemas):
		json.NewEncoder(w).Encode(map[string]string{"schema": f.schemas[id-1]})
	default:
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"error_code":40403,"message":"not found"}`)
	}
}

// TestAvroSink: an upsert sink with format avro registers its value and key
// schemas under the topic's subjects and writes Confluent-framed Avro that,
// decoded with the registered schemas and replayed, equals the view.
func TestAvroSink(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "totals"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	reg := &fakeRegistry{subject: map[string]int{}}
	srv := httptest.NewServer(reg)
	defer srv.Close()
	ts := startServer(t, memoryConfig())
	conn := connect(t, ts.dsn)
	mustExec(t, conn, `CREATE TABLE orders (id BIGINT PRIMARY KEY, user_id INT, amount NUMERIC(10, 2), at TIMESTAMP)`)
	mustExec(t, conn, `CREATE MATERIALIZED VIEW totals AS SELECT user_id, count(*) AS n, sum(amount) AS total, max(at) AS last FROM orders GROUP BY user_id`)
	mustExec(t, conn, fmt.Sprintf(`CREATE SINK totals_avro FROM totals WITH (connector = 'kafka', topic = 'totals', brokers = '%s',
		type = 'upsert', format = 'avro', schema.registry = '%s')`, c.ListenAddrs()[0], srv.URL))
	mustExec(t, conn, `INSERT INTO orders VALUES (1, 1, 10.50, '2026-01-02 03:04:05'), (2, 1, 2.25, '2026-01-03 00:00:00'), (3, 2, 7, NULL)`)
	mustExec(t, conn, `UPDATE orders SET amount = 1 WHERE id = 3`)
	mustExec(t, conn, `INSERT INTO orders VALUES (4, 3, 1, NULL)`)
	mustExec(t, conn, `DELETE FROM orders WHERE id = 4`)
	mustExec(t, conn, `FLUSH`)
	if reg.subject["totals-value"] == 0 || reg.subject["totals-key"] == 0 {
		t.Fatalf("registered subjects %v", reg.subject)
	}
	want := []string{"map[last:2026-01-03 00:00:00 +0000 UTC n:2 total:12.75 user_id:1]", "map[last:<nil> n:1 total:1.00 user_id:2]"}
	decode := func(data []byte) map[string]any {
		t.Helper()
		if len(data) < 5 || data[0] != 0 {
			t.Fatalf("not the Confluent wire format: %x", data)
		}
		id := int(binary.BigEndian.Uint32(data[1:5]))
		s, err := avro.Parse(reg.schemas[id-1])
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		if err := avro.Unmarshal(s, data[5:], &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		rows := map[string]string{}
		for _, r := range readTopic(t, c, "totals") {
			key := fmt.Sprint(decode(r.Key))
			if r.Value == nil {
				delete(rows, key)
				continue
			}
			v := decode(r.Value)
			for k, x := range v {
				switch x := x.(type) {
				case *big.Rat:
					v[k] = x.FloatString(2)
				case map[string]any: // a union: {"type": value}
					for _, inner := range x {
						if r, ok := inner.(*big.Rat); ok {
							v[k] = r.FloatString(2)
						} else {
							v[k] = inner
						}
					}
				}
			}
			rows[key] = fmt.Sprint(v)
		}
		got := slices.Sorted(maps.Values(rows))
		if fmt.Sprint(got) == fmt.Sprint(want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the Avro topic replays to %v\nwant %v", got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
