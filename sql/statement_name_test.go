package sql

import "testing"

// TestStatementName: errors name a statement by its leading keywords, as
// Postgres' "… cannot run inside a transaction block" does.
func TestStatementName(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"INSERT INTO t VALUES (1)", "INSERT"},
		{"UPDATE t SET a = 1", "UPDATE"},
		{"DELETE FROM t", "DELETE"},
		{"CREATE TABLE t (a INT)", "CREATE TABLE"},
		{"CREATE MATERIALIZED VIEW v AS SELECT 1", "CREATE MATERIALIZED VIEW"},
		{"CREATE VIEW v AS SELECT 1", "CREATE VIEW"},
		{"DROP TABLE t", "DROP"},
		{"FLUSH", "FLUSH"},
		{"GRANT SELECT ON t TO r", "GRANT"},
		{"REVOKE SELECT ON t FROM r", "REVOKE"},
		{"ALTER MATERIALIZED VIEW v RESUME", "ALTER MATERIALIZED VIEW … RESUME"},
		{"SELECT 1", "this statement"},
	} {
		st, err := ParseOne(c.src)
		if err != nil {
			t.Fatalf("%s: %v", c.src, err)
		}
		if got := StatementName(st); got != c.want {
			t.Errorf("%s: %q, want %q", c.src, got, c.want)
		}
	}
}
