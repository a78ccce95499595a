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

// TestParamsBoundAsValues: the extended protocol's parameters are bound
// into the statement as typed values, wherever they stand, and a $n inside
// a string or a comment is text, not a parameter.
func TestParamsBoundAsValues(t *testing.T) {
	ts := startServer(t, memoryConfig())
	ctx := context.Background()
	conn := connect(t, ts.dsn)
	mustExec(t, conn, "CREATE TABLE a (id INT PRIMARY KEY, x TEXT)")
	mustExec(t, conn, "INSERT INTO a VALUES (1, 'one'), (2, 'two')")
	for _, c := range []struct {
		q    string
		args []any
		want string
	}{
		{"SELECT '$1' || $1 /* $2 */", []any{"x"}, "$1x"},
		{"SELECT CAST($1::int + $1::int AS TEXT)", []any{21}, "42"},
		{"SELECT coalesce($1::text, 'none')", []any{nil}, "none"},
		{"SELECT $1::text", []any{"it's -- not a comment"}, "it's -- not a comment"},
		{"SELECT x FROM a WHERE id = $1", []any{2}, "two"},
		{"SELECT p.x FROM a p JOIN a q ON p.id = q.id WHERE p.id = $1 AND q.x <> '$2'", []any{1}, "one"},
	} {
		var got string
		if err := conn.QueryRow(ctx, c.q, c.args...).Scan(&got); err != nil || got != c.want {
			t.Errorf("%s %v: %q, %v; want %q", c.q, c.args, got, err, c.want)
		}
	}
	// The prepared statement runs again with other values.
	for id, want := range map[int]string{1: "one", 2: "two"} {
		var got string
		if err := conn.QueryRow(ctx, "SELECT p.x FROM a p JOIN a q ON p.id = q.id WHERE p.id = $1", id).Scan(&got); err != nil || got != want {
			t.Errorf("join with $1 = %d: %q, %v", id, got, err)
		}
	}
}
