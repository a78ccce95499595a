//go:build duckdb_arrow

package weir_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	osexec "os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/weir-stream/weir"
)

// copyFeed is a SUBSCRIBE read over the wire as pgx reads COPY TO STDOUT
// (PgConn.CopyTo), into a pipe the test reads line by line as the rows
// come.
type copyFeed struct {
	conn  *pgx.Conn
	lines chan string
	done  chan error // CopyTo's error, once it returns
	pr    *io.PipeReader
}

// subscribeCopy starts statement (a SUBSCRIBE) on a connection of its own;
// at the test's end a feed still running is cancelled before its
// connection closes.
func subscribeCopy(t *testing.T, dsn, statement string) *copyFeed {
	t.Helper()
	f := &copyFeed{conn: connect(t, dsn), lines: make(chan string, 1024), done: make(chan error, 1)}
	pr, pw := io.Pipe()
	f.pr = pr
	finished := make(chan struct{})
	go func() {
		_, err := f.conn.PgConn().CopyTo(context.Background(), pw, statement)
		pw.CloseWithError(io.EOF)
		f.done <- err
		close(finished)
	}()
	t.Cleanup(func() {
		select {
		case <-finished:
			return
		default:
		}
		_ = f.conn.PgConn().CancelRequest(context.Background())
		pr.Close()
		select {
		case <-finished:
		case <-time.After(30 * time.Second):
			t.Error("a SUBSCRIBE did not end at its cancel")
		}
	})
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			f.lines <- sc.Text()
		}
		close(f.lines)
	}()
	return f
}

// next returns the next n lines, each split at tabs.
func (f *copyFeed) next(t *testing.T, n int) [][]string {
	t.Helper()
	var out [][]string
	for len(out) < n {
		select {
		case l, ok := <-f.lines:
			if !ok {
				t.Fatalf("the feed ended after %v", out)
			}
			out = append(out, strings.Split(l, "\t"))
		case <-time.After(30 * time.Second):
			t.Fatalf("no line in 30 s after %v", out)
		}
	}
	return out
}

// end returns the error CopyTo ended with.
func (f *copyFeed) end(t *testing.T) error {
	t.Helper()
	select {
	case err := <-f.done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("the SUBSCRIBE did not end in 30 s")
		return nil
	}
}

// epochOf parses a row's mz_timestamp.
func epochOf(t *testing.T, row []string) int64 {
	t.Helper()
	e, err := strconv.ParseInt(row[0], 10, 64)
	if err != nil {
		t.Fatalf("mz_timestamp %q: %v", row[0], err)
	}
	return e
}

// rest returns the rows without their mz_timestamp, sorted.
func rest(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, strings.Join(r[1:], " "))
	}
	slices.Sort(out)
	return out
}

