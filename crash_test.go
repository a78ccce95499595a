package weir_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"net"
	"os"
	osexec "os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// buildWeir builds cmd/weir into a temporary directory once per test run.
var buildWeir = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "weir-crash-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "weir")
	out, err := osexec.Command("go", "build", "-tags", "duckdb_arrow", "-o", bin, "./cmd/weir").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// weirProcess is weir serve running as a child process.
type weirProcess struct {
	cmd    *osexec.Cmd
	dsn    string
	log    *os.File
	exited chan struct{}
	closed sync.Once
}

// startWeirProcess starts bin serving dataDir with config and waits until
// it accepts connections.
func startWeirProcess(t *testing.T, bin, dataDir, config string, extra ...string) *weirProcess {
	t.Helper()
	p := startWeirProcessEnv(t, nil, bin, dataDir, config, extra...)
	if p == nil {
		t.Fatal("weir exited before it served")
	}
	return p
}

// startWeirProcessEnv is startWeirProcess with env added to the child's
// environment; it returns nil when the child exits before it serves (a
// crash point armed through env can fire that early).
func startWeirProcessEnv(t *testing.T, env []string, bin, dataDir, config string, extra ...string) *weirProcess {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	logFile, err := os.OpenFile(filepath.Join(dataDir, "..", "weir.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := osexec.Command(bin, append([]string{"serve", "--listen", addr, "--data-dir", dataDir, "--config", config}, extra...)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &weirProcess{cmd: cmd, dsn: fmt.Sprintf("postgres://weir@%s/weir?sslmode=disable", addr), log: logFile, exited: make(chan struct{})}
	go func() {
		cmd.Wait()
		close(p.exited)
	}()
	// A test that fails half-way leaves no weir running behind it.
	t.Cleanup(p.kill)
	deadline := time.Now().Add(60 * time.Second)
	for {
		conn, err := pgx.Connect(context.Background(), p.dsn)
		if err == nil {
			conn.Close(context.Background())
			return p
		}
		select {
		case <-p.exited:
			p.closeLog()
			return nil
		default:
		}
		if time.Now().After(deadline) {
			p.kill()
			t.Fatalf("weir did not start serving: %v (log: %s)", err, logFile.Name())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill ends the process with SIGKILL and waits for it. It may be called
// more than once.
func (p *weirProcess) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
	p.closeLog()
}

// closeLog closes the process's log file once.
func (p *weirProcess) closeLog() { p.closed.Do(func() { p.log.Close() }) }

// waitExit waits up to d for the process to end by itself, then kills it.
// It reports whether the process ended by itself.
func (p *weirProcess) waitExit(d time.Duration) bool {
	select {
	case <-p.exited:
		p.closeLog()
		return true
	case <-time.After(d):
		p.kill()
		return false
	}
}

// TestCrashRecovery kills weir with SIGKILL at random moments while a file
// stream and a Kafka topic (kfake, in the test's process) it reads keep
// growing and a table takes inserts, restarts it each time, and checks that
// the views finally hold exactly every record once (the file's compared with
// DuckDB's answer over it, the topic's with the sums of what was produced),
// and that every insert acknowledged by a FLUSH survived.
func TestCrashRecovery(t *testing.T) {
	bin, root, dataDir, config := crashSetup(t, 100, 3, true)
	sinkDir := filepath.Join(root, "sink")
	csvPath := filepath.Join(root, "events.csv")
	if err := os.WriteFile(csvPath, []byte("k,v\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const total = 30_000
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		f, err := os.OpenFile(csvPath, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Error(err)
			return
		}
		defer f.Close()
		for i := 0; i < total; {
			var b strings.Builder
			for n := 0; n < 300 && i < total; n, i = n+1, i+1 {
				fmt.Fprintf(&b, "%d,%d\n", i%37, i)
			}
			if _, err := f.WriteString(b.String()); err != nil {
				t.Error(err)
				return
			}
			time.Sleep(25 * time.Millisecond)
		}
	}()

	// A Kafka topic, in this process: it outlives every weir it feeds.
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "orders", "orders_out", "orders_alo", "totals_out"))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	const kafkaTotal = 20_000
	producerDone := make(chan struct{})
	go func() {
		defer close(producerDone)
		cl, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...))
		if err != nil {
			t.Error(err)
			return
		}
		defer cl.Close()
		for i := 0; i < kafkaTotal; {
			var recs []*kgo.Record
			for n := 0; n < 200 && i < kafkaTotal; n, i = n+1, i+1 {
				recs = append(recs, &kgo.Record{Topic: "orders", Value: fmt.Appendf(nil, `{"k": %d, "v": %d}`, i%11, i)})
			}
			if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
				t.Error(err)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	// Each round ends in a SIGKILL: from the test at a random moment, or
	// from weir itself at a step of a checkpoint (WEIR_CRASH_AT): while
	// files upload, before and after the manifest, while old files are
	// collected.
	crashes := []struct {
		at    string
		after int
	}{{"", 0}, {"taken", 2}, {"file", 3}, {"sink-prepared", 4}, {"files", 2}, {"", 0}, {"manifest", 3},
		{"sink-committing", 3}, {"sink-committed", 3}, {"delete", 2}, {"", 0}, {"collected", 2}}
	rounds := len(crashes)
	var acked []string   // rounds whose insert a FLUSH acknowledged
	fired := 0           // crash points that killed weir
	var unfired []string // crash points that did not, within their wait
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
			fired++ // the crash point fired before weir served
			continue
		}
		conn, err := pgx.Connect(context.Background(), p.dsn)
		if err != nil {
			if p.waitExit(0) {
				fired++
			}
			continue
		}
		if round == 0 {
			mustExec(t, conn, fmt.Sprintf(`CREATE STREAM ev (k INT, v BIGINT) WITH (connector = 'file', path = '%s', format = 'csv')`, csvPath))
			mustExec(t, conn, `CREATE MATERIALIZED VIEW per_k WITH (parallelism = 3) AS SELECT k, count(*) AS n, sum(v) AS s FROM ev GROUP BY k`)
			mustExec(t, conn, `CREATE MATERIALIZED VIEW totals AS SELECT count(*) AS n, sum(v) AS s FROM ev`)
			mustExec(t, conn, `CREATE TABLE notes (round INT PRIMARY KEY)`)
			mustExec(t, conn, fmt.Sprintf(`CREATE STREAM orders (k INT, v BIGINT) WITH (connector = 'kafka', topic = 'orders', brokers = '%s', format = 'json')`, cluster.ListenAddrs()[0]))
			mustExec(t, conn, `CREATE MATERIALIZED VIEW order_totals WITH (parallelism = 2) AS SELECT k, count(*) AS n, sum(v) AS s FROM orders GROUP BY k`)
			// Both streams through one union: two sources, barriers
			// aligned across them, both positions in every checkpoint.
			mustExec(t, conn, `CREATE MATERIALIZED VIEW both_k WITH (parallelism = 2) AS SELECT k, count(*) AS n, sum(v) AS s FROM (SELECT k, v FROM ev UNION ALL SELECT k, v FROM orders) AS u GROUP BY k`)
			// Sinks: every order once into a topic; the totals as upserts;
			// every file record once into files.
			mustExec(t, conn, fmt.Sprintf(`CREATE SINK orders_out AS SELECT k, v FROM orders WITH (connector = 'kafka', topic = 'orders_out', brokers = '%s')`, cluster.ListenAddrs()[0]))
			mustExec(t, conn, fmt.Sprintf(`CREATE SINK totals_out FROM order_totals WITH (connector = 'kafka', topic = 'totals_out', brokers = '%s', type = 'upsert')`, cluster.ListenAddrs()[0]))
			mustExec(t, conn, fmt.Sprintf(`CREATE SINK orders_alo AS SELECT k, v FROM orders WITH (connector = 'kafka', topic = 'orders_alo', brokers = '%s', exactly_once = 'false')`, cluster.ListenAddrs()[0]))
			mustExec(t, conn, fmt.Sprintf(`CREATE SINK ev_files AS SELECT v FROM ev WITH (connector = 'file', path = '%s', format = 'csv')`, sinkDir))
		}
		ctx := context.Background()
		if _, err := conn.Exec(ctx, fmt.Sprintf(`INSERT INTO notes VALUES (%d)`, round)); err == nil {
			if _, err := conn.Exec(ctx, `FLUSH`); err == nil {
				acked = append(acked, fmt.Sprint(round))
			}
		}
		conn.Close(ctx)
		if c.at == "" {
			time.Sleep(time.Duration(50+rng.IntN(600)) * time.Millisecond)
			p.kill()
		} else if p.waitExit(60 * time.Second) {
			// A crash point fires at its checkpoint step; on a loaded
			// machine the checkpoints it waits for may come slowly.
			fired++
		} else {
			unfired = append(unfired, c.at)
		}
	}
	if fired < 7 {
		t.Errorf("%d of the 9 crash points fired; the test wants at least 7 (did not fire: %v)", fired, unfired)
	}
	if len(acked) < 3 {
		t.Fatalf("only rounds %v got their insert acknowledged; the test needs more", acked)
	}
	<-writerDone
	<-producerDone
	var wantOrders []string
	for k := range 11 {
		var n, sum int
		for i := k; i < kafkaTotal; i += 11 {
			n, sum = n+1, sum+i
		}
		wantOrders = append(wantOrders, fmt.Sprintf("%d %d %d", k, n, sum))
	}

	// Once after the crashes, and once more on "a new machine": a data
	// directory holding nothing but the checkpoints.
	want := duckPerK(t, csvPath)
	for _, fresh := range []bool{false, true} {
		if fresh {
			for _, d := range []string{"state", "checkpoint-scratch", "clean-shutdown"} {
				if err := os.RemoveAll(filepath.Join(dataDir, d)); err != nil {
					t.Fatal(err)
				}
			}
		}
		p := startWeirProcess(t, bin, dataDir, config)
		conn := connect(t, p.dsn)
		waitForRows(t, conn, `SELECT n FROM totals`, []string{fmt.Sprint(total)})
		if got := queryText(t, conn, `SELECT round FROM notes ORDER BY round`); !containsAll(got, acked) {
			t.Errorf("notes = %v; every insert acknowledged by FLUSH (%v) must survive", got, acked)
		}
		if got := queryText(t, conn, `SELECT source, total_files > 0, files = total_files FROM weir_recovery`); len(got) != 1 || got[0] != "checkpoint t t" {
			t.Errorf("weir_recovery = %v, want a recovery from a checkpoint", got)
		}
		waitForRows(t, conn, `SELECT k, n, s FROM order_totals ORDER BY k`, wantOrders)
		got := queryText(t, conn, `SELECT k, n, s FROM per_k ORDER BY k`)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("per_k after %d crashes differs from DuckDB over the file\nweir:   %v\nduckdb: %v", rounds, got, want)
		}
		if got, want := queryText(t, conn, `SELECT k, n, s FROM both_k ORDER BY k`), sumPerK(want, wantOrders); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("both_k (the union of both streams) after %d crashes\nweir: %v\nwant: %v", rounds, got, want)
		}
		if !fresh {
			checkSinksAfterCrashes(t, conn, cluster, sinkDir, kafkaTotal, total, wantOrders)
		}
		conn.Close(context.Background())
		p.kill()
	}

	// The tools: list, inspect and verify the retained checkpoints, and
	// start from the oldest of them.
	out, err := osexec.Command(bin, "checkpoint", "list", "--config", config, "--data-dir", dataDir).CombinedOutput()
	if err != nil {
		t.Fatalf("weir checkpoint list: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "id") {
		t.Fatalf("weir checkpoint list: want a header and the 3 retained checkpoints:\n%s", out)
	}
	newest, oldest := strings.Fields(lines[1])[0], strings.Fields(lines[3])[0]
	out, err = osexec.Command(bin, "checkpoint", "inspect", newest, "--config", config, "--data-dir", dataDir).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "materialized view") || !strings.Contains(string(out), "per_k") {
		t.Fatalf("weir checkpoint inspect %s: %v\n%s", newest, err, out)
	}
	out, err = osexec.Command(bin, "checkpoint", "verify", newest, "--config", config, "--data-dir", dataDir).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "verifies") {
		t.Fatalf("weir checkpoint verify %s: %v\n%s", newest, err, out)
	}
	p := startWeirProcess(t, bin, dataDir, config, "--restore-from", oldest)
	conn := connect(t, p.dsn)
	if got := queryText(t, conn, `SELECT source, epoch FROM weir_recovery`); len(got) != 1 || got[0] != "checkpoint "+oldest {
		t.Errorf("--restore-from %s: weir_recovery = %v", oldest, got)
	}
	conn.Close(context.Background())
	p.kill()
}

