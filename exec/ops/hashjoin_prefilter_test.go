package ops_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/statestore"
)

// countingState is a state reader that counts the iterators opened on it.
type countingState struct {
	exec.StateReader
	iters int
}

func (c *countingState) NewIter(lo, hi []byte) (exec.StateIterator, error) {
	c.iters++
	return c.StateReader.NewIter(lo, hi)
}

// joinDriver runs one HashJoin of l(id, k, a) and r(id, k, b) on l.k = r.k
// over a store, with the residual b = 'keep', which names the right side
// only.
type joinDriver struct {
	t     *testing.T
	mem   memory.Allocator
	store *exectest.Store
	state *countingState
	j     *ops.HashJoin
	epoch exec.Epoch
}

func newJoinDriver(t *testing.T, mem memory.Allocator, store *exectest.Store, outer string) *joinDriver {
	t.Helper()
	left, _ := exectest.ParseSchema("id bigint, k int, a text")
	right, _ := exectest.ParseSchema("id bigint, k int, b text")
	keep, err := expr.Constant("keep", right[2].Type)
	if err != nil {
		t.Fatal(err)
	}
	residual, err := expr.Binary(sql.OpEq, expr.Column(5, "b", right[2].Type), keep)
	if err != nil {
		t.Fatal(err)
	}
	spec := ops.HashJoinSpec{Left: left, Right: right, LeftKeys: []int{1}, RightKeys: []int{1},
		LeftStreamKey: []int{0}, RightStreamKey: []int{0},
		LeftTable: statestore.FirstUserTable, RightTable: statestore.FirstUserTable + 1,
		Output: append(left[:3:3], right...), LeftPos: []int{0, 1, 2}, RightPos: []int{3, 4, 5},
		Residual: residual, OuterLeft: outer == "left", OuterRight: outer == "right"}
	d := &joinDriver{t: t, mem: mem, store: store, state: &countingState{StateReader: store}, j: ops.NewHashJoin(spec, mem)}
	if err := d.j.Open(context.Background(), exec.OpenContext{State: d.state}); err != nil {
		t.Fatal(err)
	}
	return d
}

func (d *joinDriver) push(input int, rows string) string {
	d.t.Helper()
	schema, _ := exectest.ParseSchema("id bigint, k int, s text")
	c, err := exectest.ParseChunk(d.mem, schema, rows)
	if err != nil {
		d.t.Fatal(err)
	}
	defer c.Release()
	col := &exectest.Collector{}
	if err := d.j.ProcessChunk(context.Background(), input, c, col); err != nil {
		d.t.Fatal(err)
	}
	return col.Take()
}

func (d *joinDriver) barrier() string {
	d.t.Helper()
	d.epoch++
	w := d.store.NewWriter()
	defer w.Close()
	if err := d.j.OnBarrier(context.Background(), exec.Barrier{Epoch: d.epoch}, w, &exectest.Collector{}); err != nil {
		d.t.Fatal(err)
	}
	stats := w.(*exectest.Writer).Stats
	if err := w.Commit(); err != nil {
		d.t.Fatal(err)
	}
	return stats.String()
}

func expect(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Fatalf("%s:\n%s\nwant:\n%s", what, got, want)
	}
}