// waitFor polls cond until it holds (a hang guard of 30 s, not a timing).
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s never happened", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSubscribeWire follows a view over a table through its inserts,
// updates and deletes over the real wire: the snapshot first, then each
// change as -1/+1 rows with increasing epochs; without a snapshot; with
// progress rows; ended by a CancelRequest (57014, after which the
// connection serves again and the subscription's dataflow, state and
// goroutines are gone), by a DROP of what it reads and by
// pg_cancel_backend of the pid pg_stat_activity shows it active under.
func TestSubscribeWire(t *testing.T) {
	ts := startServer(t, memoryConfig())
	conn := connect(t, ts.dsn)
	mustExec(t, conn, "CREATE TABLE t (id INT PRIMARY KEY, v TEXT)")
	mustExec(t, conn, "INSERT INTO t VALUES (1, 'a'), (2, 'b')")
	mustExec(t, conn, "CREATE MATERIALIZED VIEW small AS SELECT id, v FROM t WHERE id < 100")
	mustExec(t, conn, "CREATE MATERIALIZED VIEW per_v AS SELECT v, count(*) AS n FROM t GROUP BY v")
	baseGoroutines := runtime.NumGoroutine()

	f := subscribeCopy(t, ts.dsn, "SUBSCRIBE small")
	snap := f.next(t, 2)
	e0 := epochOf(t, snap[0])
	if epochOf(t, snap[1]) != e0 || fmt.Sprint(rest(snap)) != "[1 1 a 1 2 b]" {
		t.Fatalf("snapshot %v", snap)
	}
	mustExec(t, conn, "INSERT INTO t VALUES (3, 'c'), (200, 'hidden')")
	ins := f.next(t, 1)
	e1 := epochOf(t, ins[0])
	if e1 <= e0 || fmt.Sprint(rest(ins)) != "[1 3 c]" {
		t.Fatalf("insert: %v after epoch %d", ins, e0)
	}
	mustExec(t, conn, "UPDATE t SET v = 'z' WHERE id = 1")
	upd := f.next(t, 2)
	e2 := epochOf(t, upd[0])
	if e2 <= e1 || epochOf(t, upd[1]) != e2 || fmt.Sprint(rest(upd)) != "[-1 1 a 1 1 z]" {
		t.Fatalf("update: %v after epoch %d", upd, e1)
	}
	mustExec(t, conn, "DELETE FROM t WHERE id = 2")
	del := f.next(t, 1)
	if epochOf(t, del[0]) <= e2 || fmt.Sprint(rest(del)) != "[-1 2 b]" {
		t.Fatalf("delete: %v after epoch %d", del, e2)
	}

	// Without the snapshot, over an aggregate query: only the changes (the
	// aggregate still counts the rows there were), an updated count as a
	// -1 and a +1 row of one epoch.
	g := subscribeCopy(t, ts.dsn, "SUBSCRIBE TO (SELECT v, count(*) AS n FROM t GROUP BY v) WITH (SNAPSHOT = false)")
	// The subscription starts while the statement runs: wait until it is
	// there before writing, so that the write is a change to it.
	waitFor(t, "the second subscription", func() bool { return len(weir.LiveSubscriptionsForTest(ts.eng)) == 2 })
	var aggSub *weir.Subscription
	for _, s := range weir.LiveSubscriptionsForTest(ts.eng) {
		if n, err := s.StateBytes(); err != nil {
			t.Fatal(err)
		} else if n > 0 {
			aggSub = s
		}
	}
	if aggSub == nil {
		t.Fatal("the aggregate subscription keeps no state")
	}
	mustExec(t, conn, "INSERT INTO t VALUES (4, 'z')")
	cnt := f.next(t, 1)
	if fmt.Sprint(rest(cnt)) != "[1 4 z]" {
		t.Fatalf("first subscription: %v", cnt)
	}
	agg := g.next(t, 2)
	if epochOf(t, agg[0]) != epochOf(t, agg[1]) || fmt.Sprint(rest(agg)) != "[-1 z 1 1 z 2]" {
		t.Fatalf("aggregate without snapshot: %v", agg)
	}

	// Progress: a row per closed epoch, mz_progressed true and NULLs, its
	// timestamp past every row sent before it.
	p := subscribeCopy(t, ts.dsn, "SUBSCRIBE (SELECT id FROM t WHERE id > 3) WITH (PROGRESS)")
	var data [][]string
	lastProgress := int64(0)
	progressRows := 0
	for len(data) < 3 || progressRows < 3 {
		row := p.next(t, 1)[0]
		if len(row) != 4 {
			t.Fatalf("progress feed row %q", row)
		}
		switch row[1] {
		case "t":
			if row[2] != `\N` || row[3] != `\N` {
				t.Fatalf("progress row %q", row)
			}
			e := epochOf(t, row)
			if e <= lastProgress {
				t.Fatalf("progress %d after %d", e, lastProgress)
			}
			for _, d := range data {
				if epochOf(t, d) >= e {
					t.Fatalf("row %q not before progress %d", d, e)
				}
			}
			lastProgress = e
			progressRows++
		case "f":
			if e := epochOf(t, row); e < lastProgress {
				t.Fatalf("row %q before progress %d", row, lastProgress)
			}
			data = append(data, row)
			if len(data) == 1 {
				mustExec(t, conn, "INSERT INTO t VALUES (5, 'e')")
			}
		default:
			t.Fatalf("mz_progressed %q", row[1])
		}
	}
	// The snapshot holds 4 and 200 (one epoch), the insert adds 5 later.
	if got := fmt.Sprint(rest(data)); got != "[f 1 200 f 1 4 f 1 5]" || epochOf(t, data[0]) != epochOf(t, data[1]) || epochOf(t, data[2]) <= epochOf(t, data[1]) {
		t.Fatalf("progress feed rows %v", data)
	}

	// Cancel the aggregate subscription with a CancelRequest on a new
	// connection, as psql's ^C does: 57014, and the connection serves on.
	if err := g.conn.PgConn().CancelRequest(context.Background()); err != nil {
		t.Fatal(err)
	}
	var pgErr *pgconn.PgError
	if err := g.end(t); !errors.As(err, &pgErr) || pgErr.Code != "57014" || pgErr.Message != "canceling statement due to user request" {
		t.Fatalf("cancelled SUBSCRIBE ended with %v", err)
	}
	if got := queryText(t, g.conn, "SELECT count(*) FROM per_v"); len(got) != 1 {
		t.Fatalf("the connection after the cancel: %v", got)
	}
	waitFor(t, "the cancelled subscription's state to go", func() bool {
		n, err := aggSub.StateBytes()
		return err == nil && n == 0 && !slices.Contains(weir.LiveSubscriptionsForTest(ts.eng), aggSub)
	})

	// A DROP of what a subscription reads ends it with an error naming it.
	mustExec(t, conn, "DROP MATERIALIZED VIEW small")
	if err := f.end(t); !errors.As(err, &pgErr) || pgErr.Code != "42P01" || pgErr.Message != `SUBSCRIBE ended: materialized view "small" was dropped` {
		t.Fatalf("SUBSCRIBE of a dropped view ended with %v", err)
	}
	// A running SUBSCRIBE is active in pg_stat_activity, and
	// pg_cancel_backend of its pid ends it.
	pid := p.conn.PgConn().PID()
	if got := queryText(t, conn, fmt.Sprintf("SELECT state, query FROM pg_stat_activity WHERE pid = %d", pid)); fmt.Sprint(got) !=
		"[active SUBSCRIBE TO (SELECT id FROM t WHERE id > 3) WITH (PROGRESS = true)]" {
		t.Fatalf("pg_stat_activity of a SUBSCRIBE: %v", got)
	}
	if got := queryText(t, conn, fmt.Sprintf("SELECT pg_cancel_backend(%d)", pid)); fmt.Sprint(got) != "[t]" {
		t.Fatalf("pg_cancel_backend: %v", got)
	}
	if err := p.end(t); !errors.As(err, &pgErr) || pgErr.Code != "57014" {
		t.Fatalf("cancelled SUBSCRIBE ended with %v", err)
	}
	waitFor(t, "the session idle again", func() bool {
		return fmt.Sprint(queryText(t, conn, fmt.Sprintf("SELECT state FROM pg_stat_activity WHERE pid = %d", pid))) == "[idle]"
	})
	waitFor(t, "the end of every subscription", func() bool { return len(weir.LiveSubscriptionsForTest(ts.eng)) == 0 })
	for _, c := range []*copyFeed{f, g, p} {
		c.conn.Close(context.Background())
	}
	waitFor(t, fmt.Sprintf("goroutines back to %d", baseGoroutines), func() bool {
		return runtime.NumGoroutine() <= baseGoroutines
	})
}

