package weir

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/tablelog"
	"github.com/weir-stream/weir/statestore/dmllog"
)

// TestReplayFailureFailsTheTable: a logged write that cannot be applied
// again at a restart (here a duplicate key, written into the log by hand)
// fails its table, visibly, instead of keeping the server from starting.
func TestReplayFailureFailsTheTable(t *testing.T) {
	ctx := context.Background()
	cfg := DefaultConfig()
	cfg.Server.DataDir = t.TempDir()
	cfg.State.CheckpointIntervalMS = 50
	open := func() (*Engine, *Session) {
		t.Helper()
		e, err := Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		s, err := e.NewSession(ctx, "weir", "weir")
		if err != nil {
			t.Fatal(err)
		}
		return e, s
	}
	e, s := open()
	for _, q := range []string{"CREATE TABLE t (k INT PRIMARY KEY, v TEXT)", "CREATE TABLE other (k INT)", "INSERT INTO t VALUES (1, 'a')", "INSERT INTO other VALUES (7)"} {
		if err := s.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	o, _ := e.cat.Get("t")
	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}

	// A record inserting key 1 again, after everything the state holds.
	b := array.NewRecordBuilder(memory.NewGoAllocator(), o.FullSchema().Arrow())
	b.Field(0).(*array.Int32Builder).Append(1)
	b.Field(1).(*array.StringBuilder).Append("again")
	batch := b.NewRecordBatch()
	b.Release()
	rec := tablelog.EncodeRecord([]tablelog.Changes{encodeChanges(o, []exec.Chunk{{Batch: batch}})})
	batch.Release()
	l, err := dmllog.Open(filepath.Join(cfg.Server.DataDir, tablelog.Dir))
	if err != nil {
		t.Fatal(err)
	}
	if err := l.SetNext(1 << 20); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(rec); err != nil {
		t.Fatal(err)
	}
	l.Close()

	// The table stays failed across restarts, however many checkpoints the
	// other tables' writes make meanwhile: the record it lacks is kept.
	for restart := 0; restart < 2; restart++ {
		e, s = open()
		err = s.Exec(ctx, "SELECT * FROM t")
		if err == nil || !strings.Contains(err.Error(), `table "t" has failed`) {
			t.Fatalf("start %d: SELECT from the table whose replay failed: %v", restart, err)
		}
		if err := s.Exec(ctx, "INSERT INTO t VALUES (2, 'b')"); err == nil || !strings.Contains(err.Error(), `table "t" has failed`) {
			t.Fatalf("start %d: INSERT into the table whose replay failed: %v", restart, err)
		}
		// The other table is fine.
		for i := 0; i < 3; i++ {
			if err := s.Exec(ctx, "INSERT INTO other VALUES (8); FLUSH"); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
}
