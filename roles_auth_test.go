package weir_test

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/weir-stream/weir"
	"github.com/weir-stream/weir/sql/session"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/wire"
	"github.com/weir-stream/weir/wire/scram"
)

// TestPasswordUserMustBeRole: with scram-sha-256, a client whose password
// checked out but whose role is gone by the time its session opens (dropped
// in between) is refused with 28000, not made a superuser; the engine's own
// sessions, under any name, keep every right.
func TestPasswordUserMustBeRole(t *testing.T) {
	cfg := scramConfig(t, t.TempDir())
	ctx := context.Background()
	eng, err := weir.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close(ctx)
	// ghost's verifier outlives its role, as when DROP ROLE runs between
	// the SCRAM exchange and NewSession.
	ghost, err := scram.NewVerifier("ghostpw")
	if err != nil {
		t.Fatal(err)
	}
	passwords := func(user string) (string, bool) {
		if user == "ghost" {
			return ghost.String(), true
		}
		return eng.LoginVerifier(user)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := wire.NewServer(sessions{eng}, wire.Options{Passwords: passwords})
	serveCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(serveCtx, ln) }()
	defer func() { cancel(); <-done }()

	_, err = connectAs(t, ln.Addr().String(), "ghost", "ghostpw")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Severity != "FATAL" || pgErr.Code != "28000" || pgErr.Message != `role "ghost" does not exist` {
		t.Fatalf("a user that is no role after SCRAM: got %v, want FATAL 28000", err)
	}
	admin := mustConnectAs(t, ln.Addr().String(), "admin", "adminpw")
	wantExec(t, admin, "CREATE TABLE t (id INT PRIMARY KEY)", "")

	// The engine's own sessions are no role and have every right.
	s, err := eng.NewSession(ctx, "weir", "weir")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.IsSuperuser() {
		t.Fatal("the engine's own session is not a superuser")
	}
	// Marked as password-authenticated, the same name is refused.
	_, err = eng.NewSession(session.WithPasswordAuthentication(ctx), "weir", "weir")
	if e := sqlstate.From(err); err == nil || e.Code != sqlstate.InvalidAuthorization {
		t.Fatalf("got %v, want 28000", err)
	}
}