// stallingWriter passes the first write on (started is closed then) and
// blocks every later one until release is closed: a client that stops
// reading, so that the server's socket and then the subscription's buffer
// fill up.
type stallingWriter struct {
	started, release chan struct{}
	writes           int
}

func (w *stallingWriter) Write(p []byte) (int, error) {
	w.writes++
	if w.writes == 1 {
		close(w.started)
		return len(p), nil
	}
	<-w.release
	return len(p), nil
}

// TestSubscribeOverflow stalls one subscriber while 40 MB of rows are
// written under it: the writes and a second subscriber that reads go on
// (the stalled one slows nothing), the stalled subscription ends with
// 53000 once its buffer overflows and is released at once (its dataflow
// and state, before its client reads again), and the client then reads
// the error.
func TestSubscribeOverflow(t *testing.T) {
	cfg := memoryConfig()
	cfg.Server.SubscribeBufferBytes = 1 << 20
	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	mustExec(t, conn, "CREATE TABLE big (id INT PRIMARY KEY, pad TEXT)")
	mustExec(t, conn, "INSERT INTO big VALUES (0, 'first')")

	stalled := connect(t, ts.dsn)
	w := &stallingWriter{started: make(chan struct{}), release: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		_, err := stalled.PgConn().CopyTo(context.Background(), w, "SUBSCRIBE (SELECT id, pad FROM big)")
		done <- err
	}()
	select {
	case <-w.started:
	case <-time.After(30 * time.Second):
		t.Fatal("the stalled subscriber got no row")
	}
	reading := subscribeCopy(t, ts.dsn, "SUBSCRIBE (SELECT id FROM big) WITH (SNAPSHOT = false)")
	waitFor(t, "both subscriptions", func() bool { return len(weir.LiveSubscriptionsForTest(ts.eng)) == 2 })

	pad := strings.Repeat("x", 10_000)
	id := 1
	for range 40 {
		var values []string
		for range 100 {
			values = append(values, fmt.Sprintf("(%d, '%s')", id, pad))
			id++
		}
		mustExec(t, conn, "INSERT INTO big VALUES "+strings.Join(values, ", "))
	}
	seen := map[string]bool{}
	for len(seen) < id-1 {
		for _, row := range reading.next(t, 1) {
			seen[row[2]] = true
		}
	}
	waitFor(t, "the stalled subscription's end", func() bool { return len(weir.LiveSubscriptionsForTest(ts.eng)) == 1 })
	close(w.release)
	var pgErr *pgconn.PgError
	select {
	case err := <-done:
		if !errors.As(err, &pgErr) || pgErr.Code != "53000" || !strings.Contains(pgErr.Message, "did not keep up") ||
			!strings.Contains(pgErr.Hint, "subscribe_buffer_bytes") {
			t.Fatalf("the stalled SUBSCRIBE ended with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the stalled SUBSCRIBE did not end")
	}
	if got := queryText(t, stalled, "SELECT count(*) FROM big"); fmt.Sprint(got) != "[4001]" {
		t.Fatalf("count after the overflow: %v", got)
	}
}

// TestSubscribePsql runs SUBSCRIBE with psql -c, as a user would in a
// terminal (stdout line-buffered, which stdbuf gives a pipe): the rows
// print as their epochs close, tab-separated as COPY's text format, and
// ^C (SIGINT, which psql turns into a CancelRequest) ends it with psql's
// report of 57014.
func TestSubscribePsql(t *testing.T) {
	psql, err := osexec.LookPath("psql")
	stdbuf, err2 := osexec.LookPath("stdbuf")
	if err != nil || err2 != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("psql and stdbuf are required under CI=true")
		}
		t.Skip("psql or stdbuf not installed")
	}
	ts := startServer(t, memoryConfig())
	conn := connect(t, ts.dsn)
	mustExec(t, conn, "CREATE TABLE t (id INT PRIMARY KEY, v TEXT)")
	mustExec(t, conn, "INSERT INTO t VALUES (1, 'one'), (2, 'two')")
	mustExec(t, conn, "CREATE MATERIALIZED VIEW totals AS SELECT count(*) AS n, sum(id) AS s FROM t")

	cmd := osexec.Command(stdbuf, "-oL", psql, "-X", ts.dsn, "-c", "SUBSCRIBE totals")
	cmd.Env = append(os.Environ(), "PAGER=")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var got []string
	next := func() {
		t.Helper()
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("psql stopped after %q: %s", got, stderr.String())
			}
			got = append(got, l)
		case <-time.After(30 * time.Second):
			t.Fatalf("psql printed nothing more after %q: %s", got, stderr.String())
		}
	}
	next()
	mustExec(t, conn, "INSERT INTO t VALUES (3, 'three')")
	next()
	next()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	for l := range lines {
		got = append(got, l)
	}
	err = cmd.Wait()
	var exit *osexec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("psql ended with %v", err)
	}
	if !strings.Contains(stderr.String(), "Cancel request sent\nERROR:  canceling statement due to user request") {
		t.Fatalf("psql's stderr: %q", stderr.String())
	}
	if len(got) != 3 {
		t.Fatalf("psql printed %q", got)
	}
	var rows []string
	epochs := map[string]bool{}
	for _, l := range got {
		f := strings.Split(l, "\t")
		if len(f) != 4 {
			t.Fatalf("line %q", l)
		}
		epochs[f[0]] = true
		rows = append(rows, strings.Join(f[1:], " "))
	}
	// The snapshot's row, then the update as -1 and +1 of one later epoch.
	if fmt.Sprint(rows[0]) != "1 2 3" || len(epochs) != 2 || got[1][:strings.IndexByte(got[1], '\t')] != got[2][:strings.IndexByte(got[2], '\t')] {
		t.Fatalf("psql printed %q", got)
	}
	upd := []string{rows[1], rows[2]}
	slices.Sort(upd)
	if fmt.Sprint(upd) != "[-1 2 3 1 3 6]" {
		t.Fatalf("psql printed %q", got)
	}
}

