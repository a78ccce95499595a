package ops_test

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/statestore"
)

// TestJoinExpiryKinds runs every kind of join that frees rows by watermark
// (inner, left, right, full, semi, anti) over random histories of two
// sides: inserts at or above each side's watermark, some with a NULL time,
// deletes of rows still above it, watermarks rising, barriers. Each join
// runs twice, freeing rows (ops.JoinExpiry) and keeping them all (the hash
// join alone), and the two outputs, netted into a multiset of rows at each
// barrier, are the same: the padded rows of outer sides, the semi join's
// rows and the anti join's retractions are what the join that keeps every
// row emits. Once both watermarks pass every time, the freeing join's
// state is empty, rows with a NULL time included (they pair with nothing,
// so none is kept), while the other keeps its rows.
//
// Two shapes: an interval join (l.k = r.k AND r.t BETWEEN l.t - 10 AND
// l.t), whose sides free by the residual's bounds, and a window join of a
// semi or anti join without a residual (l.t = r.t), whose right side is a
// count per key, freed once both sides' watermarks passed it.
func TestJoinExpiryKinds(t *testing.T) {
	type kind struct {
		name                   string
		outerLeft, outerRight  bool
		semi, anti, windowJoin bool
	}
	kinds := []kind{
		{name: "inner"}, {name: "left", outerLeft: true}, {name: "right", outerRight: true},
		{name: "full", outerLeft: true, outerRight: true},
		{name: "semi", semi: true}, {name: "anti", anti: true},
		{name: "semi window", semi: true, windowJoin: true}, {name: "anti window", anti: true, windowJoin: true},
	}
	for _, k := range kinds {
		for seed := range uint64(4) {
			t.Run(fmt.Sprintf("%s/%d", k.name, seed), func(t *testing.T) {
				testJoinExpiryKind(t, seed, k.outerLeft, k.outerRight, k.semi, k.anti, k.windowJoin)
			})
		}
	}
}

