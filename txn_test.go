package weir_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	osexec "os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestTransactionsPgx drives transaction blocks with pgx: Commit, Rollback,
// the protocol's transaction status, the aborted state after an error, and
// the extended protocol inside a block.
func TestTransactionsPgx(t *testing.T) {
	ts := startServer(t, memoryConfig())
	ctx := context.Background()
	conn := connect(t, ts.dsn)
	mustExec(t, conn, "CREATE TABLE kv (k INT PRIMARY KEY, v TEXT)")
	count := func() int {
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM kv").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	// Rollback discards; the status is T inside, I after.
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st := conn.PgConn().TxStatus(); st != 'T' {
		t.Errorf("status in a block = %c, want T", st)
	}
	if _, err := tx.Exec(ctx, "INSERT INTO kv VALUES ($1, $2)", 1, "one"); err != nil {
		t.Fatal(err)
	}
	var v string
	if err := tx.QueryRow(ctx, "SELECT v FROM kv WHERE k = $1", 1).Scan(&v); err != nil || v != "one" {
		t.Fatalf("read own write: %q, %v", v, err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if st := conn.PgConn().TxStatus(); st != 'I' {
		t.Errorf("status after rollback = %c, want I", st)
	}
	if n := count(); n != 0 {
		t.Fatalf("after Rollback: %d rows, want 0", n)
	}

	// Commit applies; a prepared statement runs in the block.
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		for k := 1; k <= 3; k++ {
			if _, err := tx.Exec(ctx, "INSERT INTO kv VALUES ($1, $2)", k, "v"); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, "UPDATE kv SET v = $1 WHERE k = $2", "two", 2)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 3 {
		t.Fatalf("after Commit: %d rows, want 3", n)
	}

	// An error aborts the block: E status, 25P02, and Commit rolls back.
	tx, err = conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "INSERT INTO kv VALUES (4, 'four')"); err != nil {
		t.Fatal(err)
	}
	_, err = tx.Exec(ctx, "INSERT INTO kv VALUES (1, 'dup')")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "23505" {
		t.Fatalf("duplicate in a block: %v, want 23505", err)
	}
	if st := conn.PgConn().TxStatus(); st != 'E' {
		t.Errorf("status after an error = %c, want E", st)
	}
	_, err = tx.Exec(ctx, "SELECT 1")
	if !errors.As(err, &pe) || pe.Code != "25P02" {
		t.Fatalf("statement in a failed block: %v, want 25P02", err)
	}
	if err := tx.Commit(ctx); !errors.Is(err, pgx.ErrTxCommitRollback) {
		t.Fatalf("Commit of a failed block = %v, want ErrTxCommitRollback (the server answered ROLLBACK)", err)
	}
	if n := count(); n != 3 {
		t.Fatalf("after a failed block: %d rows, want 3", n)
	}

	// An error the wire server finds itself (a parameter that is not
	// UTF-8) fails the block too: COMMIT answers ROLLBACK.
	tx, err = conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "INSERT INTO kv VALUES (5, 'five')"); err != nil {
		t.Fatal(err)
	}
	_, err = tx.Exec(ctx, "INSERT INTO kv VALUES ($1, $2)", 6, "\xff")
	if !errors.As(err, &pe) || pe.Code != "22021" {
		t.Fatalf("a parameter that is not UTF-8: %v, want 22021", err)
	}
	if st := conn.PgConn().TxStatus(); st != 'E' {
		t.Errorf("status after a bad parameter = %c, want E", st)
	}
	if err := tx.Commit(ctx); !errors.Is(err, pgx.ErrTxCommitRollback) {
		t.Fatalf("Commit after a bad parameter = %v, want ErrTxCommitRollback", err)
	}
	if n := count(); n != 3 {
		t.Fatalf("after a block failed by a bad parameter: %d rows, want 3", n)
	}

	// A block abandoned by a closed connection is rolled back.
	other, err := pgx.Connect(ctx, ts.dsn)
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, other, "BEGIN")
	mustExec(t, other, "DELETE FROM kv")
	other.Close(ctx)
	if n := count(); n != 3 {
		t.Fatalf("after an abandoned block: %d rows, want 3", n)
	}
}

