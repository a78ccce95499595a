package weir_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestInformationSchemaVisibility: a role that is no superuser sees in
// information_schema the relations it sees in pg_catalog: those it was
// granted, not the others' columns, keys or views.
func TestInformationSchemaVisibility(t *testing.T) {
	ctx := context.Background()
	ts := startServer(t, memoryConfig())
	admin := connect(t, ts.dsn)
	for _, st := range []string{
		"CREATE TABLE shared (k INT PRIMARY KEY, v TEXT)",
		"CREATE TABLE secret (k INT PRIMARY KEY, pw TEXT)",
		"CREATE VIEW hidden AS SELECT k FROM secret",
		"CREATE USER bob",
		"GRANT SELECT ON shared TO bob",
	} {
		mustExec(t, admin, st)
	}
	bob, err := pgx.Connect(ctx, strings.Replace(ts.dsn, "weir@", "bob@", 1))
	if err != nil {
		t.Fatal(err)
	}
	defer bob.Close(ctx)
	for _, c := range []struct{ query, admin, bob string }{
		{"SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 'public'", "hidden,secret,shared", "shared"},
		{"SELECT string_agg(table_name || '.' || column_name, ',' ORDER BY table_name, ordinal_position) FROM information_schema.columns WHERE table_schema = 'public'", "hidden.k,secret.k,secret.pw,shared.k,shared.v", "shared.k,shared.v"},
		{"SELECT string_agg(constraint_name, ',' ORDER BY constraint_name) FROM information_schema.key_column_usage", "secret_pkey,shared_pkey", "shared_pkey"},
		{"SELECT coalesce(string_agg(table_name, ','), '') FROM information_schema.views WHERE table_schema = 'public'", "hidden", ""},
	} {
		for _, who := range []struct {
			conn *pgx.Conn
			want string
		}{{admin, c.admin}, {bob, c.bob}} {
			var got string
			if err := who.conn.QueryRow(ctx, c.query).Scan(&got); err != nil {
				t.Fatalf("%s: %v", c.query, err)
			}
			if got != who.want {
				t.Errorf("%s as %s: %q, want %q", c.query, who.conn.Config().User, got, who.want)
			}
		}
	}
}