func testJoinExpiryKind(t *testing.T, seed uint64, outerLeft, outerRight, semi, anti, windowJoin bool) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	const schema = "id bigint, k bigint, t bigint"
	side, err := exectest.ParseSchema(schema)
	if err != nil {
		t.Fatal(err)
	}
	for i := range side {
		side[i].Nullable = true
	}
	pairs := append(side[:3:3], side...)
	const (
		lTable  = statestore.FirstUserTable
		rTable  = statestore.FirstUserTable + 1
		lExpiry = statestore.FirstUserTable + 2
		rExpiry = statestore.FirstUserTable + 3
	)
	spec := ops.HashJoinSpec{Left: side, Right: side,
		LeftStreamKey: []int{0}, RightStreamKey: []int{0},
		OuterLeft: outerLeft, OuterRight: outerRight, Semi: semi, Anti: anti,
		LeftTable: lTable, RightTable: rTable,
		Output: pairs, LeftPos: []int{0, 1, 2}, RightPos: []int{3, 4, 5}}
	if semi || anti {
		spec.Output, spec.Pairs = side, pairs
	}
	expiry := [2]*ops.JoinExpirySide{
		{Column: 2, Offset: 0, OtherColumn: 2, Index: lExpiry},
		{Column: 2, Offset: 10, OtherColumn: 2, Index: rExpiry},
	}
	if windowJoin {
		spec.LeftKeys, spec.RightKeys = []int{2}, []int{2}
		expiry[1] = &ops.JoinExpirySide{Column: 2, Offset: 0, OtherColumn: 2, Index: rExpiry, Counted: true}
	} else {
		spec.LeftKeys, spec.RightKeys = []int{1}, []int{1}
		lt, rt := expr.Column(2, "t", side[2].Type), expr.Column(5, "t", side[2].Type)
		ten, err := expr.Constant(int64(10), side[2].Type)
		if err != nil {
			t.Fatal(err)
		}
		lo, err := expr.Binary(sql.OpSub, lt, ten)
		if err != nil {
			t.Fatal(err)
		}
		if spec.Residual, err = expr.Between(rt, lo, lt, false); err != nil {
			t.Fatal(err)
		}
	}
	keep := ops.NewHashJoin(spec, mem)
	free := ops.NewJoinExpiry(ops.NewHashJoin(spec, mem), expiry, nil)
	keepStore, freeStore := exectest.NewStore(), exectest.NewStore()
	if err := keep.Open(ctx, exec.OpenContext{State: keepStore}); err != nil {
		t.Fatal(err)
	}
	if err := free.Open(ctx, exec.OpenContext{State: freeStore}); err != nil {
		t.Fatal(err)
	}
	keepOut, freeOut := netOutput{}, netOutput{}

	rng := rand.New(rand.NewPCG(seed, 15))
	// Per side: the watermark on t, the next id, the rows in.
	var wm [2]int64
	var next [2]int
	live := [2]map[int]string{{}, {}}
	barrier := func(step int) {
		t.Helper()
		for _, j := range []struct {
			op    interface{ exec.BarrierHandler }
			store *exectest.Store
			out   netOutput
		}{{keep, keepStore, keepOut}, {free, freeStore, freeOut}} {
			w := j.store.NewWriter()
			if err := j.op.OnBarrier(ctx, exec.Barrier{}, w, j.out); err != nil {
				t.Fatal(err)
			}
			if err := w.Commit(); err != nil {
				t.Fatal(err)
			}
		}
		if got, want := freeOut.String(), keepOut.String(); got != want {
			t.Fatalf("step %d: the freeing join's output\n%s\nthe join keeping every row's\n%s", step, got, want)
		}
	}
	const steps = 250
	for step := range steps {
		s := rng.IntN(2)
		var lines []string
		for range 1 + rng.IntN(4) {
			if len(live[s]) > 0 && rng.IntN(5) == 0 {
				// A delete of a row still at or above the watermark.
				ids := slices.Sorted(maps.Keys(live[s]))
				id := ids[rng.IntN(len(ids))]
				row := live[s][id]
				if f := strings.Split(row, " | "); f[2] != "NULL" && parseInt(t, f[2]) < wm[s] {
					continue
				}
				lines = append(lines, "- | "+row)
				delete(live[s], id)
				continue
			}
			next[s]++
			tv := fmt.Sprint(wm[s] + rng.Int64N(16))
			if rng.IntN(12) == 0 {
				tv = "NULL"
			}
			if windowJoin && tv != "NULL" {
				tv = fmt.Sprint((parseInt(t, tv) / 5) * 5) // windows of 5
				if parseInt(t, tv) < wm[s] {
					tv = fmt.Sprint(wm[s])
				}
			}
			row := fmt.Sprintf("%d | %d | %s", next[s], rng.IntN(3), tv)
			live[s][next[s]] = row
			lines = append(lines, "+ | "+row)
		}
		if len(lines) > 0 {
			for _, j := range []struct {
				op  exec.Operator
				out netOutput
			}{{keep, keepOut}, {free, freeOut}} {
				c := exectest.MustChunk(t, mem, schema, strings.Join(lines, "\n"))
				err := j.op.ProcessChunk(ctx, s, c, j.out)
				c.Release()
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		if rng.IntN(3) == 0 {
			ws := rng.IntN(2)
			wm[ws] += rng.Int64N(6)
			if err := free.OnWatermark(ctx, ws, exec.Watermark{Column: 2, Value: wm[ws]}, freeOut); err != nil {
				t.Fatal(err)
			}
		}
		if rng.IntN(4) == 0 {
			barrier(step)
		}
	}
	barrier(steps)
	if keepOut.rows() == 0 {
		t.Fatal("the join emitted nothing")
	}
	// Watermarks past every time: every row of the freeing join goes.
	for s := range 2 {
		if err := free.OnWatermark(ctx, s, exec.Watermark{Column: 2, Value: wm[s] + 100}, freeOut); err != nil {
			t.Fatal(err)
		}
	}
	barrier(steps + 1)
	if n := freeStore.Len(); n != 0 {
		t.Errorf("the freeing join keeps %d keys after watermarks past every row", n)
	}
	if keepStore.Len() == 0 {
		t.Error("the join keeping every row keeps none: the test frees nothing")
	}
}

func parseInt(t *testing.T, s string) int64 {
	t.Helper()
	var v int64
	if _, err := fmt.Sscan(s, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// netOutput nets the rows pushed to it: a row's count rises with each
// insert and falls with each delete.
type netOutput map[string]int

func (o netOutput) Push(_ context.Context, c exec.Chunk) error {
	defer c.Release()
	for i := range c.NumRows() {
		row := exectest.FormatRow(c.Batch, i)
		if c.OpAt(i).IsInsert() {
			o[row]++
		} else {
			o[row]--
		}
		if o[row] == 0 {
			delete(o, row)
		}
	}
	return nil
}

func (o netOutput) rows() int { return len(o) }

// String lists the rows with their counts, in order.
func (o netOutput) String() string {
	var b strings.Builder
	for _, r := range slices.Sorted(maps.Keys(o)) {
		fmt.Fprintf(&b, "%s ×%d\n", r, o[r])
	}
	return b.String()
}

// TestJoinExpiryRowBelowBound: a row that comes after the watermark that
// frees it (its side lagging behind the other) pairs with the rows kept,
// and is deleted at the barrier without an index entry: the other side's
// watermark may never rise again (its input ended), and no later free
// would take it.
func TestJoinExpiryRowBelowBound(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	const schema = "id bigint, k bigint, t bigint"
	side, err := exectest.ParseSchema(schema)
	if err != nil {
		t.Fatal(err)
	}
	lt, rt := expr.Column(2, "t", side[2].Type), expr.Column(5, "t", side[2].Type)
	ten, err := expr.Constant(int64(10), side[2].Type)
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
	spec := ops.HashJoinSpec{Left: side, Right: side, LeftKeys: []int{1}, RightKeys: []int{1},
		LeftStreamKey: []int{0}, RightStreamKey: []int{0}, Residual: between,
		LeftTable: lTable, RightTable: rTable,
		Output: append(side[:3:3], side...), LeftPos: []int{0, 1, 2}, RightPos: []int{3, 4, 5}}
	j := ops.NewJoinExpiry(ops.NewHashJoin(spec, mem), [2]*ops.JoinExpirySide{
		{Column: 2, Offset: 0, OtherColumn: 2, Index: lExpiry},
		{Column: 2, Offset: 10, OtherColumn: 2, Index: rExpiry},
	}, nil)
	store := exectest.NewStore()
	if err := j.Open(ctx, exec.OpenContext{State: store}); err != nil {
		t.Fatal(err)
	}
	out := netOutput{}
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
	push := func(input int, rows string) {
		t.Helper()
		c := exectest.MustChunk(t, mem, schema, rows)
		defer c.Release()
		if err := j.ProcessChunk(ctx, input, c, out); err != nil {
			t.Fatal(err)
		}
	}
	// The right side has read up to 150; the left side is behind.
	push(1, "+ | 1 | 1 | 115")
	for input, v := range []int64{0, 150} {
		if err := j.OnWatermark(ctx, input, exec.Watermark{Column: 2, Value: v}, out); err != nil {
			t.Fatal(err)
		}
	}
	barrier()
	// Left row 1 (t 120) pairs with right row 1, kept (its expiry, 125,
	// is above the left watermark); its own expiry, 120, is below the
	// right watermark, 150, which frees it at once.
	push(0, "+ | 1 | 1 | 120")
	barrier()
	if got, want := out.String(), "1 | 1 | 120 | 1 | 1 | 115 ×1\n"; got != want {
		t.Fatalf("pairs: %q, want %q", got, want)
	}
	if got := [4]int{count(lTable), count(rTable), count(lExpiry), count(rExpiry)}; got != [4]int{0, 1, 0, 1} {
		t.Fatalf("keys of left, right, left expiry, right expiry: %v, want [0 1 0 1]", got)
	}
}

// TestJoinExpiryDropsNulls: a LEFT interval join whose right side frees
// its rows by the left side's watermark, and whose left side cannot (the
// right side has none), keeps no left row whose time is NULL (DropNulls):
// it pairs with nothing, its padded row is out at once, and its delete
// retracts that padded row. Its other rows stay.
func TestJoinExpiryDropsNulls(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	const schema = "id bigint, k bigint, t bigint"
	side, err := exectest.ParseSchema(schema)
	if err != nil {
		t.Fatal(err)
	}
	for i := range side {
		side[i].Nullable = true
	}
	lt, rt := expr.Column(2, "t", side[2].Type), expr.Column(5, "t", side[2].Type)
	ten, err := expr.Constant(int64(10), side[2].Type)
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
		rExpiry = statestore.FirstUserTable + 3
	)
	spec := ops.HashJoinSpec{Left: side, Right: side, LeftKeys: []int{1}, RightKeys: []int{1},
		LeftStreamKey: []int{0}, RightStreamKey: []int{0}, Residual: between, OuterLeft: true,
		LeftTable: lTable, RightTable: rTable,
		Output: append(side[:3:3], side...), LeftPos: []int{0, 1, 2}, RightPos: []int{3, 4, 5}}
	j := ops.NewJoinExpiry(ops.NewHashJoin(spec, mem), [2]*ops.JoinExpirySide{
		nil, {Column: 2, Offset: 10, OtherColumn: 2, Index: rExpiry},
	}, nil)
	j.DropNulls(0, 2)
	store := exectest.NewStore()
	if err := j.Open(ctx, exec.OpenContext{State: store}); err != nil {
		t.Fatal(err)
	}
	out := netOutput{}
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
	push := func(input int, rows string) {
		t.Helper()
		c := exectest.MustChunk(t, mem, schema, rows)
		defer c.Release()
		if err := j.ProcessChunk(ctx, input, c, out); err != nil {
			t.Fatal(err)
		}
	}
	push(1, "+ | 1 | 1 | 95")
	push(0, "+ | 1 | 1 | 100\n+ | 2 | 1 | NULL\n+ | 3 | 2 | NULL")
	barrier()
	if got, want := out.String(), "1 | 1 | 100 | 1 | 1 | 95 ×1\n2 | 1 | NULL | NULL | NULL | NULL ×1\n3 | 2 | NULL | NULL | NULL | NULL ×1\n"; got != want {
		t.Fatalf("output:\n%s\nwant\n%s", got, want)
	}
	if got := [2]int{count(lTable), count(rTable)}; got != [2]int{1, 1} {
		t.Fatalf("keys of left, right: %v, want [1 1]: the NULL times kept", got)
	}
	push(0, "- | 2 | 1 | NULL")
	push(1, "+ | 2 | 2 | 100")
	barrier()
	if got, want := out.String(), "1 | 1 | 100 | 1 | 1 | 95 ×1\n3 | 2 | NULL | NULL | NULL | NULL ×1\n"; got != want {
		t.Fatalf("output after a delete:\n%s\nwant\n%s", got, want)
	}
	if got := [2]int{count(lTable), count(rTable)}; got != [2]int{1, 2} {
		t.Fatalf("keys of left, right: %v, want [1 2]", got)
	}
}
