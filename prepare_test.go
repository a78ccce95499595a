package weir_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestPrepareChecksPrivileges: describing a statement (the extended
// protocol's Parse, which runs queries DuckDB answers to learn their
// columns) needs the same privileges as running it, so a role without
// SELECT learns nothing of a table through an error of the describe.
func TestPrepareChecksPrivileges(t *testing.T) {
	ts := startServer(t, memoryConfig())
	ctx := context.Background()
	admin := connect(t, ts.dsn)
	mustExec(t, admin, "CREATE TABLE secrets (k INT PRIMARY KEY, secret TEXT)")
	mustExec(t, admin, "INSERT INTO secrets VALUES (1, 'topsecret')")
	mustExec(t, admin, "CREATE USER alice")
	alice, err := pgx.Connect(ctx, strings.Replace(ts.dsn, "weir@", "alice@", 1))
	if err != nil {
		t.Fatal(err)
	}
	defer alice.Close(ctx)
	for _, q := range []string{
		"SELECT CAST(a.secret AS INT) FROM secrets a JOIN secrets b ON a.k = b.k",
		"SELECT count(*) FROM weir_jobs WHERE name = (SELECT secret FROM secrets)",
		"SELECT secret FROM secrets WHERE k = $1",
	} {
		_, err := alice.Prepare(ctx, "", q)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "42501" {
			t.Errorf("Prepare(%q) as a role without SELECT: %v, want 42501", q, err)
		}
		if err != nil && strings.Contains(err.Error(), "topsecret") {
			t.Errorf("Prepare(%q) leaked the secret: %v", q, err)
		}
	}
}