// TestHashJoinSidePrefilter: a residual conjunct over one side's columns
// drops that side's inserts that fail it before they are looked up or
// kept, when the side is not outer; its deletes still reach the state,
// and an outer side's rows are kept and padded as before.
func TestHashJoinSidePrefilter(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)

	d := newJoinDriver(t, mem, exectest.NewStore(), "")
	expect(t, "right inserts", d.push(1, "+ | 1 | 7 | keep\n+ | 2 | 7 | skip\n"), "")
	expect(t, "barrier", d.barrier(), "sets=1 deletes=0 delete-ranges=0")
	expect(t, "left insert", d.push(0, "+ | 10 | 7 | x\n"), "+ | 10 | 7 | x | 1 | 7 | keep\n")
	// The dropped row's delete still deletes (a state written before
	// rows were dropped may hold it) and pairs with nothing.
	expect(t, "right deletes", d.push(1, "- | 2 | 7 | skip\n- | 1 | 7 | keep\n"), "- | 10 | 7 | x | 1 | 7 | keep\n")
	expect(t, "barrier", d.barrier(), "sets=1 deletes=2 delete-ranges=0")

	// A left join keeps every left row, padded while unpaired; the right
	// rows the condition rejects are dropped.
	d = newJoinDriver(t, mem, exectest.NewStore(), "left")
	expect(t, "left insert", d.push(0, "+ | 10 | 7 | x\n"), "+ | 10 | 7 | x | NULL | NULL | NULL\n")
	expect(t, "right inserts", d.push(1, "+ | 2 | 7 | skip\n+ | 1 | 7 | keep\n"),
		"- | 10 | 7 | x | NULL | NULL | NULL\n+ | 10 | 7 | x | 1 | 7 | keep\n")
	expect(t, "barrier", d.barrier(), "sets=2 deletes=0 delete-ranges=0")

	// A right join keeps every right row: none is dropped.
	d = newJoinDriver(t, mem, exectest.NewStore(), "right")
	expect(t, "right inserts", d.push(1, "+ | 2 | 7 | skip\n"), "+ | NULL | NULL | NULL | 2 | 7 | skip\n")
	expect(t, "left insert", d.push(0, "+ | 10 | 7 | x\n"), "")
	expect(t, "barrier", d.barrier(), "sets=2 deletes=0 delete-ranges=0")
}

// TestHashJoinPresence: a join that opens on empty state knows the keys it
// has written, so a change whose key the other side never wrote pairs with
// nothing without a read; one that opens on rows (a restart) reads them.
func TestHashJoinPresence(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	store := exectest.NewStore()
	d := newJoinDriver(t, mem, store, "")
	opened := d.state.iters // the emptiness checks
	var rows string
	for i := range 500 {
		rows += fmt.Sprintf("+ | %d | %d | keep\n", i, i)
	}
	d.push(1, rows)
	d.barrier()
	// Keys the right side never wrote: no read.
	for i := range 200 {
		expect(t, "new key", d.push(0, fmt.Sprintf("+ | %d | %d | x\n", 1000+i, 5000+i)), "")
	}
	if n := d.state.iters - opened; n > 10 {
		t.Fatalf("%d iterators for 200 keys never written (false positives only)", n)
	}
	// A key it wrote is read.
	expect(t, "written key", d.push(0, "+ | 2000 | 42 | x\n"), "+ | 2000 | 42 | x | 42 | 42 | keep\n")
	d.barrier()

	// A key without rows asked for twice in an epoch is cached (empty),
	// and the barrier puts the epoch's rows in: it is not read after;
	// one asked for once is read when next asked for.
	d.push(0, "+ | 3000 | 900 | x\n+ | 3001 | 900 | x\n+ | 3002 | 901 | x\n")
	d.push(1, "+ | 900 | 900 | keep\n+ | 901 | 901 | keep\n")
	d.barrier()
	before := d.state.iters
	expect(t, "asked twice", d.push(0, "+ | 3003 | 900 | x\n"), "+ | 3003 | 900 | x | 900 | 900 | keep\n")
	if d.state.iters != before {
		t.Fatalf("a key cached with the epoch's rows was read")
	}
	expect(t, "asked once", d.push(0, "+ | 3004 | 901 | x\n"), "+ | 3004 | 901 | x | 901 | 901 | keep\n")
	if d.state.iters != before+1 {
		t.Fatalf("%d reads for a key asked for once, want 1", d.state.iters-before)
	}

	// After a restart the join does not know the keys: it reads, and
	// finds what the first one wrote.
	d = newJoinDriver(t, mem, store, "")
	expect(t, "after restart", d.push(0, "+ | 2001 | 7 | y\n"), "+ | 2001 | 7 | y | 7 | 7 | keep\n")
	if d.state.iters < 2 {
		t.Fatalf("the restarted join read nothing")
	}
}
