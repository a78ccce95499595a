package weir_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestFileReplacedBeforeHeader: a CSV stream over an empty file (no header
// yet) follows the path when the file is replaced by one with rows.
func TestFileReplacedBeforeHeader(t *testing.T) {
	dir := t.TempDir()
	cfg := memoryConfig()
	cfg.Server.FileRoots = []string{dir}
	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	live, data := filepath.Join(dir, "live.csv"), filepath.Join(dir, "data.csv")
	if err := os.WriteFile(live, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(data, []byte("a,b\n1,2\n3,4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustExec(t, conn, "CREATE STREAM s (a INT, b INT) WITH (connector = 'file', path = '"+live+"', format = 'csv')")
	mustExec(t, conn, "CREATE MATERIALIZED VIEW v AS SELECT count(*) AS n, sum(a) AS sa FROM s")
	mustExec(t, conn, "FLUSH")
	if err := os.Remove(live); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(data, live); err != nil {
		t.Fatal(err)
	}
	var n, sum int
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if err := conn.QueryRow(context.Background(), "SELECT n, coalesce(sa, 0) FROM v").Scan(&n, &sum); err != nil {
			t.Fatal(err)
		}
		if n == 2 {
			break
		}
	}
	if n != 2 || sum != 4 {
		t.Fatalf("after the file was replaced: n = %d, sum = %d; want 2, 4", n, sum)
	}
}
