package tablelog

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// tableOp is a table's fragment's operator in the tests: it keeps the rows
// pushed into it, and fails on a row holding 13.
type tableOp struct {
	mu   sync.Mutex
	rows []string
}

func (o *tableOp) ProcessChunk(_ context.Context, _ int, c exec.Chunk, _ exec.Output) error {
	row := strings.TrimSpace(exectest.FormatChunk(c))
	if strings.Contains(row, "13") {
		return errors.New("bad row")
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.rows = append(o.rows, strings.ReplaceAll(row, "\n", "; "))
	return nil
}

func (o *tableOp) got() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return strings.Join(o.rows, " / ")
}

// TestReplayInto: the records a table lacks are pushed into its fragment
// and noted in its Position; a record its state holds is not; a table
// whose record fails is handed to failed, gets nothing more and keeps its
// records pending, and the other table goes on.
func TestReplayInto(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := types.Schema{{Name: "v", Type: types.Int64Type}}
	encode := func(table statestore.TableID, rows string) Changes {
		c := exectest.MustChunk(t, mem, "v bigint", rows)
		defer c.Release()
		return Encode(table, schema.Types(), []exec.Chunk{c})
	}
	l := mustOpen(t, t.TempDir(), Options{})
	for _, parts := range [][]Changes{
		{encode(1, "+ | 1")},
		{encode(1, "+ | 2\n- | 1"), encode(2, "+ | 13")},
		{encode(1, "+ | 3"), encode(2, "+ | 4")},
	} {
		if _, err := l.Append(parts); err != nil {
			t.Fatal(err)
		}
	}

	var tables []Table
	ops := map[string]*tableOp{}
	for _, name := range []string{"a", "b"} {
		op := &tableOp{}
		f := exec.NewFragment(exec.FragmentSpec{Name: name, Ops: []exec.Operator{op}, State: exectest.NewStore(), Mem: mem, Logger: slog.New(slog.DiscardHandler)})
		go func() { _ = f.Run(ctx) }()
		ops[name] = op
		tables = append(tables, Table{Name: name, ID: statestore.TableID(len(tables) + 1), Schema: schema, Pos: &Position{}, Fragment: f})
	}
	tables[0].Pos.SetApplied(1) // a's state holds the first record

	var failed []string
	done, err := l.ReplayInto(ctx, exectest.NewStore(), mem, tables, func(t Table, lsn uint64, err error) {
		failed = append(failed, t.Name)
	})
	if err != nil {
		t.Fatal(err)
	}
	if done.Records != 2 || done.Rows != 3 {
		t.Errorf("replayed %+v, want 2 records of 3 rows", done)
	}
	if got, want := ops["a"].got(), "+ | 2; - | 1 / + | 3"; got != want {
		t.Errorf("a got %q, want %q", got, want)
	}
	if got := ops["b"].got(); got != "" {
		t.Errorf("b got %q after its failed record", got)
	}
	if len(failed) != 1 || failed[0] != "b" {
		t.Errorf("failed = %v, want [b]", failed)
	}
	if a, b := tables[0].Pos.Applied(), tables[1].Pos.Applied(); a != 3 || b != 0 {
		t.Errorf("applied a %d, b %d; want 3, 0", a, b)
	}
	if got := Marked(tables); len(got) != 2 || got[1] != 0 || got[2] != 0 {
		t.Errorf("Marked = %v before any barrier", got)
	}
}