// TestTransactionAtomicity has a writer move units between two tables in
// transaction blocks while readers sum both: no reader may ever see a block
// half applied, whether it reads both tables in one query or in two queries
// of a REPEATABLE READ block.
func TestTransactionAtomicity(t *testing.T) {
	ts := startServer(t, memoryConfig())
	ctx := context.Background()
	conn := connect(t, ts.dsn)
	mustExec(t, conn, "CREATE TABLE left_side (id INT PRIMARY KEY, units BIGINT)")
	mustExec(t, conn, "CREATE TABLE right_side (id INT PRIMARY KEY, units BIGINT)")
	mustExec(t, conn, "INSERT INTO left_side VALUES (1, 1000)")
	mustExec(t, conn, "INSERT INTO right_side VALUES (1, 0)")

	const moves = 150
	var done atomic.Bool
	var wg sync.WaitGroup
	var reads atomic.Int64
	reader := func(inBlock bool) {
		defer wg.Done()
		rc, err := pgx.Connect(ctx, ts.dsn)
		if err != nil {
			t.Error(err)
			return
		}
		defer rc.Close(ctx)
		for !done.Load() {
			var l, r int64
			if inBlock {
				err = pgx.BeginFunc(ctx, rc, func(tx pgx.Tx) error {
					if err := tx.QueryRow(ctx, "SELECT units FROM left_side WHERE id = 1").Scan(&l); err != nil {
						return err
					}
					return tx.QueryRow(ctx, "SELECT units FROM right_side WHERE id = 1").Scan(&r)
				})
			} else {
				err = rc.QueryRow(ctx, "SELECT l.units, r.units FROM left_side l JOIN right_side r ON l.id = r.id").Scan(&l, &r)
			}
			if err != nil {
				t.Error(err)
				return
			}
			reads.Add(1)
			if l+r != 1000 {
				t.Errorf("a reader saw a half-applied transaction: %d + %d", l, r)
				return
			}
		}
	}
	wg.Add(2)
	go reader(false)
	go reader(true)
	for i := 0; i < moves; i++ {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "UPDATE left_side SET units = units - 1 WHERE id = 1"); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "UPDATE right_side SET units = units + 1 WHERE id = 1")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	done.Store(true)
	wg.Wait()
	var l, r int64
	if err := conn.QueryRow(ctx, "SELECT l.units, r.units FROM left_side l JOIN right_side r ON l.id = r.id").Scan(&l, &r); err != nil {
		t.Fatal(err)
	}
	if l != 1000-moves || r != moves {
		t.Fatalf("after %d moves: %d and %d", moves, l, r)
	}
	t.Logf("%d moves, %d consistent reads", moves, reads.Load())
}

// TestTransactionsPsql runs a script through the real psql: an aborted
// block (psql reports 25P02 and ROLLBACK), and psql --single-transaction,
// whose failing script leaves nothing behind.
func TestTransactionsPsql(t *testing.T) {
	path, err := osexec.LookPath("psql")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("psql is required under CI=true")
		}
		t.Skip("psql not installed")
	}
	ts := startServer(t, memoryConfig())
	ctx := context.Background()
	conn := connect(t, ts.dsn)
	mustExec(t, conn, "CREATE TABLE notes (id INT PRIMARY KEY, body TEXT)")
	pc, err := pgx.ParseConfig(ts.dsn)
	if err != nil {
		t.Fatal(err)
	}
	host, port := pc.Host, strconv.Itoa(int(pc.Port))
	psql := func(stdin string, args ...string) (string, error) {
		cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		cmd := osexec.CommandContext(cctx, path, append([]string{"-X", "-h", host, "-p", port, "-U", "weir", "-d", "weir", "-At"}, args...)...)
		cmd.Env = append(os.Environ(), "PGSSLMODE=disable", "PAGER=")
		cmd.Stdin = bytes.NewBufferString(stdin)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := psql(`BEGIN;
INSERT INTO notes VALUES (1, 'kept?');
SELECT 1/0;
SELECT 1;
COMMIT;
SELECT count(*) FROM notes;
`)
	if err != nil {
		t.Fatalf("psql: %v\n%s", err, out)
	}
	want := `BEGIN
INSERT 0 1
ERROR:  division by zero
ERROR:  current transaction is aborted, commands ignored until end of transaction block
ROLLBACK
0
`
	if out != want {
		t.Fatalf("psql printed:\n%s\nwant:\n%s", out, want)
	}
	out, err = psql("INSERT INTO notes VALUES (2, 'a');\nINSERT INTO notes VALUES (2, 'b');\n", "--single-transaction", "-v", "ON_ERROR_STOP=1")
	if err == nil {
		t.Fatalf("psql --single-transaction succeeded over a duplicate key:\n%s", out)
	}
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM notes").Scan(&n); err != nil || n != 0 {
		t.Fatalf("after a failed --single-transaction script: %d rows (%v), want 0", n, err)
	}
	if out, err := psql("INSERT INTO notes VALUES (3, 'c');\nINSERT INTO notes VALUES (4, 'd');\n", "--single-transaction", "-v", "ON_ERROR_STOP=1"); err != nil {
		t.Fatalf("psql --single-transaction: %v\n%s", err, out)
	}
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM notes").Scan(&n); err != nil || n != 2 {
		t.Fatalf("after a --single-transaction script: %d rows (%v), want 2", n, err)
	}
}

