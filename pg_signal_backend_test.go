package weir_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// longQuery runs in DuckDB until it is cancelled (a trillion-row cross
// join).
const longQuery = "SELECT sum(a * b) FROM generate_series(1, 1000000) a, generate_series(1, 1000000) b"

// TestSignalBackend: pg_backend_pid() is the process ID of BackendKeyData;
// pg_cancel_backend cancels another session's running statement (57014 in
// that session, which goes on); pg_terminate_backend ends another
// session's connection (FATAL 57P01), waiting for it with a timeout; a
// process ID of no session answers false; a negative timeout is 22023.
// A role that is no superuser may signal its own role's sessions only,
// never a superuser's (42501, Postgres' wording).
func TestSignalBackend(t *testing.T) {
	ctx := context.Background()
	ts := startServer(t, memoryConfig())
	admin := connect(t, ts.dsn)
	mustExec(t, admin, "CREATE USER bob")
	mustExec(t, admin, "CREATE USER carol")
	as := func(user string) *pgx.Conn {
		t.Helper()
		c, err := pgx.Connect(ctx, strings.Replace(ts.dsn, "weir@", user+"@", 1))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close(context.Background()) })
		return c
	}
	signal := func(by *pgx.Conn, call string, pid uint32) (bool, error) {
		t.Helper()
		var ok bool
		err := by.QueryRow(ctx, "SELECT "+call+"($1)", int32(pid)).Scan(&ok)
		return ok, err
	}
	wantCode := func(err error, code, detail string) {
		t.Helper()
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != code || detail != "" && pe.Detail != detail {
			t.Fatalf("got %v, want SQLSTATE %s (detail %q)", err, code, detail)
		}
	}

	var pid int32
	if err := admin.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	if uint32(pid) != admin.PgConn().PID() {
		t.Fatalf("pg_backend_pid() = %d, BackendKeyData said %d", pid, admin.PgConn().PID())
	}

	// Cancel a running statement of another session; it goes on.
	bob := as("bob")
	running := func(c *pgx.Conn) <-chan error {
		t.Helper()
		done := make(chan error, 1)
		go func() {
			var n any
			done <- c.QueryRow(ctx, longQuery).Scan(&n)
		}()
		deadline := time.Now().Add(30 * time.Second)
		for {
			var state string
			err := admin.QueryRow(ctx, "SELECT state FROM pg_stat_activity WHERE pid = $1", int32(c.PgConn().PID())).Scan(&state)
			if err == nil && state == "active" {
				return done
			}
			if time.Now().After(deadline) {
				t.Fatalf("the session never ran its query: %v %q", err, state)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	done := running(bob)
	if ok, err := signal(admin, "pg_cancel_backend", bob.PgConn().PID()); err != nil || !ok {
		t.Fatalf("pg_cancel_backend: %v, %v", ok, err)
	}
	select {
	case err := <-done:
		wantCode(err, "57014", "")
	case <-time.After(60 * time.Second):
		t.Fatal("the cancelled query did not end")
	}
	var one int
	if err := bob.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("the session after its cancel: %v", err)
	}

	// A role signals only its own role's sessions, and never a superuser's.
	bob2, carol := as("bob"), as("carol")
	_, err := signal(carol, "pg_cancel_backend", bob.PgConn().PID())
	wantCode(err, "42501", `Only roles with privileges of the role whose query is being canceled or with privileges of the "pg_signal_backend" role may cancel this query.`)
	_, err = signal(carol, "pg_terminate_backend", admin.PgConn().PID())
	wantCode(err, "42501", "Only roles with the SUPERUSER attribute may terminate processes of roles with the SUPERUSER attribute.")
	done = running(bob)
	if ok, err := signal(bob2, "pg_cancel_backend", bob.PgConn().PID()); err != nil || !ok {
		t.Fatalf("bob cancelling his own session: %v, %v", ok, err)
	}
	select {
	case err := <-done:
		wantCode(err, "57014", "")
	case <-time.After(60 * time.Second):
		t.Fatal("the cancelled query did not end")
	}

	// No session has the process ID: false.
	if ok, err := signal(admin, "pg_cancel_backend", 99999); err != nil || ok {
		t.Fatalf("pg_cancel_backend(99999): %v, %v", ok, err)
	}
	// … with Postgres' WARNING, a NoticeResponse, by either protocol and
	// in a transaction block.
	cfg, err := pgx.ParseConfig(ts.dsn)
	if err != nil {
		t.Fatal(err)
	}
	var notices []string
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
		notices = append(notices, n.Severity+" "+n.Code+" "+n.Message)
	}
	warned, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { warned.Close(context.Background()) })
	for _, q := range []string{"SELECT pg_cancel_backend(99999)", "BEGIN", "SELECT pg_terminate_backend(99998)", "COMMIT"} {
		if _, err := warned.Exec(ctx, q, pgx.QueryExecModeSimpleProtocol); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var answer bool
	if err := warned.QueryRow(ctx, "SELECT pg_cancel_backend($1)", int32(99997)).Scan(&answer); err != nil || answer {
		t.Fatalf("pg_cancel_backend($1 = 99997): %v, %v", answer, err)
	}
	want := []string{"WARNING 01000 PID 99999 is not a PostgreSQL backend process",
		"WARNING 01000 PID 99998 is not a PostgreSQL backend process", "WARNING 01000 PID 99997 is not a PostgreSQL backend process"}
	if !slices.Equal(notices, want) {
		t.Errorf("notices %q, want %q", notices, want)
	}
	var ok bool
	err = admin.QueryRow(ctx, "SELECT pg_terminate_backend($1, -1)", int32(bob.PgConn().PID())).Scan(&ok)
	wantCode(err, "22023", "")

	// Terminating a session that runs a statement: its client hears only
	// FATAL 57P01, as from Postgres.
	bob3 := as("bob")
	done = running(bob3)
	if ok, err := signal(admin, "pg_terminate_backend", bob3.PgConn().PID()); err != nil || !ok {
		t.Fatalf("pg_terminate_backend of a running session: %v, %v", ok, err)
	}
	select {
	case err := <-done:
		wantCode(err, "57P01", "")
	case <-time.After(60 * time.Second):
		t.Fatal("the terminated query did not end")
	}

	// Terminate, waiting up to 10 s for the session to end: its
	// connection is closed with FATAL 57P01 and it leaves pg_stat_activity.
	if err := admin.QueryRow(ctx, "SELECT pg_terminate_backend($1, 10000)", int32(bob.PgConn().PID())).Scan(&ok); err != nil || !ok {
		t.Fatalf("pg_terminate_backend: %v, %v", ok, err)
	}
	var n int
	if err := admin.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", int32(bob.PgConn().PID())).Scan(&n); err != nil || n != 0 {
		t.Fatalf("the terminated session is still listed: %d, %v", n, err)
	}
	err = bob.QueryRow(ctx, "SELECT 1").Scan(&one)
	var pe *pgconn.PgError
	if err == nil || errors.As(err, &pe) && pe.Code != "57P01" {
		t.Fatalf("a query on the terminated connection: %v", err)
	}
	// Every row pg_stat_activity lists is signalled once.
	carol2 := as("carol")
	rows, err := admin.Query(ctx, "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'carol' ORDER BY pid")
	if err != nil {
		t.Fatal(err)
	}
	got := map[int32]bool{}
	for rows.Next() {
		var p int32
		if err := rows.Scan(&p, &ok); err != nil {
			t.Fatal(err)
		}
		got[p] = ok
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !got[int32(carol.PgConn().PID())] || !got[int32(carol2.PgConn().PID())] {
		t.Fatalf("terminating carol's sessions: %v", got)
	}
}