// fetchText runs a FETCH in tx and returns its rows as lines "a b c".
func fetchText(t *testing.T, tx pgx.Tx, fetch string, mode pgx.QueryExecMode) ([]string, error) {
	t.Helper()
	rows, err := tx.Query(context.Background(), fetch, mode)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return nil, err
		}
		var cells []string
		for _, v := range vals {
			if v == nil {
				cells = append(cells, "NULL")
			} else {
				cells = append(cells, fmt.Sprint(v))
			}
		}
		out = append(out, strings.Join(cells, " "))
	}
	return out, rows.Err()
}

// TestSubscribeCursor reads a subscription through Materialize's cursor
// form: DECLARE c CURSOR FOR SUBSCRIBE in a transaction block, then FETCH,
// which waits for its first rows (until its TIMEOUT) and takes those there;
// CLOSE and the block's end end the subscription; a FETCH that waits is
// cancelled by a CancelRequest; a WITH HOLD one lives outside a block until
// CLOSE, and one without HOLD is refused there.
func TestSubscribeCursor(t *testing.T) {
	ts := startServer(t, memoryConfig())
	ctx := context.Background()
	conn := connect(t, ts.dsn)
	mustExec(t, conn, "CREATE TABLE t (id INT PRIMARY KEY, v TEXT)")
	mustExec(t, conn, "INSERT INTO t VALUES (1, 'a'), (2, 'b')")
	mustExec(t, conn, "CREATE MATERIALIZED VIEW per_v AS SELECT v, count(*) AS n FROM t GROUP BY v")
	simple := pgx.QueryExecModeSimpleProtocol

	reader := connect(t, ts.dsn)
	tx, err := reader.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "DECLARE c CURSOR FOR SUBSCRIBE per_v", simple); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "DECLARE p CURSOR FOR SUBSCRIBE (SELECT id FROM t WHERE id > 1) WITH (SNAPSHOT = false, PROGRESS)", simple); err != nil {
		t.Fatal(err)
	}
	if got := queryText(t, reader, "SELECT name, statement FROM pg_cursors ORDER BY name"); fmt.Sprint(got) !=
		"[c DECLARE c CURSOR FOR SUBSCRIBE TO per_v p DECLARE p CURSOR FOR SUBSCRIBE TO (SELECT id FROM t WHERE id > 1) WITH (SNAPSHOT = false, PROGRESS = true)]" {
		t.Fatalf("pg_cursors: %v", got)
	}
	snap, err := fetchText(t, tx, "FETCH ALL c", simple)
	if err != nil || len(snap) != 2 {
		t.Fatalf("the snapshot: %v, %v", snap, err)
	}
	e0 := strings.Fields(snap[0])[0]
	var restOf []string
	for _, l := range snap {
		f := strings.Fields(l)
		if f[0] != e0 {
			t.Fatalf("the snapshot's epochs: %v", snap)
		}
		restOf = append(restOf, strings.Join(f[1:], " "))
	}
	slices.Sort(restOf)
	if fmt.Sprint(restOf) != "[1 a 1 1 b 1]" {
		t.Fatalf("the snapshot: %v", snap)
	}
	// Nothing changed: a FETCH with a timeout returns no rows.
	if got, err := fetchText(t, tx, "FETCH ALL c WITH (timeout = '50ms')", simple); err != nil || len(got) != 0 {
		t.Fatalf("FETCH with nothing new: %v, %v", got, err)
	}
	mustExec(t, conn, "INSERT INTO t VALUES (3, 'a')")
	// A FETCH waits for its first rows, then takes those there: the
	// update's two rows of one epoch, at most the count asked.
	one, err := fetchText(t, tx, "FETCH 1 c WITH (timeout = '30s')", pgx.QueryExecModeCacheStatement)
	if err != nil || len(one) != 1 {
		t.Fatalf("FETCH 1: %v, %v", one, err)
	}
	two, err := fetchText(t, tx, "FETCH ALL FROM c", simple)
	if err != nil || len(two) != 1 {
		t.Fatalf("FETCH ALL after FETCH 1: %v, %v", two, err)
	}
	upd := []string{one[0], two[0]}
	slices.Sort(upd)
	if f0, f1 := strings.Fields(upd[0]), strings.Fields(upd[1]); f0[0] != f1[0] || f0[0] <= e0 ||
		strings.Join(f0[1:], " ") != "-1 a 1" || strings.Join(f1[1:], " ") != "1 a 2" {
		t.Fatalf("the update: %v after epoch %s", upd, e0)
	}
	// The progress cursor: its rows and its progress rows.
	var data []string
	progress := 0
	for len(data) < 1 || progress < 1 {
		rows, err := fetchText(t, tx, "FETCH ALL p WITH (timeout = '30s')", simple)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			f := strings.Fields(r)
			switch {
			case f[1] == "true" && f[2] == "NULL" && f[3] == "NULL":
				progress++
			case f[1] == "false":
				data = append(data, strings.Join(f[2:], " "))
			default:
				t.Fatalf("progress cursor row %q", r)
			}
		}
	}
	if fmt.Sprint(data) != "[1 3]" {
		t.Fatalf("the progress cursor's rows: %v", data)
	}
	if _, err := tx.Exec(ctx, "CLOSE p", simple); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "CLOSE's end of its subscription", func() bool { return len(weir.LiveSubscriptionsForTest(ts.eng)) == 1 })

	// A FETCH that waits ends with 57014 at a CancelRequest, which fails
	// the block; its end ends the subscription.
	go func() {
		time.Sleep(100 * time.Millisecond)
		_ = reader.PgConn().CancelRequest(context.Background())
	}()
	var pgErr *pgconn.PgError
	if _, err := fetchText(t, tx, "FETCH ALL c", simple); !errors.As(err, &pgErr) || pgErr.Code != "57014" {
		t.Fatalf("a cancelled FETCH: %v", err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the block's end of its subscription", func() bool { return len(weir.LiveSubscriptionsForTest(ts.eng)) == 0 })

	if _, err := reader.Exec(ctx, "DECLARE h CURSOR FOR SUBSCRIBE per_v", simple); !errors.As(err, &pgErr) || pgErr.Code != "25P01" {
		t.Fatalf("outside a block: %v", err)
	}
	waitFor(t, "the refused cursor's subscription to end", func() bool { return len(weir.LiveSubscriptionsForTest(ts.eng)) == 0 })
	if _, err := reader.Exec(ctx, "DECLARE h CURSOR WITH HOLD FOR SUBSCRIBE TO (SELECT count(*) AS n FROM t)", simple); err != nil {
		t.Fatal(err)
	}
	held, err := reader.Query(ctx, "FETCH ALL h", simple)
	if err != nil {
		t.Fatal(err)
	}
	var heldRows []string
	for held.Next() {
		var ts, diff, n int64
		if err := held.Scan(&ts, &diff, &n); err != nil {
			t.Fatal(err)
		}
		heldRows = append(heldRows, fmt.Sprint(diff, " ", n))
	}
	if err := held.Err(); err != nil || fmt.Sprint(heldRows) != "[1 3]" {
		t.Fatalf("the held cursor's rows: %v, %v", heldRows, err)
	}
	if _, err := reader.Exec(ctx, "CLOSE h", simple); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "CLOSE's end of the held cursor's subscription", func() bool { return len(weir.LiveSubscriptionsForTest(ts.eng)) == 0 })

	// SUBSCRIBE itself is refused in a block, pointing at the cursor form.
	tx, err = reader.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "SUBSCRIBE per_v", simple); !errors.As(err, &pgErr) || pgErr.Code != "25001" ||
		!strings.Contains(pgErr.Hint, "DECLARE c CURSOR FOR SUBSCRIBE") {
		t.Fatalf("SUBSCRIBE in a block: %v (hint %q)", err, pgErr.Hint)
	}
	_ = tx.Rollback(ctx)
}