// duckPerK is SELECT k, count(*), sum(v) … GROUP BY k over the CSV file,
// computed by DuckDB, as "k n s" lines.
func duckPerK(t *testing.T, csvPath string) []string {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(fmt.Sprintf(`SELECT k, count(*), sum(v) FROM read_csv('%s', header = true, columns = {'k': 'INTEGER', 'v': 'BIGINT'}) GROUP BY k ORDER BY k`, csvPath))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var want []string
	for rows.Next() {
		var k, n, s int64
		if err := rows.Scan(&k, &n, &s); err != nil {
			t.Fatal(err)
		}
		want = append(want, fmt.Sprintf("%d %d %d", k, n, s))
	}
	return want
}

// sumPerK adds rows "k n s" of a and b by k, in the order of k.
func sumPerK(a, b []string) []string {
	sums := map[int64][2]int64{}
	for _, row := range append(append([]string(nil), a...), b...) {
		var k, n, s int64
		fmt.Sscanf(row, "%d %d %d", &k, &n, &s)
		cur := sums[k]
		sums[k] = [2]int64{cur[0] + n, cur[1] + s}
	}
	keys := make([]int64, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = fmt.Sprintf("%d %d %d", k, sums[k][0], sums[k][1])
	}
	return out
}

// containsAll reports whether every string of want is in got.
func containsAll(got, want []string) bool {
	have := map[string]bool{}
	for _, g := range got {
		have[g] = true
	}
	for _, w := range want {
		if !have[w] {
			return false
		}
	}
	return true
}

