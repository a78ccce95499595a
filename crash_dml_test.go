package weir_test

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// crashDMLRounds is how many SIGKILLs TestCrashDurableWrites survives; the
// crash-long target raises it (WEIR_CRASH_ROUNDS).
func crashDMLRounds() int {
	if n, err := strconv.Atoi(os.Getenv("WEIR_CRASH_ROUNDS")); err == nil && n > 0 {
		return n
	}
	return 6
}

// TestCrashDurableWrites has several clients insert single rows (and commit
// two-table transactions) as fast as they are answered while weir is
// SIGKILLed at random moments, restarted each time. With synchronous_commit
// on, every answered write must be there after the restart, and no write is
// there twice: the table has no primary key, so a replayed row would show.
// The checkpoint interval is long, so only the writes themselves cut the
// epochs that make them durable.
func TestCrashDurableWrites(t *testing.T) {
	bin, root, dataDir, config := crashSetup(t, 60000, 2, false)
	ctx := context.Background()
	p := startWeirProcess(t, bin, dataDir, config)
	setup, err := pgx.Connect(ctx, p.dsn)
	if err != nil {
		t.Fatal(err)
	}
	for _, ddl := range []string{
		"CREATE TABLE w (client INT, seq INT)",
		"CREATE TABLE tx_a (client INT, seq INT)",
		"CREATE TABLE tx_b (client INT, seq INT)",
		"CREATE MATERIALIZED VIEW w_count AS SELECT client, count(*) AS n FROM w GROUP BY client",
	} {
		if _, err := setup.Exec(ctx, ddl); err != nil {
			t.Fatalf("%s: %v", ddl, err)
		}
	}
	setup.Close(ctx)

	const clients = 4
	// answered[c] are the seqs of client c whose write was answered;
	// pending[c] the seqs sent but not answered (lost or applied: both are
	// allowed, once).
	answered := make([]map[int]bool, clients)
	pending := make([]map[int]bool, clients)
	next := make([]int, clients)
	for c := range answered {
		answered[c], pending[c] = map[int]bool{}, map[int]bool{}
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 11))
	rounds := crashDMLRounds()
	var replayed int64 // log records applied again at the restarts
	for round := 0; round < rounds; round++ {
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for c := 0; c < clients; c++ {
			wg.Add(1)
			go func(c int) {
				defer wg.Done()
				conn, err := pgx.Connect(ctx, p.dsn)
				if err != nil {
					return
				}
				defer conn.Close(ctx)
				for {
					select {
					case <-stop:
						return
					default:
					}
					seq := next[c]
					next[c]++
					pending[c][seq] = true
					if c == 0 && seq%3 == 0 {
						// A transaction over two tables, committed as one.
						err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
							if _, err := tx.Exec(ctx, "INSERT INTO tx_a VALUES ($1, $2)", c, seq); err != nil {
								return err
							}
							_, err := tx.Exec(ctx, "INSERT INTO tx_b VALUES ($1, $2)", c, seq)
							return err
						})
					} else {
						_, err = conn.Exec(ctx, "INSERT INTO w VALUES ($1, $2)", c, seq)
					}
					if err != nil {
						return // the server went away: seq stays pending
					}
					delete(pending[c], seq)
					answered[c][seq] = true
				}
			}(c)
		}
		time.Sleep(time.Duration(150+rng.IntN(600)) * time.Millisecond)
		p.kill()
		close(stop)
		wg.Wait()
		if p = startWeirProcessEnv(t, nil, bin, dataDir, config); p == nil {
			logData, _ := os.ReadFile(filepath.Join(root, "weir.log"))
			t.Fatalf("round %d: weir exited before it served; its log ends:\n%s", round, tail(string(logData), 3000))
		}
		checkDurableWrites(t, p.dsn, round, answered, pending)
		replayed += replayedRecords(t, p.dsn)
		if t.Failed() {
			t.Logf("server log: %s", filepath.Join(root, "weir.log"))
			return
		}
		// Writes that were lost are forgotten; applied ones are answered now.
		for c := range pending {
			pending[c] = map[int]bool{}
		}
	}
	total := 0
	for c := range answered {
		total += len(answered[c])
	}
	t.Logf("%d rounds, %d answered writes, all present after SIGKILL; %d log records applied again", rounds, total, replayed)
	// Checkpoints come every 30 s at most here: the restarts had writes to
	// apply from the log, and weir_recovery says so.
	if replayed == 0 {
		t.Error("weir_recovery reports no table write log record applied again at any restart")
	}
}

// replayedRecords returns weir_recovery's table_log_records.
func replayedRecords(t *testing.T, dsn string) int64 {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int64
	if err := conn.QueryRow(context.Background(), "SELECT table_log_records FROM weir_recovery").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// checkDurableWrites checks, after a restart, that every answered write is
// present exactly once and every other one at most once, that a
// transaction's two rows are both there or both not, and that the view over
// w agrees with w. Pending writes found present are moved to answered.
func checkDurableWrites(t *testing.T, dsn string, round int, answered, pending []map[int]bool) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	present := func(table string) map[[2]int]int {
		rows, err := conn.Query(ctx, "SELECT client, seq FROM "+table)
		if err != nil {
			t.Fatal(err)
		}
		got := map[[2]int]int{}
		for rows.Next() {
			var c, s int
			if err := rows.Scan(&c, &s); err != nil {
				t.Fatal(err)
			}
			got[[2]int{c, s}]++
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return got
	}
	w, a, b := present("w"), present("tx_a"), present("tx_b")
	for k, n := range a {
		if b[k] != n {
			t.Errorf("round %d: transaction %v is in tx_a %d times but in tx_b %d times", round, k, n, b[k])
		}
	}
	for k, n := range b {
		if a[k] == 0 {
			t.Errorf("round %d: transaction %v is in tx_b %d times but not in tx_a", round, k, n)
		}
	}
	for c := range answered {
		for seq := range answered[c] {
			table := w
			if c == 0 && seq%3 == 0 {
				table = a
			}
			if table[[2]int{c, seq}] != 1 {
				t.Errorf("round %d: answered write (%d, %d) is there %d times after the restart", round, c, seq, table[[2]int{c, seq}])
			}
		}
	}
	for _, table := range []map[[2]int]int{w, a} {
		for k, n := range table {
			c, seq := k[0], k[1]
			switch {
			case n > 1:
				t.Errorf("round %d: write %v is there %d times", round, k, n)
			case answered[c][seq]:
			case pending[c][seq]:
				answered[c][seq] = true
			default:
				t.Errorf("round %d: write %v is there but was never sent", round, k)
			}
		}
	}
	// The view over w commits with w: its counts match w's rows.
	counts := map[int]int{}
	for k := range w {
		counts[k[0]]++
	}
	rows, err := conn.Query(ctx, "SELECT client, n FROM w_count")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var c, n int
		if err := rows.Scan(&c, &n); err != nil {
			t.Fatal(err)
		}
		seen++
		if counts[c] != n {
			t.Errorf("round %d: w_count says client %d has %d rows, w has %d", round, c, n, counts[c])
		}
	}
	if seen != len(counts) {
		t.Errorf("round %d: w_count has %d clients, w has %d", round, seen, len(counts))
	}
}

// tail returns the last n bytes of s.
func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
