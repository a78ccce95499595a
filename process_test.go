package weir_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir"
	"github.com/weir-stream/weir/exec"
)

// TestProcess: a Process counts a stream's records per key in its State,
// resumes with its state and its position after Close (records written
// meanwhile are seen once), refuses a second run, another query under its
// name and a table as input, and goes with Drop; SQL cannot make a 'go'
// sink.
func TestProcess(t *testing.T) {
	ctx := context.Background()
	cfg := weir.DefaultConfig()
	cfg.Server.DataDir = t.TempDir()
	cfg.Server.FileRoots = []string{os.TempDir()}
	cfg.State.CheckpointIntervalMS = 20
	ts := startServer(t, cfg)
	e := ts.eng
	csvPath := filepath.Join(t.TempDir(), "t.csv")
	appendRows := func(text string) {
		f, err := os.OpenFile(csvPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(text)
		f.Close()
	}
	appendRows("id,k\n1,1\n2,1\n3,2\n")
	if err := e.Exec(ctx, fmt.Sprintf(`CREATE STREAM t (id BIGINT, k BIGINT) WITH (connector = 'file', path = '%s', format = 'csv');
		CREATE TABLE tab (id BIGINT PRIMARY KEY)`, csvPath)); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var st *weir.State
	count := func(_ context.Context, c exec.Chunk, s *weir.State) error {
		mu.Lock()
		st = s
		mu.Unlock()
		n := weir.Typed[int](s)
		keys := c.Batch.Column(0).(*array.Int64)
		for i := range c.NumRows() {
			key := fmt.Sprint(keys.Value(i))
			v, _, err := n.Get(key)
			if err != nil {
				return err
			}
			if err := n.Put(key, v+int(c.OpAt(i).Sign())); err != nil {
				return err
			}
		}
		return nil
	}
	const query = `SELECT k FROM t`
	p, err := e.Process(ctx, "per_key", query, count)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Process(ctx, "per_key", query, count); err == nil || !strings.Contains(err.Error(), "running already") {
		t.Errorf("a second Process under the name: %v", err)
	}
	appendRows("4,2\n5,3\n")
	if err := e.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	counts := func() string {
		mu.Lock()
		defer mu.Unlock()
		var out []string
		for _, k := range []string{"1", "2", "3"} {
			v, _, err := weir.Typed[int](st).Get(k)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%s:%d", k, v))
		}
		return strings.Join(out, " ")
	}
	if got := counts(); got != "1:2 2:2 3:1" {
		t.Errorf("counts %s", got)
	}
	if _, err := e.Process(ctx, "per_key", `SELECT k FROM t WHERE k > 1`, count); err == nil || !strings.Contains(err.Error(), "another query") {
		t.Errorf("another query under the name: %v", err)
	}
	// Records written while it was closed are seen when it resumes.
	appendRows("6,3\n")
	p, err = e.Process(ctx, "per_key", query, count)
	if err != nil {
		t.Fatal(err)
	}
	appendRows("7,1\n")
	if err := e.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got := counts(); got != "1:3 2:2 3:2" {
		t.Errorf("counts after resuming %s", got)
	}
	conn := connect(t, ts.dsn)
	if got := queryText(t, conn, `SHOW SINKS`); fmt.Sprint(got) != "[per_key]" {
		t.Errorf("SHOW SINKS = %v", got)
	}
	if _, err := e.Process(ctx, "from_table", `SELECT id FROM tab`, count); err == nil || !strings.Contains(err.Error(), "a process reads a stream") {
		t.Errorf("Process over a table: %v", err)
	}
	if _, err := conn.Exec(ctx, `CREATE SINK s FROM t WITH (connector = 'go')`); err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Errorf("CREATE SINK with connector go: %v", err)
	}
	if err := p.Drop(ctx); err != nil {
		t.Fatal(err)
	}
	if got := queryText(t, conn, `SHOW SINKS`); len(got) != 0 {
		t.Errorf("SHOW SINKS after Drop = %v", got)
	}
}
