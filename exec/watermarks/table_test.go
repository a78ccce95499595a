package watermarks

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/internal/exectest"
)

// tableOutput prints what a Table pushes.
type tableOutput struct{ b strings.Builder }

func (o *tableOutput) Push(_ context.Context, c exec.Chunk) error {
	defer c.Release()
	o.b.WriteString(exectest.FormatChunk(c))
	return nil
}

func (o *tableOutput) PushWatermark(_ context.Context, w exec.Watermark) error {
	fmt.Fprintf(&o.b, "watermark $%d %d\n", w.Column, w.Value)
	return nil
}

// TestTable checks a table's watermark operator: inserted rows below the
// watermark are dropped and kept, updates and deletes pass, the watermark
// follows the chunk that raised it, and a reopened operator goes on from
// its state.
func TestTable(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	store := exectest.NewStore()
	open := func() *Table {
		tab := NewTable(Spec{Stream: "t", Column: 1, Delay: 5, KeepLate: 10, Table: testTable, Mem: mem})
		if err := tab.Open(ctx, exec.OpenContext{State: store}); err != nil {
			t.Fatal(err)
		}
		return tab
	}
	process := func(tab *Table, rows string) string {
		t.Helper()
		c := exectest.MustChunk(t, mem, "k bigint, ts bigint", rows)
		defer c.Release()
		out := &tableOutput{}
		if err := tab.ProcessChunk(ctx, 0, c, out); err != nil {
			t.Fatal(err)
		}
		return out.b.String()
	}
	tab := open()
	got := process(tab, "+ | 1 | 10\n+ | 2 | 20\n+ | 3 | 12\nU- | 1 | 10\nU+ | 1 | 11\n- | 2 | 20")
	if want := "+ | 1 | 10\n+ | 2 | 20\nU- | 1 | 10\nU+ | 1 | 11\n- | 2 | 20\nwatermark $1 15\n"; got != want {
		t.Fatalf("got\n%swant\n%s", got, want)
	}
	w := store.NewWriter()
	if err := tab.OnBarrier(ctx, exec.Barrier{Epoch: 1}, w, nil); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	tab = open()
	if got := process(tab, "+ | 4 | 14\n+ | 5 | 30"); got != "+ | 5 | 30\nwatermark $1 25\n" {
		t.Fatalf("after reopening: got\n%s", got)
	}
	var late []string
	if err := LateRows(store, testTable, func(r LateRow) bool { late = append(late, r.Row); return true }); err != nil {
		t.Fatal(err)
	}
	if strings.Join(late, " ") != "(3, 12)" {
		t.Fatalf("late rows kept: %v", late)
	}
}
