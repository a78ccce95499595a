//go:build duckdb_arrow

package weir_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestOpenCursorsStallNoQuery opens more cursors over DuckDB-served queries,
// each in its own session and left open after one FETCH, than DuckDB has
// pooled connections (4) and cursor connections (8) together; then another
// session's DuckDB query must answer, and every cursor must still read its
// rows to the end. Before cursors kept their connections out of the shared
// pool, the fifth DECLARE waited for a connection that no one gave back.
// The deadline only detects such a wait; it decides nothing else.
func TestOpenCursorsStallNoQuery(t *testing.T) {
	ts := startServer(t, memoryConfig())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin := connect(t, ts.dsn)
	mustExec(t, admin, "CREATE TABLE nums (id INT PRIMARY KEY, grp INT)")
	const rows = 5000
	var values []string
	for i := 1; i <= rows; i++ {
		values = append(values, fmt.Sprintf("(%d, %d)", i, i%7))
	}
	mustExec(t, admin, "INSERT INTO nums VALUES "+strings.Join(values, ", "))

	// A GROUP BY is DuckDB's to run: its reader holds a DuckDB connection
	// until it is read to the end.
	const query = "SELECT id, count(*) AS n FROM nums GROUP BY id ORDER BY id"
	const sessions = 14
	conns := make([]*pgx.Conn, sessions)
	for i := range conns {
		conns[i] = connect(t, ts.dsn)
		if _, err := conns[i].Exec(ctx, "BEGIN"); err != nil {
			t.Fatal(err)
		}
		if _, err := conns[i].Exec(ctx, "DECLARE c CURSOR FOR "+query); err != nil {
			t.Fatalf("session %d's DECLARE: %v", i+1, err)
		}
		if got := fetchIDs(ctx, t, conns[i], "FETCH 1 FROM c"); len(got) != 1 || got[0] != 1 {
			t.Fatalf("session %d's first FETCH: %v, want [1]", i+1, got)
		}
	}

	var n int64
	if err := admin.QueryRow(ctx, "SELECT count(*) FROM (SELECT grp FROM nums GROUP BY grp) g").Scan(&n); err != nil {
		t.Fatalf("a query beside %d open cursors: %v", sessions, err)
	}
	if n != 7 {
		t.Fatalf("a query beside open cursors counted %d groups, want 7", n)
	}

	for i, conn := range conns {
		got := fetchIDs(ctx, t, conn, "FETCH ALL FROM c")
		if len(got) != rows-1 || got[0] != 2 || got[len(got)-1] != rows {
			t.Fatalf("session %d's cursor read %d more rows, want ids 2 to %d", i+1, len(got), rows)
		}
		if _, err := conn.Exec(ctx, "COMMIT"); err != nil {
			t.Fatal(err)
		}
	}
}

// fetchIDs runs a FETCH of the cursor of TestOpenCursorsStallNoQuery and
// returns the ids it read.
func fetchIDs(ctx context.Context, t *testing.T, conn *pgx.Conn, fetch string) []int64 {
	t.Helper()
	rows, err := conn.Query(ctx, fetch)
	if err != nil {
		t.Fatalf("%s: %v", fetch, err)
	}
	var ids []int64
	for rows.Next() {
		var id, n int64
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", fetch, err)
	}
	return ids
}

// TestCursorConnectionsConfig runs with one cursor connection and 32 KiB of
// cursor memory (server.cursor_connections, server.cursor_memory_bytes):
// the first cursor keeps the connection, the next ones read their rows
// into memory, and one whose rows take more than the bound fails with
// 53000 and leaves its block to a ROLLBACK.
func TestCursorConnectionsConfig(t *testing.T) {
	cfg := memoryConfig()
	cfg.Server.CursorConnections = 1
	cfg.Server.CursorMemoryBytes = 32 << 10
	ts := startServer(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin := connect(t, ts.dsn)
	mustExec(t, admin, "CREATE TABLE nums (id INT PRIMARY KEY, grp INT)")
	var values []string
	for i := 1; i <= 5000; i++ {
		values = append(values, fmt.Sprintf("(%d, %d)", i, i%7))
	}
	mustExec(t, admin, "INSERT INTO nums VALUES "+strings.Join(values, ", "))

	const query = "SELECT id, count(*) AS n FROM nums GROUP BY id ORDER BY id"
	holder := connect(t, ts.dsn)
	mustExec(t, holder, "BEGIN")
	mustExec(t, holder, "DECLARE c CURSOR FOR "+query)

	// 5,000 rows of an int and a bigint take some 60,000 bytes: more than
	// the bound.
	big := connect(t, ts.dsn)
	mustExec(t, big, "BEGIN")
	wantExec(t, big, "DECLARE c CURSOR FOR "+query, "53000 the cursor's rows take more than 32768 bytes, the memory a cursor without a cursor connection may hold")
	mustExec(t, big, "ROLLBACK")

	small := connect(t, ts.dsn)
	mustExec(t, small, "BEGIN")
	mustExec(t, small, "DECLARE c CURSOR FOR SELECT id, count(*) AS n FROM nums WHERE id <= 10 GROUP BY id ORDER BY id")
	if got := fetchIDs(ctx, t, small, "FETCH ALL FROM c"); len(got) != 10 || got[9] != 10 {
		t.Fatalf("the read-ahead cursor read %v, want ids 1 to 10", got)
	}
	if got := fetchIDs(ctx, t, holder, "FETCH ALL FROM c"); len(got) != 5000 {
		t.Fatalf("the cursor on the cursor connection read %d rows, want 5000", len(got))
	}
	mustExec(t, holder, "COMMIT")
	mustExec(t, small, "COMMIT")

	// The cursor connection is free again: the large cursor keeps it.
	mustExec(t, big, "BEGIN")
	mustExec(t, big, "DECLARE c CURSOR FOR "+query)
	if got := fetchIDs(ctx, t, big, "FETCH ALL FROM c"); len(got) != 5000 {
		t.Fatalf("the large cursor read %d rows, want 5000", len(got))
	}
	mustExec(t, big, "COMMIT")
}
