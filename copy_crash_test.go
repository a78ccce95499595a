//go:build duckdb_arrow

package weir_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestCrashCopy kills weir (SIGKILL) while a COPY FROM STDIN is half sent,
// after one that was answered: after the restart the answered COPY's rows
// are all there, as is its view's count, and none of the interrupted one's.
func TestCrashCopy(t *testing.T) {
	bin, root, dataDir, config := crashSetup(t, 60000, 2, false)
	ctx := context.Background()
	p := startWeirProcess(t, bin, dataDir, config)
	conn, err := pgx.Connect(ctx, p.dsn)
	if err != nil {
		t.Fatal(err)
	}
	for _, ddl := range []string{
		"CREATE TABLE loaded (id INT, v TEXT)",
		"CREATE MATERIALIZED VIEW loaded_n AS SELECT count(*) AS n FROM loaded",
	} {
		if _, err := conn.Exec(ctx, ddl); err != nil {
			t.Fatalf("%s: %v", ddl, err)
		}
	}
	const answered = 20000
	var data strings.Builder
	for i := range answered {
		fmt.Fprintf(&data, "%d\tv%d\n", i, i)
	}
	tag, err := conn.PgConn().CopyFrom(ctx, strings.NewReader(data.String()), "COPY loaded FROM STDIN")
	if err != nil || tag.RowsAffected() != answered {
		t.Fatalf("COPY: %v %v", tag, err)
	}

	// A second COPY sends half its rows and then waits: the server dies
	// with it open.
	pr, pw := io.Pipe()
	copied := make(chan error, 1)
	go func() {
		_, err := conn.PgConn().CopyFrom(ctx, pr, "COPY loaded FROM STDIN")
		copied <- err
	}()
	for i := range 5000 {
		if _, err := fmt.Fprintf(pw, "%d\tlost\n", answered+i); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(200 * time.Millisecond)
	p.kill()
	pw.Close()
	if err := <-copied; err == nil {
		t.Fatal("the interrupted COPY was answered")
	}
	conn.Close(ctx)

	if p = startWeirProcessEnv(t, nil, bin, dataDir, config); p == nil {
		logData, _ := os.ReadFile(filepath.Join(root, "weir.log"))
		t.Fatalf("weir exited before it served; its log ends:\n%s", tail(string(logData), 3000))
	}
	conn, err = pgx.Connect(ctx, p.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var rows, lost, n int64
	if err := conn.QueryRow(ctx, "SELECT count(*), count(*) FILTER (WHERE v = 'lost') FROM loaded").Scan(&rows, &lost); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, "SELECT n FROM loaded_n").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if rows != answered || lost != 0 || n != answered {
		t.Fatalf("after SIGKILL: %d rows (%d of the interrupted COPY), view counts %d; want %d, 0, %d", rows, lost, n, answered, answered)
	}
}
