package weir_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestCrashJoin kills weir with SIGKILL at random moments (and at steps of
// a checkpoint) while a file stream and a Kafka topic keep growing, and
// checks that join views over the two streams hold, in the end, exactly
// the join of every record of each once: no pair lost, none counted twice,
// although each side's rows live in the join's state and the two sources'
// positions are restored from the same checkpoint.
func TestCrashJoin(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs weir as a child process")
	}
	bin, err := buildWeir()
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	dataDir := filepath.Join(root, "data")
	config := filepath.Join(root, "weir.yaml")
	if err := os.WriteFile(config, []byte("server:\n  file_roots: ['"+root+"']\nstate_management:\n  backend_type: local\n  checkpoint_interval_ms: 100\n  retained_checkpoints: 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	// The file: bids (k, v), k = i % 600. The topic: items (k, w), k = i %
	// 500, ten per key. Bids of keys 500 to 599 match no item.
	const bids, items = 20_000, 5_000
	csvPath := filepath.Join(root, "bids.csv")
	if err := os.WriteFile(csvPath, []byte("k,v\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		f, err := os.OpenFile(csvPath, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Error(err)
			return
		}
		defer f.Close()
		for i := 0; i < bids; {
			var b strings.Builder
			for n := 0; n < 250 && i < bids; n, i = n+1, i+1 {
				fmt.Fprintf(&b, "%d,%d\n", i%600, i)
			}
			if _, err := f.WriteString(b.String()); err != nil {
				t.Error(err)
				return
			}
			time.Sleep(40 * time.Millisecond)
		}
	}()
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "items"))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	producerDone := make(chan struct{})
	go func() {
		defer close(producerDone)
		cl, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...))
		if err != nil {
			t.Error(err)
			return
		}
		defer cl.Close()
		for i := 0; i < items; {
			var recs []*kgo.Record
			for n := 0; n < 60 && i < items; n, i = n+1, i+1 {
				recs = append(recs, &kgo.Record{Topic: "items", Value: fmt.Appendf(nil, `{"k": %d, "w": %d}`, i%500, i)})
			}
			if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
				t.Error(err)
				return
			}
			time.Sleep(40 * time.Millisecond)
		}
	}()

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 14))
	crashes := []struct {
		at    string
		after int
	}{{"", 0}, {"taken", 2}, {"", 0}, {"files", 2}, {"", 0}, {"manifest", 3}, {"", 0}, {"", 0}}
	fired := 0
	for round, c := range crashes {
		var env []string
		if c.at != "" {
			env = []string{"WEIR_CRASH_AT=" + c.at, fmt.Sprintf("WEIR_CRASH_AFTER=%d", c.after)}
		}
		p := startWeirProcessEnv(t, env, bin, dataDir, config)
		if p == nil {
			if round == 0 {
				t.Fatal("weir exited before it served")
			}
			fired++
			continue
		}
		if round == 0 {
			conn, err := pgx.Connect(context.Background(), p.dsn)
			if err != nil {
				t.Fatal(err)
			}
			mustExec(t, conn, fmt.Sprintf(`CREATE STREAM bids (k INT, v BIGINT) WITH (connector = 'file', path = '%s', format = 'csv')`, csvPath))
			mustExec(t, conn, fmt.Sprintf(`CREATE STREAM items (k INT, w BIGINT) WITH (connector = 'kafka', topic = 'items', brokers = '%s', format = 'json', scan.startup.mode = 'earliest')`, cluster.ListenAddrs()[0]))
			// Every pair, and per key, at two parallelisms.
			mustExec(t, conn, `CREATE MATERIALIZED VIEW pairs AS SELECT b.v, i.w FROM bids b JOIN items i ON b.k = i.k`)
			mustExec(t, conn, `CREATE MATERIALIZED VIEW per_k WITH (parallelism = 2) AS SELECT b.k, count(*) AS n, sum(b.v) AS sv, sum(i.w) AS sw FROM bids b JOIN items i ON b.k = i.k GROUP BY b.k`)
			conn.Close(context.Background())
		}
		if c.at == "" {
			time.Sleep(time.Duration(200+rng.IntN(700)) * time.Millisecond)
			p.kill()
		} else if p.waitExit(10 * time.Second) {
			fired++
		}
	}
	if fired < 2 {
		t.Errorf("%d of the 3 crash points fired; the test wants at least 2", fired)
	}
	<-writerDone
	<-producerDone

	// What the join of every record once holds: per key k < 500, the bids
	// of k times the ten items of k.
	type acc struct{ n, sv, sw int64 }
	perK := map[int]*acc{}
	var total acc
	for i := range bids {
		k := i % 600
		if k >= 500 {
			continue
		}
		a := perK[k]
		if a == nil {
			a = &acc{}
			perK[k] = a
		}
		for j := k; j < items; j += 500 {
			a.n++
			a.sv += int64(i)
			a.sw += int64(j)
		}
	}
	var want []string
	for k := range 500 {
		a := perK[k]
		want = append(want, fmt.Sprintf("%d %d %d %d", k, a.n, a.sv, a.sw))
		total.n, total.sv, total.sw = total.n+a.n, total.sv+a.sv, total.sw+a.sw
	}
	p := startWeirProcess(t, bin, dataDir, config)
	conn := connect(t, p.dsn)
	waitForRows(t, conn, `SELECT count(*), sum(v), sum(w) FROM pairs`, []string{fmt.Sprintf("%d %d %d", total.n, total.sv, total.sw)})
	if got := queryText(t, conn, `SELECT k, n, sv, sw FROM per_k ORDER BY k`); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("per_k after %d rounds of crashes differs from the join of every record once\nweir: %.300v\nwant: %.300v", len(crashes), got, want)
	}
	if got := queryText(t, conn, `SELECT count(*) FROM (SELECT DISTINCT v, w FROM pairs) AS d`); len(got) != 1 || got[0] != fmt.Sprint(total.n) {
		t.Errorf("pairs holds %v distinct pairs, want %d (each once)", got, total.n)
	}
	conn.Close(context.Background())
	p.kill()
}