// TestSystemTablesExtendedProtocol reads system tables through the extended
// protocol (pgx's default), which describes a statement before running it.
func TestSystemTablesExtendedProtocol(t *testing.T) {
	ts := startServer(t, memoryConfig())
	ctx := context.Background()
	conn := connect(t, ts.dsn)
	mustExec(t, conn, "CREATE TABLE t (a INT)")
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM weir_jobs WHERE name = $1", "t").Scan(&n); err != nil || n != 1 {
		t.Fatalf("weir_jobs over the extended protocol: %d, %v", n, err)
	}
}

// TestExtendedProtocolDuckDBParams runs, through pgx's extended protocol,
// parameterized queries that DuckDB answers (joins): their Prepare describes
// them with the parameters unbound, and DuckDB types the parameters, so pgx
// can bind integers.
func TestExtendedProtocolDuckDBParams(t *testing.T) {
	ts := startServer(t, memoryConfig())
	ctx := context.Background()
	conn := connect(t, ts.dsn)
	mustExec(t, conn, "CREATE TABLE a (id INT PRIMARY KEY, x TEXT)")
	mustExec(t, conn, "CREATE TABLE b (id INT PRIMARY KEY, y TEXT)")
	mustExec(t, conn, "INSERT INTO a VALUES (1, 'one'), (2, 'two')")
	mustExec(t, conn, "INSERT INTO b VALUES (1, 'uno'), (2, 'dos')")
	var x, y string
	if err := conn.QueryRow(ctx, "SELECT a.x, b.y FROM a JOIN b ON a.id = b.id WHERE a.id = $1", 2).Scan(&x, &y); err != nil || x != "two" || y != "dos" {
		t.Fatalf("join with an integer parameter: %q %q, %v", x, y, err)
	}
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM a JOIN b ON a.id = b.id WHERE a.id IN ($1, $2) LIMIT $3", 1, 2, 5).Scan(&n); err != nil || n != 2 {
		t.Fatalf("join with IN and LIMIT parameters: %d, %v", n, err)
	}
	if err := conn.QueryRow(ctx, "SELECT a.x FROM a JOIN b ON a.id = b.id WHERE b.y = $1", "uno").Scan(&x); err != nil || x != "one" {
		t.Fatalf("join with a text parameter: %q, %v", x, err)
	}
}

// TestWriteWarnsOfFailedView: a write whose epoch makes a view over the
// table fail is answered (it was applied, and is durable) with a WARNING
// naming the view and the cause, as is the COMMIT of a block.
func TestWriteWarnsOfFailedView(t *testing.T) {
	ts := startServer(t, memoryConfig())
	ctx := context.Background()
	conn, notices := noticeConn(t, ts.dsn)
	mustExec(t, conn, "CREATE TABLE d (x INT)")
	mustExec(t, conn, "CREATE MATERIALIZED VIEW inv AS SELECT 100 / x AS q FROM d")
	mustExec(t, conn, "INSERT INTO d VALUES (4)")
	if got := notices(); len(got) != 0 {
		t.Fatalf("a good insert warned: %+v", got[0])
	}
	mustExec(t, conn, "INSERT INTO d VALUES (0)")
	if got := notices(); len(got) != 1 || got[0].Severity != "WARNING" || !strings.Contains(got[0].Message, `"inv" has failed: division by zero`) {
		t.Fatalf("notices after the insert that breaks the view: %+v", got)
	}
	// The insert itself was applied.
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM d").Scan(&n); err != nil || n != 2 {
		t.Fatalf("rows of d: %d, %v", n, err)
	}
}