// TestSubscribeViewFails follows a view that then fails (a division by
// zero in its definition): the subscription ends with the view's failure,
// as a query of the view reports it.
func TestSubscribeViewFails(t *testing.T) {
	ts := startServer(t, memoryConfig())
	conn := connect(t, ts.dsn)
	mustExec(t, conn, "CREATE TABLE t (id INT PRIMARY KEY)")
	mustExec(t, conn, "INSERT INTO t VALUES (1)")
	mustExec(t, conn, "CREATE MATERIALIZED VIEW inv AS SELECT id, 10 / (id - 5) AS q FROM t")
	f := subscribeCopy(t, ts.dsn, "SUBSCRIBE inv")
	if got := rest(f.next(t, 1)); fmt.Sprint(got) != "[1 1 -2]" {
		t.Fatalf("snapshot %v", got)
	}
	mustExec(t, conn, "INSERT INTO t VALUES (5)")
	err := f.end(t)
	_, qerr := conn.Exec(context.Background(), "SELECT * FROM inv")
	var pgErr, qpgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || !errors.As(qerr, &qpgErr) || pgErr.Code != qpgErr.Code || pgErr.Message != qpgErr.Message {
		t.Fatalf("the SUBSCRIBE of a failed view ended with %v; a query of it fails with %v", err, qerr)
	}
	waitFor(t, "the end of the subscription", func() bool { return len(weir.LiveSubscriptionsForTest(ts.eng)) == 0 })
}

