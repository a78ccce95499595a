package weir_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestQueryMemoryLimit checks that an ad-hoc query needing more memory than
// server.query_memory_limit fails with 53200 and the server goes on.
func TestQueryMemoryLimit(t *testing.T) {
	cfg := memoryConfig()
	cfg.Server.QueryMemoryLimit = "32MB"
	ts := startServer(t, cfg)
	c := connect(t, ts.dsn)
	mustExec(t, c, "CREATE TABLE n (i INT PRIMARY KEY)")
	var vals []string
	for i := 1; i <= 1000; i++ {
		vals = append(vals, fmt.Sprintf("(%d)", i))
	}
	mustExec(t, c, "INSERT INTO n VALUES "+strings.Join(vals, ","))
	mustExec(t, c, "FLUSH")
	_, err := c.Exec(context.Background(), "SELECT length(string_agg(repeat('x', 200) || a.i || b.i, ',')) FROM n a, n b")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "53200" {
		t.Fatalf("got %v, want SQLSTATE 53200", err)
	}
	var n int64
	if err := c.QueryRow(context.Background(), "SELECT count(*) FROM n a, n b").Scan(&n); err != nil || n != 1000000 {
		t.Fatalf("after the refused query: %d, %v", n, err)
	}
}
