package ops_test

import (
	"context"
	"fmt"
	"log/slog"
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

// TestNestedLoopJoin drives full, left, right, inner, semi and anti
// nested-loop joins of l(id, x, k) and r(id, y, k) on x < y (k: the
// constant key 0) with random inserts, updates and deletes on both sides,
// reading the other side in blocks of 6 rows, and a restart now and then,
// as a NestedLoopJoin or as the HashJoin whose state it shares (a join of
// one key); after each barrier the changes it emitted, applied to the rows
// it emitted before, must be the join computed from scratch over the rows
// of both sides, padding of the outer sides included.
func TestNestedLoopJoin(t *testing.T) {
	for _, kind := range []string{"full", "left", "right", "inner", "semi", "anti"} {
		t.Run(kind, func(t *testing.T) { runNestedLoop(t, kind) })
	}
}

func runNestedLoop(t *testing.T, kind string) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	store := exectest.NewStore()
	left, _ := exectest.ParseSchema("id bigint, x int, k bigint")
	right, _ := exectest.ParseSchema("id bigint, y int, k bigint")
	pairs := append(left[:3:3], right...)
	lt, err := expr.Binary(sql.OpLt, expr.Column(1, "x", left[1].Type), expr.Column(4, "y", right[1].Type))
	if err != nil {
		t.Fatal(err)
	}
	spec := ops.HashJoinSpec{Left: left, Right: right, LeftKeys: []int{2}, RightKeys: []int{2},
		LeftStreamKey: []int{0}, RightStreamKey: []int{0},
		LeftTable: statestore.FirstUserTable, RightTable: statestore.FirstUserTable + 1,
		Residual: lt, Output: pairs, LeftPos: []int{0, 1, 2}, RightPos: []int{3, 4, 5},
		OuterLeft: kind == "full" || kind == "left", OuterRight: kind == "full" || kind == "right"}
	if kind == "semi" || kind == "anti" {
		spec.Semi, spec.Anti, spec.Pairs, spec.Output = kind == "semi", kind == "anti", pairs, left
	}
	rng := rand.New(rand.NewPCG(7, uint64(len(kind))))
	var j interface {
		exec.Operator
		exec.BarrierHandler
		exec.Opener
	}
	open := func(hash bool) {
		if hash {
			j = ops.NewHashJoin(spec, mem)
		} else {
			j = ops.NewNestedLoopJoin(spec, 6, mem)
		}
		if err := j.Open(ctx, exec.OpenContext{State: store}); err != nil {
			t.Fatal(err)
		}
	}
	open(false)
	rows := [2]map[int]string{{}, {}} // each side's rows: id → x or y ("NULL")
	view := map[string]int{}          // the rows emitted so far, counted
	nextID := [2]int{1, 1000}
	value := func() string {
		if rng.IntN(8) == 0 {
			return "NULL"
		}
		return fmt.Sprint(rng.IntN(10))
	}
	sliced := false
	var epoch exec.Epoch
	for round := range 60 {
		for range 1 + rng.IntN(3) {
			side := rng.IntN(2)
			var b strings.Builder
			touched := map[int]bool{}
			for range 1 + rng.IntN(12) {
				ids := slices.Sorted(maps.Keys(rows[side]))
				switch op := rng.IntN(3); {
				case op == 0 || len(ids) == 0:
					id := nextID[side]
					nextID[side]++
					rows[side][id] = value()
					fmt.Fprintf(&b, "+ | %d | %s | 0\n", id, rows[side][id])
				default:
					id := ids[rng.IntN(len(ids))]
					if touched[id] {
						continue
					}
					touched[id] = true
					if op == 1 {
						fmt.Fprintf(&b, "- | %d | %s | 0\n", id, rows[side][id])
						delete(rows[side], id)
						continue
					}
					v := value()
					fmt.Fprintf(&b, "U- | %d | %s | 0\nU+ | %d | %s | 0\n", id, rows[side][id], id, v)
					rows[side][id] = v
				}
			}
			schema := left
			if side == 1 {
				schema = right
			}
			c, err := exectest.ParseChunk(mem, schema, b.String())
			if err != nil {
				t.Fatal(err)
			}
			col := &exectest.Collector{}
			if err := j.ProcessChunk(ctx, side, c, col); err != nil {
				t.Fatal(err)
			}
			c.Release()
			if col.Len() > 1 {
				sliced = true
			}
			for _, oc := range col.Chunks() {
				for i := range oc.NumRows() {
					view[exectest.FormatRow(oc.Batch, i)] += int(oc.OpAt(i).Sign())
				}
			}
			col.Release()
		}
		epoch++
		w := store.NewWriter()
		if err := j.OnBarrier(ctx, exec.Barrier{Epoch: epoch}, w, &exectest.Collector{}); err != nil {
			t.Fatal(err)
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
		w.Close()
		want := nestedLoopModel(kind, rows)
		for k, n := range view {
			if n == 0 {
				delete(view, k)
			}
		}
		if !maps.Equal(view, want) {
			t.Fatalf("round %d: the join holds\n%v\nwant\n%v", round, view, want)
		}
		if rng.IntN(5) == 0 {
			open(rng.IntN(3) == 0) // a restart, maybe as the hash join
		}
	}
	if !sliced {
		t.Fatal("no chunk met the other side in several blocks")
	}
}

// nestedLoopModel returns the rows of the join of kind over rows (left's,
// right's) on x < y, as the join prints them.
func nestedLoopModel(kind string, rows [2]map[int]string) map[string]int {
	less := func(x, y string) bool {
		if x == "NULL" || y == "NULL" {
			return false
		}
		var a, b int
		fmt.Sscan(x, &a)
		fmt.Sscan(y, &b)
		return a < b
	}
	out := map[string]int{}
	matched := map[int]bool{} // right rows with a match
	for lid, x := range rows[0] {
		n := 0
		for rid, y := range rows[1] {
			if less(x, y) {
				n++
				matched[rid] = true
				if kind != "semi" && kind != "anti" {
					out[fmt.Sprintf("%d | %s | 0 | %d | %s | 0", lid, x, rid, y)]++
				}
			}
		}
		switch {
		case kind == "semi" && n > 0, kind == "anti" && n == 0:
			out[fmt.Sprintf("%d | %s | 0", lid, x)]++
		case n == 0 && (kind == "full" || kind == "left"):
			out[fmt.Sprintf("%d | %s | 0 | NULL | NULL | NULL", lid, x)]++
		}
	}
	if kind == "full" || kind == "right" {
		for rid, y := range rows[1] {
			if !matched[rid] {
				out[fmt.Sprintf("NULL | NULL | NULL | %d | %s | 0", rid, y)]++
			}
		}
	}
	return out
}

// TestNestedLoopJoinHotSide: a nested-loop join reports a side with
// HotKeyRows rows as its one hot key, since every change to the other side
// meets all of them.
func TestNestedLoopJoinHotSide(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	left, _ := exectest.ParseSchema("id bigint, x int, k bigint")
	var logs strings.Builder
	j := ops.NewNestedLoopJoin(ops.HashJoinSpec{Left: left, Right: left, LeftKeys: []int{2}, RightKeys: []int{2},
		LeftStreamKey: []int{0}, RightStreamKey: []int{0},
		LeftTable: statestore.FirstUserTable, RightTable: statestore.FirstUserTable + 1,
		Output: append(left[:3:3], left...), LeftPos: []int{0, 1, 2}, RightPos: []int{3, 4, 5},
		HotKeyRows: 3, Logger: slog.New(slog.NewTextHandler(&logs, nil))}, 0, mem)
	if err := j.Open(ctx, exec.OpenContext{State: exectest.NewStore()}); err != nil {
		t.Fatal(err)
	}
	push := func(input int, rows string) {
		t.Helper()
		c := exectest.MustChunk(t, mem, "id bigint, x int, k bigint", rows)
		defer c.Release()
		out := &exectest.Collector{}
		if err := j.ProcessChunk(ctx, input, c, out); err != nil {
			t.Fatal(err)
		}
		out.Release()
	}
	push(1, "+ | 100 | 1 | 0\n+ | 101 | 2 | 0")
	push(0, "+ | 1 | 1 | 0")
	if j.HotKeys() != 0 {
		t.Fatalf("a side of two rows reported hot")
	}
	push(1, "+ | 102 | 3 | 0")
	push(0, "+ | 2 | 1 | 0\n+ | 3 | 1 | 0")
	if j.HotKeys() != 1 || !strings.Contains(logs.String(), "side=right rows=3") {
		t.Fatalf("hot keys %d, log %q", j.HotKeys(), logs.String())
	}
}
