package weir_test

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
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
// positions are restored from the same checkpoint. So do a top-N over the
// join, a top-N over an aggregate of one stream and a semi join (IN), whose
// windows and per-key counts live in state too.
func TestCrashJoin(t *testing.T) {
	bin, root, dataDir, config := crashSetup(t, 100, 2, true)

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
			// A top-N over the join, ranked by a hash of the pair so
			// that the rows it keeps in the end arrive all along the run
			// (in rounds that crashed), and ties are broken by the pair.
			mustExec(t, conn, `CREATE MATERIALIZED VIEW top_pairs AS SELECT b.v, i.w, (b.v * 7919 + i.w * 31) % 10007 AS h FROM bids b JOIN items i ON b.k = i.k ORDER BY h, v, w LIMIT 20 OFFSET 5`)
			// A top-N over a parallel aggregate of one stream: every bid
			// moves its group's rank, so groups enter and leave the window
			// all the time, and the top-N keeps every group in its state.
			mustExec(t, conn, `CREATE MATERIALIZED VIEW top_groups WITH (parallelism = 2) AS SELECT k, count(*) AS n, sum(v) AS s, sum(v) % 1009 AS r FROM bids GROUP BY k ORDER BY r DESC, k LIMIT 20 OFFSET 3`)
			// A semi join: the bids of keys that have an item with
			// w % 1000 < 300 (keys 0 to 299, five such items each).
			mustExec(t, conn, `CREATE MATERIALIZED VIEW hot_bids AS SELECT k, v FROM bids WHERE k IN (SELECT k FROM items WHERE w % 1000 < 300)`)
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
	// The top-N of every pair by (h, v, w), rows 5 to 24.
	type pair struct{ v, w, h int64 }
	var allPairs []pair
	for i := range bids {
		if k := i % 600; k < 500 {
			for j := k; j < items; j += 500 {
				allPairs = append(allPairs, pair{int64(i), int64(j), (int64(i)*7919 + int64(j)*31) % 10007})
			}
		}
	}
	slices.SortFunc(allPairs, func(a, b pair) int {
		return cmp.Or(cmp.Compare(a.h, b.h), cmp.Compare(a.v, b.v), cmp.Compare(a.w, b.w))
	})
	var wantTopPairs []string
	for _, x := range allPairs[5:25] {
		wantTopPairs = append(wantTopPairs, fmt.Sprintf("%d %d %d", x.h, x.v, x.w))
	}
	// The groups of bids by k, ranked by (sum % 1009 DESC, k), rows 3 to
	// 22; and the bids of keys 0 to 299.
	type group struct{ k, n, s int64 }
	groups := make([]group, 600)
	var hot acc
	for i := range bids {
		k := i % 600
		groups[k] = group{int64(k), groups[k].n + 1, groups[k].s + int64(i)}
		if k < 300 {
			hot.n, hot.sv = hot.n+1, hot.sv+int64(i)
		}
	}
	slices.SortFunc(groups, func(a, b group) int {
		return cmp.Or(cmp.Compare(b.s%1009, a.s%1009), cmp.Compare(a.k, b.k))
	})
	var wantTopGroups []string
	for _, g := range groups[3:23] {
		wantTopGroups = append(wantTopGroups, fmt.Sprintf("%d %d %d %d", g.s%1009, g.k, g.n, g.s))
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
	// The other views read the same records at their own pace: each
	// reaches, in the end, what every record once gives. A row a top-N
	// lost or emitted twice across a crash keeps it from getting there:
	// the rows of the final windows arrive all along the run.
	waitForRows(t, conn, `SELECT count(*), sum(v), count(DISTINCT v) FROM hot_bids`, []string{fmt.Sprintf("%d %d %d", hot.n, hot.sv, hot.n)})
	waitForRows(t, conn, `SELECT h, v, w FROM top_pairs ORDER BY h, v, w`, wantTopPairs)
	waitForRows(t, conn, `SELECT r, k, n, s FROM top_groups ORDER BY r DESC, k`, wantTopGroups)
	conn.Close(context.Background())
	p.kill()
}
