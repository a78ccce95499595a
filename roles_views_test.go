package weir_test

import (
	"strings"
	"testing"
)

// TestViewOwnerRights: a view reads its relations with its owner's rights,
// checked whenever it is read, as in Postgres: once its owner loses SELECT
// on what it reads, the view fails for its owner and for everyone it was
// granted to (through views over views too), and a sink of that owner over
// it does not start again; granting SELECT back restores both.
func TestViewOwnerRights(t *testing.T) {
	dir := t.TempDir()
	cfg := scramConfig(t, dir)
	addr, stop := startAuthServer(t, cfg)
	admin := mustConnectAs(t, addr, "admin", "adminpw")
	for _, s := range []string{
		"CREATE TABLE t (k INT PRIMARY KEY, v INT)",
		"INSERT INTO t VALUES (1, 10), (2, 20)",
		"CREATE USER alice WITH PASSWORD 'alicepw'",
		"CREATE USER bob WITH PASSWORD 'bobpw'",
		"GRANT SELECT ON t TO alice",
	} {
		wantExec(t, admin, s, "")
	}
	alice := mustConnectAs(t, addr, "alice", "alicepw")
	bob := mustConnectAs(t, addr, "bob", "bobpw")
	for _, s := range []string{
		"CREATE MATERIALIZED VIEW av AS SELECT k, sum(v) AS s FROM t GROUP BY k",
		"CREATE MATERIALIZED VIEW av2 AS SELECT k, s FROM av",
		"CREATE SINK ak FROM t WITH (connector = 'blackhole', type = 'debezium')",
		"GRANT SELECT ON av2 TO bob",
		"FLUSH",
	} {
		wantExec(t, alice, s, "")
	}
	reads := []string{
		"SELECT * FROM av",                           // a scan
		"SELECT s FROM av WHERE k = 1",               // a point lookup
		"SELECT count(*) FROM av JOIN av2 USING (k)", // DuckDB
		"SELECT (SELECT max(s) FROM av2)",
	}
	for _, q := range reads {
		wantExec(t, alice, q, "")
	}
	wantExec(t, bob, "SELECT * FROM av2", "")
	wantExec(t, bob, "SELECT * FROM av", "42501 permission denied for materialized view av")

	wantExec(t, admin, "REVOKE SELECT ON t FROM alice", "")
	denied := "42501 permission denied for table t"
	for _, q := range reads {
		wantExec(t, alice, q, denied)
	}
	wantExec(t, bob, "SELECT * FROM av2", denied)
	wantExec(t, alice, "CREATE SINK ak2 FROM av WITH (connector = 'blackhole', type = 'debezium')", denied)
	// Superusers read everything anyway.
	if got := queryText(t, admin, "SELECT s FROM av2 ORDER BY k"); strings.Join(got, ",") != "10,20" {
		t.Fatalf("admin reads av2: %v", got)
	}

	// At the next start alice's sink over t does not run, and says why.
	stop()
	addr, stop = startAuthServer(t, cfg)
	admin = mustConnectAs(t, addr, "admin", "adminpw")
	if got := queryText(t, admin, "SELECT status, error FROM weir_jobs WHERE name = 'ak'"); strings.Join(got, ",") != "failed "+denied[6:] {
		t.Fatalf("ak after the restart: %v", got)
	}
	if got := queryText(t, admin, "SELECT count(*) FROM weir_sinks WHERE sink = 'ak'"); strings.Join(got, ",") != "0" {
		t.Fatalf("ak is delivering: %v", got)
	}

	// With SELECT granted again, the views answer and the sink starts.
	wantExec(t, admin, "GRANT SELECT ON t TO alice", "")
	bob = mustConnectAs(t, addr, "bob", "bobpw")
	wantExec(t, bob, "SELECT * FROM av2", "")
	stop()
	addr, _ = startAuthServer(t, cfg)
	admin = mustConnectAs(t, addr, "admin", "adminpw")
	if got := queryText(t, admin, "SELECT status FROM weir_jobs WHERE name = 'ak'"); strings.Join(got, ",") != "running" {
		t.Fatalf("ak after SELECT was granted again: %v", got)
	}
}
