package weir_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// TestInsertManyValues inserts more rows in one INSERT … VALUES than are
// evaluated in one group, with NULLs, and checks every value arrived.
func TestInsertManyValues(t *testing.T) {
	ts := startServer(t, memoryConfig())
	ctx := context.Background()
	conn := connect(t, ts.dsn)
	mustExec(t, conn, "CREATE TABLE many (a INT, b TEXT)")
	const n = 2500
	var sb strings.Builder
	sb.WriteString("INSERT INTO many VALUES ")
	for i := 0; i < n; i++ {
		if i > 0 {
			sb.WriteString(", ")
		}
		if i%7 == 0 {
			fmt.Fprintf(&sb, "(%d, NULL)", i)
		} else {
			fmt.Fprintf(&sb, "(%d, 'v%d')", i, i)
		}
	}
	mustExec(t, conn, sb.String())
	var count, sum, nulls, distinct int
	err := conn.QueryRow(ctx, "SELECT count(*), sum(a), count(*) - count(b), count(DISTINCT b) FROM many").Scan(&count, &sum, &nulls, &distinct)
	if err != nil {
		t.Fatal(err)
	}
	wantNulls := (n + 6) / 7
	if count != n || sum != n*(n-1)/2 || nulls != wantNulls || distinct != n-wantNulls {
		t.Fatalf("count %d sum %d nulls %d distinct %d; want %d %d %d %d", count, sum, nulls, distinct, n, n*(n-1)/2, wantNulls, n-wantNulls)
	}
	var b string
	if err := conn.QueryRow(ctx, "SELECT b FROM many WHERE a = 2498").Scan(&b); err != nil || b != "v2498" {
		t.Fatalf("row 2498: %q, %v", b, err)
	}
}
