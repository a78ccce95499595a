package weir_test

import (
	"context"
	"strings"
	"testing"

	"github.com/weir-stream/weir"
)

// TestConfiguredSuperuserEnforced: a role named by server.auth.superuser
// that cannot administer the server (no SUPERUSER or no LOGIN) refuses the
// start with an error naming the key; one without a password gets the
// configured password and the server starts.
func TestConfiguredSuperuserEnforced(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	trust := scramConfig(t, dir)
	trust.Server.Auth = weir.AuthConfig{}
	runTrust := func(stmts string) {
		t.Helper()
		eng, err := weir.Open(ctx, trust)
		if err != nil {
			t.Fatal(err)
		}
		s, err := eng.NewSession(ctx, "weir", "weir")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Exec(ctx, stmts); err != nil {
			t.Fatal(err)
		}
		s.Close()
		if err := eng.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	runTrust("CREATE USER admin WITH PASSWORD 'guessme'")
	for _, attrs := range []string{"", "SUPERUSER NOLOGIN"} {
		if attrs != "" {
			runTrust("ALTER USER admin " + attrs)
		}
		eng, err := weir.Open(ctx, scramConfig(t, dir))
		if err == nil {
			eng.Close(ctx)
			t.Fatalf("admin %q: the server started with a superuser that cannot administer it", attrs)
		}
		if !strings.Contains(err.Error(), "server.auth.superuser") || !strings.Contains(err.Error(), `"admin"`) {
			t.Fatalf("admin %q: %v", attrs, err)
		}
	}
	runTrust("ALTER USER admin SUPERUSER LOGIN PASSWORD NULL")
	addr, _ := startAuthServer(t, scramConfig(t, dir))
	admin := mustConnectAs(t, addr, "admin", "adminpw")
	wantExec(t, admin, "CREATE USER alice", "")
}