// TestSubscribeShutdown stops the server while a SUBSCRIBE streams: the
// shutdown cancels it instead of waiting for an end it never reaches, so
// the server drains (Shutdown returns no error before its deadline) and the
// client reads 57014.
func TestSubscribeShutdown(t *testing.T) {
	ts := startServer(t, memoryConfig())
	conn := connect(t, ts.dsn)
	mustExec(t, conn, "CREATE TABLE t (id INT PRIMARY KEY)")
	mustExec(t, conn, "INSERT INTO t VALUES (1)")
	f := subscribeCopy(t, ts.dsn, "SUBSCRIBE t")
	f.next(t, 1)
	conn.Close(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := ts.srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown with a SUBSCRIBE running: %v", err)
	}
	var pgErr *pgconn.PgError
	if err := f.end(t); !errors.As(err, &pgErr) || pgErr.Code != "57014" {
		t.Fatalf("the SUBSCRIBE ended with %v", err)
	}
}

// BenchmarkSubscribe measures a SUBSCRIBE over the wire (pgx's CopyTo):
// "rows" the changes per second a subscriber receives while 10,000-row
// COPY FROM STDIN loads go into the table it follows (rows/s, the load's
// time included), "latency" the time from
// the start of a one-row INSERT to its row reaching the subscriber.
//
//	go test -tags duckdb_arrow -run '^$' -bench Subscribe -benchtime 20x .
func BenchmarkSubscribe(b *testing.B) {
	for _, name := range []string{"rows", "latency"} {
		b.Run(name, func(b *testing.B) {
			ts := startServer(b, memoryConfig())
			conn := connect(b, ts.dsn)
			mustExec(b, conn, "CREATE TABLE t (id BIGINT PRIMARY KEY, v TEXT)")
			lines := make(chan int, 1<<16)
			sub := connect(b, ts.dsn)
			pr, pw := io.Pipe()
			go func() {
				_, _ = sub.PgConn().CopyTo(context.Background(), pw, "SUBSCRIBE t WITH (SNAPSHOT = false)")
				pw.Close()
			}()
			go func() {
				sc := bufio.NewScanner(pr)
				for sc.Scan() {
					lines <- 1
				}
				close(lines)
			}()
			b.Cleanup(func() {
				_ = sub.PgConn().CancelRequest(context.Background())
				for range lines {
				}
			})
			waitFor(b, "the subscription", func() bool { return len(weir.LiveSubscriptionsForTest(ts.eng)) == 1 })
			id := 0
			wait := func(n int) {
				for range n {
					if _, ok := <-lines; !ok {
						b.Fatal("the subscription ended")
					}
				}
			}
			b.ResetTimer()
			switch name {
			case "rows":
				const batch = 10_000
				start := time.Now()
				for range b.N {
					var sb strings.Builder
					for range batch {
						fmt.Fprintf(&sb, "%d\trow %d\n", id, id)
						id++
					}
					if _, err := conn.PgConn().CopyFrom(context.Background(), strings.NewReader(sb.String()), "COPY t FROM STDIN"); err != nil {
						b.Fatal(err)
					}
					wait(batch)
				}
				b.ReportMetric(float64(b.N*batch)/time.Since(start).Seconds(), "rows/s")
			case "latency":
				var total time.Duration
				for range b.N {
					start := time.Now()
					mustExec(b, conn, fmt.Sprintf("INSERT INTO t VALUES (%d, 'x')", id))
					id++
					wait(1)
					total += time.Since(start)
				}
				b.ReportMetric(float64(total.Microseconds())/float64(b.N)/1000, "ms/row")
			}
		})
	}
}