// checkSinksAfterCrashes waits until the sinks of TestCrashRecovery have
// delivered everything and checks that a read_committed consumer sees every
// order exactly once in orders_out (at least once in orders_alo, which has
// exactly_once = 'false'), that totals_out's upserts come in order
// per key (each count larger than the last) and end at the view's rows, and
// that the files hold every file record exactly once.
func checkSinksAfterCrashes(t *testing.T, conn *pgx.Conn, cluster *kfake.Cluster, dir string, orders, events int, wantTotals []string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var problems []string
		seen := map[string]int{}
		for _, r := range readTopic(t, cluster, "orders_out") {
			var rec struct{ K, V int }
			if err := json.Unmarshal(r.Value, &rec); err != nil {
				t.Fatalf("orders_out record %s: %v", r.Value, err)
			}
			seen[fmt.Sprint(rec.V)]++
		}
		for v, n := range seen {
			if n > 1 {
				t.Fatalf("orders_out holds order %s %d times", v, n)
			}
		}
		if len(seen) != orders {
			problems = append(problems, fmt.Sprintf("orders_out holds %d of %d orders", len(seen), orders))
		}
		// At least once: every order, duplicates allowed.
		atLeastOnce := map[string]bool{}
		for _, r := range readTopic(t, cluster, "orders_alo") {
			var rec struct{ K, V int }
			if err := json.Unmarshal(r.Value, &rec); err != nil {
				t.Fatalf("orders_alo record %s: %v", r.Value, err)
			}
			atLeastOnce[fmt.Sprint(rec.V)] = true
		}
		if len(atLeastOnce) != orders {
			problems = append(problems, fmt.Sprintf("orders_alo holds %d of %d orders", len(atLeastOnce), orders))
		}
		last := map[string]int{}
		final := map[string]string{}
		for _, r := range readTopic(t, cluster, "totals_out") {
			var row struct{ K, N, S int }
			if err := json.Unmarshal(r.Value, &row); err != nil {
				t.Fatalf("totals_out record %s: %v", r.Value, err)
			}
			if row.N <= last[string(r.Key)] {
				t.Fatalf("totals_out: key %s goes from n=%d to n=%d: out of order or repeated", r.Key, last[string(r.Key)], row.N)
			}
			last[string(r.Key)] = row.N
			final[string(r.Key)] = fmt.Sprintf("%d %d %d", row.K, row.N, row.S)
		}
		if got := slices.Sorted(maps.Values(final)); fmt.Sprint(sortedNumeric(got)) != fmt.Sprint(wantTotals) {
			problems = append(problems, fmt.Sprintf("totals_out ends at %v, want %v", got, wantTotals))
		}
		lines := map[string]int{}
		files, _ := filepath.Glob(filepath.Join(dir, "ev_files-*.csv"))
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Fields(string(data)) {
				lines[line]++
				if lines[line] > 1 {
					t.Fatalf("the file sink holds record %s twice", line)
				}
			}
		}
		if len(lines) != events {
			problems = append(problems, fmt.Sprintf("the file sink holds %d of %d records", len(lines), events))
		}
		if len(problems) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("sinks after the crashes: %v\nweir_sinks: %v", problems,
				queryText(t, conn, `SELECT sink, records, commits, aborts, delivered_epoch, pending_epochs, error FROM weir_sinks ORDER BY sink`))
		}
		mustExec(t, conn, `FLUSH`)
		time.Sleep(200 * time.Millisecond)
	}
}

// sortedNumeric sorts "k n s" lines by their first number.
func sortedNumeric(lines []string) []string {
	out := slices.Clone(lines)
	slices.SortFunc(out, func(a, b string) int {
		var x, y int
		fmt.Sscan(a, &x)
		fmt.Sscan(b, &y)
		return x - y
	})
	return out
}
