package weir_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestParameterStatusOnSet: a SET of a parameter clients track is
// reported to the client (ParameterStatus), as Postgres does, so a driver's
// view of application_name or DateStyle follows the session's.
func TestParameterStatusOnSet(t *testing.T) {
	ts := startServer(t, memoryConfig())
	conn := connect(t, ts.dsn)
	mustExec(t, conn, "SET application_name = 'reporter'")
	if got := conn.PgConn().ParameterStatus("application_name"); got != "reporter" {
		t.Errorf("application_name after SET: %q", got)
	}
	mustExec(t, conn, "SET DateStyle = 'ISO, DMY'")
	if got := conn.PgConn().ParameterStatus("DateStyle"); got != "ISO, DMY" {
		t.Errorf("DateStyle after SET: %q", got)
	}
	mustExec(t, conn, "RESET ALL")
	if got := conn.PgConn().ParameterStatus("DateStyle"); got != "ISO, MDY" {
		t.Errorf("DateStyle after RESET ALL: %q", got)
	}
	// A parameter clients do not track is not reported.
	mustExec(t, conn, "SET statement_timeout = '5s'")
	if got := conn.PgConn().ParameterStatus("statement_timeout"); got != "" {
		t.Errorf("statement_timeout was reported: %q", got)
	}
}

// TestClientMinMessages: notices below client_min_messages are not sent.
func TestClientMinMessages(t *testing.T) {
	ts := startServer(t, memoryConfig())
	conn, notices := noticeConn(t, ts.dsn)
	mustExec(t, conn, "DROP TABLE IF EXISTS nothing_here")
	if got := notices(); len(got) != 1 {
		t.Fatalf("notices at the default level: %+v", got)
	}
	mustExec(t, conn, "SET client_min_messages = warning")
	mustExec(t, conn, "DROP TABLE IF EXISTS nothing_here")
	if got := notices(); len(got) != 0 {
		t.Fatalf("notices at client_min_messages warning: %+v", got)
	}
}

// TestParameterStatusAtStartup: the values reported at startup are the
// session's, after the startup packet's parameters are applied.
func TestParameterStatusAtStartup(t *testing.T) {
	ts := startServer(t, memoryConfig())
	cfg, err := pgx.ParseConfig(ts.dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.RuntimeParams["DateStyle"] = "ISO, DMY"
	cfg.RuntimeParams["application_name"] = "starter"
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for name, want := range map[string]string{"DateStyle": "ISO, DMY", "application_name": "starter", "session_authorization": "weir", "is_superuser": "on", "TimeZone": "UTC"} {
		if got := conn.PgConn().ParameterStatus(name); got != want {
			t.Errorf("%s at startup: %q, want %q", name, got, want)
		}
	}
}

// TestSynchronousCommitDefault: the server's synchronous_commit is the
// session's default, which SHOW, RESET and SET … TO DEFAULT give.
func TestSynchronousCommitDefault(t *testing.T) {
	cfg := memoryConfig()
	cfg.State.SynchronousCommit = "off"
	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	show := func() string {
		var v string
		if err := conn.QueryRow(context.Background(), "SHOW synchronous_commit").Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if got := show(); got != "off" {
		t.Fatalf("default: %q, want the server's off", got)
	}
	mustExec(t, conn, "SET synchronous_commit = on")
	mustExec(t, conn, "RESET synchronous_commit")
	if got := show(); got != "off" {
		t.Fatalf("after RESET: %q", got)
	}
	mustExec(t, conn, "BEGIN")
	mustExec(t, conn, "SET LOCAL synchronous_commit TO DEFAULT")
	if got := show(); got != "off" {
		t.Fatalf("SET LOCAL … TO DEFAULT: %q", got)
	}
	mustExec(t, conn, "COMMIT")
}
