package ops_test

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/statestore"
)

// TestJoinExpiry runs an interval join of l(id, k, t) and r(id, k, t) on
// l.k = r.k AND r.t BETWEEN l.t - 10 AND l.t: a left row pairs with no
// right row to come once the right side's watermark on t is above its t,
// a right row once the left side's is above its t + 10. It counts each
// table's keys before and after watermarks: the rows that expired, and
// their index entries, leave state at the barrier; a row deleted and
// inserted again with a later t stays; the pairs are the join's; the
// watermark on the key is the lower of both sides'.
func TestJoinExpiry(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	store := exectest.NewStore()
	const schema = "id bigint, k bigint, t bigint"
	left, err := exectest.ParseSchema(schema)
	if err != nil {
		t.Fatal(err)
	}
	lt, rt := expr.Column(2, "t", left[2].Type), expr.Column(5, "t", left[2].Type)
	ten, err := expr.Constant(int64(10), left[2].Type)
	if err != nil {
		t.Fatal(err)
	}
	lo, err := expr.Binary(sql.OpSub, lt, ten)
	if err != nil {
		t.Fatal(err)
	}
	between, err := expr.Between(rt, lo, lt, false)
	if err != nil {
		t.Fatal(err)
	}
	const (
		lTable  = statestore.FirstUserTable
		rTable  = statestore.FirstUserTable + 1
		lExpiry = statestore.FirstUserTable + 2
		rExpiry = statestore.FirstUserTable + 3
	)
	spec := ops.HashJoinSpec{Left: left, Right: left, LeftKeys: []int{1}, RightKeys: []int{1},
		LeftStreamKey: []int{0}, RightStreamKey: []int{0}, Residual: between,
		LeftTable: lTable, RightTable: rTable,
		Output: append(left[:3:3], left...), LeftPos: []int{0, 1, 2}, RightPos: []int{3, 4, 5}}
	j := ops.NewJoinExpiry(ops.NewHashJoin(spec, mem), [2]*ops.JoinExpirySide{
		{Column: 2, Offset: 0, OtherColumn: 2, Index: lExpiry},
		{Column: 2, Offset: 10, OtherColumn: 2, Index: rExpiry},
	}, []ops.JoinWatermarkKey{{Left: 1, Right: 1, Out: []int{1, 4}}})
	if err := j.Open(ctx, exec.OpenContext{State: store}); err != nil {
		t.Fatal(err)
	}
	out := &windowOutput{}
	push := func(input int, rows string) {
		t.Helper()
		c := exectest.MustChunk(t, mem, schema, rows)
		defer c.Release()
		if err := j.ProcessChunk(ctx, input, c, out); err != nil {
			t.Fatal(err)
		}
	}
	watermark := func(input, col int, v int64) {
		t.Helper()
		if err := j.OnWatermark(ctx, input, exec.Watermark{Column: col, Value: v}, out); err != nil {
			t.Fatal(err)
		}
	}
	barrier := func() {
		t.Helper()
		w := store.NewWriter()
		if err := j.OnBarrier(ctx, exec.Barrier{}, w, out); err != nil {
			t.Fatal(err)
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	count := func(table statestore.TableID) int {
		lo, hi := statestore.TableSpan(table)
		n := 0
		if err := store.Scan(lo, hi, func(_, _ []byte) (bool, error) { n++; return true, nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	counts := func(want [4]int, when string) {
		t.Helper()
		got := [4]int{count(lTable), count(rTable), count(lExpiry), count(rExpiry)}
		if got != want {
			t.Fatalf("%s: keys of left, right, left expiry, right expiry: %v, want %v", when, got, want)
		}
	}

	push(0, "+ | 1 | 1 | 100\n+ | 2 | 1 | 200\n+ | 3 | 2 | 120")
	push(1, "+ | 1 | 1 | 95")
	if got, want := out.take(), "+ 1 1 100"; got != want {
		t.Fatalf("pairs: %s, want %s", got, want)
	}
	barrier()
	counts([4]int{3, 1, 3, 1}, "before any watermark")

	// The right side's t is 150 or more from now on: left rows 1 (t 100)
	// and 3 (t 120) can pair with nothing to come. The left side's 50
	// frees no right row (95 + 10).
	watermark(1, 2, 150)
	watermark(0, 2, 50)
	watermark(0, 1, 5)
	watermark(1, 1, 7)
	barrier()
	if got, want := out.take(), "watermark $1 ≥ 5; watermark $4 ≥ 5"; got != want {
		t.Fatalf("watermarks: %s, want %s", got, want)
	}
	counts([4]int{1, 1, 1, 1}, "right watermark 150")

	// A row deleted and inserted again under its key, with a later t,
	// in the epoch its old t expires: the new one stays.
	push(0, "+ | 4 | 3 | 140")
	barrier()
	push(0, "- | 4 | 3 | 140\n+ | 4 | 3 | 400")
	watermark(1, 2, 160)
	barrier()
	counts([4]int{2, 1, 2, 1}, "row 4 again at t 400")
	push(1, "+ | 2 | 1 | 195\n+ | 3 | 3 | 395")
	if got, want := out.take(), "+ 2 1 200; + 4 3 400"; got != want {
		t.Fatalf("pairs after freeing: %s, want %s", got, want)
	}
	barrier()
	counts([4]int{2, 3, 2, 3}, "two right rows more")

	watermark(0, 2, 500)
	watermark(1, 2, 500)
	barrier()
	if n := store.Len(); n != 0 {
		t.Fatalf("%d keys left in state after watermarks of 500", n)
	}
}
