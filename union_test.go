package weir_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/weir-stream/weir"
	"github.com/weir-stream/weir/exec"
)

// TestUnionSinkAndSubscription: a sink and a subscription whose queries
// are unions of two tables follow inserts, updates and deletes on both
// sides, with every row of each side kept apart from the other's.
func TestUnionSinkAndSubscription(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "per_x"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cfg := weir.DefaultConfig()
	cfg.Server.DataDir = t.TempDir()
	cfg.State.CheckpointIntervalMS = 50
	ts := startServer(t, cfg)
	ctx := context.Background()
	conn := connect(t, ts.dsn)
	mustExec(t, conn, `CREATE TABLE a (id BIGINT PRIMARY KEY, x INT)`)
	mustExec(t, conn, `CREATE TABLE b (id BIGINT PRIMARY KEY, x INT)`)
	mustExec(t, conn, `INSERT INTO a VALUES (1, 10), (2, 20)`)
	mustExec(t, conn, `INSERT INTO b VALUES (1, 10), (3, 30)`)
	mustExec(t, conn, fmt.Sprintf(`CREATE SINK per_x AS SELECT x, count(*) AS n FROM (SELECT x FROM a UNION ALL SELECT x FROM b) AS u GROUP BY x
		WITH (connector = 'kafka', topic = 'per_x', brokers = '%s', type = 'debezium')`, c.ListenAddrs()[0]))

	var mu sync.Mutex
	rows := map[string]int64{} // "id x" → count
	sub, err := ts.eng.Subscribe(ctx, `SELECT id, x FROM a UNION ALL SELECT id, x FROM b`, func(_ context.Context, ch exec.Chunk) error {
		id, x := ch.Batch.Column(0).(*array.Int64), ch.Batch.Column(1).(*array.Int32)
		mu.Lock()
		defer mu.Unlock()
		for i := range ch.NumRows() {
			k := fmt.Sprintf("%d %d", id.Value(i), x.Value(i))
			if rows[k] += ch.OpAt(i).Sign(); rows[k] == 0 {
				delete(rows, k)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close(ctx)

	mustExec(t, conn, `UPDATE a SET x = 30 WHERE id = 1`)
	mustExec(t, conn, `DELETE FROM b WHERE id = 1`)
	mustExec(t, conn, `INSERT INTO b VALUES (4, 20)`)
	mustExec(t, conn, `FLUSH`)

	mu.Lock()
	got := fmt.Sprint(rows)
	mu.Unlock()
	if want := "map[1 30:1 2 20:1 3 30:1 4 20:1]"; got != want {
		t.Errorf("replayed union subscription: %s, want %s", got, want)
	}
	want := []string{`{"x":20,"n":2}`, `{"x":30,"n":2}`}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var values [][]byte
		for _, r := range readTopic(t, c, "per_x") {
			values = append(values, r.Value)
		}
		got := replayDebezium(t, values)
		if slices.Equal(got, want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the union sink's topic replays to %v, want %v", got, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
