package weir

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/statestore"
)

// legacyEntry rewrites the catalog entry of name as weir wrote it before
// plans and layouts were recorded: no Plan, no Layout, and the state tables
// that version allocated, tables(o.StateTables) of them.
func legacyEntry(t *testing.T, e *Engine, name string, tables func(w exec.StateWriter, ids []statestore.TableID) ([]statestore.TableID, error)) {
	t.Helper()
	o, ok := e.cat.Get(name)
	if !ok {
		t.Fatalf("no object %s", name)
	}
	old := *o
	old.Plan, old.Layout = nil, catalog.LayoutUnnumbered
	if err := e.writeNow(func(w exec.StateWriter) error {
		ids, err := tables(w, append([]statestore.TableID(nil), o.StateTables...))
		if err != nil {
			return err
		}
		old.StateTables = ids
		return e.cat.Add(w, &old)
	}); err != nil {
		t.Fatal(err)
	}
}

func queryRows(t *testing.T, e *Engine, q string) string {
	t.Helper()
	res, err := e.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	rows, err := res.Values()
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(rows)
}

// TestLegacyStreamViewBeforeTTL: a view over a stream made before
// TTLs owns two tables per aggregate and its source position last. At its
// first restart with recorded plans it binds them so: the aggregate's
// groups and the file's position carry on (a wrong binding reads the file
// again from the start and counts every record twice).
func TestLegacyStreamViewBeforeTTL(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "ev.csv")
	if err := os.WriteFile(path, []byte("k,v\n1,10\n1,20\n2,5\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Server.DataDir = filepath.Join(dir, "data")
	cfg.Server.FileRoots = []string{dir}
	cfg.State.CheckpointIntervalMS = 50
	e, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Exec(ctx, `CREATE STREAM ev (k INT, v BIGINT) WITH (connector = 'file', path = '`+path+`', format = 'csv');
		CREATE MATERIALIZED VIEW m AS SELECT k, sum(v) AS s, count(*) AS n FROM ev GROUP BY k`); err != nil {
		t.Fatal(err)
	}
	waitRows(t, e, "SELECT k, s, n FROM m ORDER BY k", "[[1 30 2] [2 5 1]]")
	o, _ := e.cat.Get("m")
	if len(o.StateTables) != 5 {
		t.Fatalf("view over a stream with one aggregate has %d tables, want 5", len(o.StateTables))
	}
	// Before TTLs: rows, result, minmax, source (no expiry table).
	legacyEntry(t, e, "m", func(_ exec.StateWriter, ids []statestore.TableID) ([]statestore.TableID, error) {
		return []statestore.TableID{ids[0], ids[1], ids[2], ids[4]}, nil
	})
	if err := e.Exec(ctx, "FLUSH"); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("2,7\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()

	e, err = Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close(ctx)
	waitRows(t, e, "SELECT k, s, n FROM m ORDER BY k", "[[1 30 2] [2 12 2]]")
	o, _ = e.cat.Get("m")
	if o.Layout != catalog.LayoutTwoTableAggregates || len(o.Plan) == 0 {
		t.Errorf("legacy view recorded with layout %d, plan %d bytes", o.Layout, len(o.Plan))
	}
}

// waitRows waits up to 15 s for q to give want.
func waitRows(t *testing.T, e *Engine, q, want string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		_ = e.Exec(context.Background(), "FLUSH")
		res, err := e.Query(context.Background(), q)
		got := ""
		if err == nil {
			rows, verr := res.Values()
			got, err = fmt.Sprint(rows), verr
		}
		if err == nil && got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s (err %v), want %s", q, got, err, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