// TestSubscribeClientLeaves drops a subscriber's connection without a
// word: the subscription ends and is released (its dataflow and state).
func TestSubscribeClientLeaves(t *testing.T) {
	ts := startServer(t, memoryConfig())
	conn := connect(t, ts.dsn)
	mustExec(t, conn, "CREATE TABLE t (id INT PRIMARY KEY, v TEXT)")
	mustExec(t, conn, "INSERT INTO t VALUES (1, 'a')")
	f := subscribeCopy(t, ts.dsn, "SUBSCRIBE (SELECT v, count(*) AS n FROM t GROUP BY v)")
	f.next(t, 1)
	subs := weir.LiveSubscriptionsForTest(ts.eng)
	if len(subs) != 1 {
		t.Fatalf("%d subscriptions", len(subs))
	}
	if n, err := subs[0].StateBytes(); err != nil || n == 0 {
		t.Fatalf("the aggregate's state: %d bytes, %v", n, err)
	}
	// The socket closes under the client, as when its process dies.
	if err := f.conn.PgConn().Conn().Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.end(t); err == nil {
		t.Fatal("CopyTo over a closed socket ended without an error")
	}
	waitFor(t, "the subscription's release", func() bool {
		n, err := subs[0].StateBytes()
		return err == nil && n == 0 && len(weir.LiveSubscriptionsForTest(ts.eng)) == 0
	})
	mustExec(t, conn, "INSERT INTO t VALUES (2, 'b')")
}
