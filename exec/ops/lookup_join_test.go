package ops_test

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/types"
)

// TestLookupJoin: a LEFT temporal join of bids (id, item) with items (item,
// name) where name <> 'hidden': the epoch's bids meet the items as the
// epoch left them, whichever input came first; later changes of items emit
// nothing; only items' rows are in state, each deleted with its row.
func TestLookupJoin(t *testing.T) {
	mem := memory.NewGoAllocator()
	left, _ := exectest.ParseSchema("id bigint, item bigint")
	right, _ := exectest.ParseSchema("item bigint, name text")
	output, _ := exectest.ParseSchema("id bigint, item bigint, item bigint, name text")
	name := expr.Column(3, "name", types.TextType)
	hidden, err := expr.Constant("hidden", types.TextType)
	if err != nil {
		t.Fatal(err)
	}
	residual, err := expr.Binary(sql.OpNe, name, hidden)
	if err != nil {
		t.Fatal(err)
	}
	j := ops.NewLookupJoin(ops.HashJoinSpec{
		Left: left, Right: right, LeftKeys: []int{1}, RightKeys: []int{0},
		LeftStreamKey: []int{0}, RightStreamKey: []int{0}, OuterLeft: true,
		Residual: residual, RightTable: 9, Output: output,
		LeftPos: []int{0, 1}, RightPos: []int{2, 3},
	}, mem)
	store := exectest.NewStore()
	if err := j.Open(context.Background(), exec.OpenContext{State: store}); err != nil {
		t.Fatal(err)
	}
	push := func(input int, schema types.Schema, rows string) {
		t.Helper()
		c, err := exectest.ParseChunk(mem, schema, rows)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Release()
		out := &exectest.Collector{}
		if err := j.ProcessChunk(context.Background(), input, c, out); err != nil {
			t.Fatal(err)
		}
		if got := out.Take(); got != "" {
			t.Fatalf("a chunk emitted %s; rows wait for the barrier", got)
		}
	}
	epoch := exec.Epoch(0)
	barrier := func(want string, wantKeys int) {
		t.Helper()
		epoch++
		w := store.NewWriter()
		defer w.Close()
		out := &exectest.Collector{}
		if err := j.OnBarrier(context.Background(), exec.Barrier{Epoch: epoch}, w, out); err != nil {
			t.Fatal(err)
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
		if got := out.Take(); strings.TrimSpace(got) != strings.TrimSpace(want) {
			t.Fatalf("epoch %d: got\n%s\nwant\n%s", epoch, got, want)
		}
		if store.Len() != wantKeys {
			t.Fatalf("epoch %d: %d state keys, want %d", epoch, store.Len(), wantKeys)
		}
	}
	// The bids come before the items in the epoch, and still meet them.
	push(0, left, `
+ | 1 | 10
+ | 2 | 20
+ | 3 | NULL`)
	push(1, right, `
+ | 10 | lamp
+ | 20 | hidden
+ | 30 | chair`)
	barrier(`
+ | 1 | 10 | 10 | lamp
+ | 2 | 20 | NULL | NULL
+ | 3 | NULL | NULL | NULL`, 3)
	// Items change: nothing is emitted; later bids meet the new rows.
	push(1, right, `
U- | 10 | lamp
U+ | 10 | big lamp
- | 30 | chair`)
	barrier("", 2)
	push(0, left, `
+ | 4 | 10
+ | 5 | 30`)
	barrier(`
+ | 4 | 10 | 10 | big lamp
+ | 5 | 30 | NULL | NULL`, 2)
}
