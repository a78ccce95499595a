package ops_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/statestore"
)

// TestHashAggDistinctManyValues: a group with many distinct values stays
// exact across barriers and a restart, whether its multiset stays in memory
// (the default budget) or is dropped at each barrier (a budget smaller than
// it) and its values are read back from state one by one, over an INT
// column (values kept encoded) and a BIGINT one (kept as int64).
func TestHashAggDistinctManyValues(t *testing.T) {
	for _, budget := range []int{0, 1 << 10} {
		for _, bigint := range []bool{false, true} {
			t.Run(fmt.Sprintf("budget=%d/bigint=%v", budget, bigint), func(t *testing.T) {
				if budget > 0 {
					defer ops.SetDistinctCacheBytes(budget)()
				}
				testHashAggDistinctManyValues(t, bigint)
			})
		}
	}
}

// testHashAggDistinctManyValues groups by k over v, or, with bigint, by t
// (always "a") over k.
func testHashAggDistinctManyValues(t *testing.T, bigint bool) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	input, err := exectest.ParseSchema(hashAggRandomInput)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := hashAggSpec(ops.HashAggSpec{ResultTable: statestore.FirstUserTable, MinMaxTable: statestore.FirstUserTable + 1},
		input, "k", "count(distinct v), sum(distinct v), count(v)")
	group := "1"
	if bigint {
		spec, err = hashAggSpec(ops.HashAggSpec{ResultTable: statestore.FirstUserTable, MinMaxTable: statestore.FirstUserTable + 1},
			input, "t", "count(distinct k), sum(distinct k), count(k)")
		group = "a"
	}
	if err != nil {
		t.Fatal(err)
	}
	store := exectest.NewStore()
	open := func() *ops.HashAgg {
		agg := ops.NewHashAgg(spec, mem)
		if err := agg.Open(ctx, exec.OpenContext{State: store}); err != nil {
			t.Fatal(err)
		}
		return agg
	}
	agg := open()
	counts := map[int32]int{} // the multiset of v
	epoch := exec.Epoch(0)
	apply := func(vals []int32, op exec.Op) {
		rows := make([]hashAggRandomRow, len(vals))
		ops := make([]exec.Op, len(vals))
		for i, v := range vals {
			v := v
			rows[i], ops[i] = hashAggRandomRow{k: 1, v: &v}, op
			if bigint {
				rows[i] = hashAggRandomRow{k: int64(v), t: "a"}
			}
			counts[v] += int(op.Sign())
		}
		c := hashAggRandomChunk(mem, input, rows, ops)
		defer c.Release()
		if err := agg.ProcessChunk(ctx, 0, c, nil); err != nil {
			t.Fatal(err)
		}
	}
	check := func(what string) {
		epoch++
		w := store.NewWriter()
		var out exectest.Collector
		defer out.Release()
		if err := agg.OnBarrier(ctx, exec.Barrier{Epoch: epoch}, w, &out); err != nil {
			t.Fatal(err)
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
		var n, sum, all int
		for v, c := range counts {
			if c > 0 {
				n++
				sum += int(v)
				all += c
			}
		}
		chunks := out.Chunks()
		last := chunks[len(chunks)-1]
		got := exectest.FormatRow(last.Batch, last.NumRows()-1)
		if want := fmt.Sprintf("%s | %d | %d | %d", group, n, sum, all); got != want {
			t.Fatalf("%s: got %q, want %q", what, got, want)
		}
	}
	var vals []int32
	for v := range int32(3000) {
		vals = append(vals, v, v%7)
	}
	apply(vals, exec.Insert)
	check("3000 values")
	apply([]int32{5, 6, 2999, 1500}, exec.Delete) // 1500 and 2999: their only copies
	apply([]int32{4000, 2999}, exec.Insert)
	check("after deletes")
	agg = open()
	apply([]int32{5, 6, 4000, 0, 0, 0}, exec.Delete) // 0 has hundreds of copies: it stays
	apply([]int32{6}, exec.Insert)
	check("after a restart")
}

// countingReader counts the point reads of state through it.
type countingReader struct {
	exec.StateReader
	gets int
}

func (r *countingReader) Get(key []byte) ([]byte, bool, error) {
	r.gets++
	return r.StateReader.Get(key)
}

// TestHashAggDistinctCacheAcrossBarriers: a group's DISTINCT multiset is
// kept across a barrier as the state holds it, so the next epoch's rows of
// values already seen read nothing from state, while a budget smaller than
// the multiset makes each of them a point read; values the dropped
// multiset never held are not read (but for the record's rare false
// positives: gets to maxGets).
func TestHashAggDistinctCacheAcrossBarriers(t *testing.T) {
	for _, tc := range []struct {
		budget, gets, maxGets int
	}{{0, 0, 0}, {1 << 10, 2000, 2050}} {
		t.Run(fmt.Sprintf("budget=%d", tc.budget), func(t *testing.T) {
			if tc.budget > 0 {
				defer ops.SetDistinctCacheBytes(tc.budget)()
			}
			ctx := context.Background()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			input, err := exectest.ParseSchema(hashAggRandomInput)
			if err != nil {
				t.Fatal(err)
			}
			spec, err := hashAggSpec(ops.HashAggSpec{ResultTable: statestore.FirstUserTable, MinMaxTable: statestore.FirstUserTable + 1},
				input, "k", "count(distinct v)")
			if err != nil {
				t.Fatal(err)
			}
			store := exectest.NewStore()
			reader := &countingReader{StateReader: store}
			agg := ops.NewHashAgg(spec, mem)
			if err := agg.Open(ctx, exec.OpenContext{State: reader}); err != nil {
				t.Fatal(err)
			}
			epoch := exec.Epoch(0)
			run := func(first int32) string {
				rows := make([]hashAggRandomRow, 3000)
				for i := range rows {
					v := first + int32(i)
					rows[i] = hashAggRandomRow{k: 1, v: &v}
				}
				c := hashAggRandomChunk(mem, input, rows, nil)
				defer c.Release()
				if err := agg.ProcessChunk(ctx, 0, c, nil); err != nil {
					t.Fatal(err)
				}
				epoch++
				w := store.NewWriter()
				var out exectest.Collector
				defer out.Release()
				if err := agg.OnBarrier(ctx, exec.Barrier{Epoch: epoch}, w, &out); err != nil {
					t.Fatal(err)
				}
				if err := w.Commit(); err != nil {
					t.Fatal(err)
				}
				chunks := out.Chunks()
				last := chunks[len(chunks)-1]
				return exectest.FormatRow(last.Batch, last.NumRows()-1)
			}
			if got := run(0); got != "1 | 3000" {
				t.Fatalf("first epoch: got %q", got)
			}
			reader.gets = 0
			if got := run(1000); got != "1 | 4000" {
				t.Fatalf("second epoch: got %q", got)
			}
			// 1000 new values, 2000 seen: all in memory, or each seen
			// one read.
			if reader.gets < tc.gets || reader.gets > tc.maxGets {
				t.Fatalf("second epoch read state %d times, want %d to %d", reader.gets, tc.gets, tc.maxGets)
			}
		})
	}
}

// TestHashAggDistinctScanAfterRestart: after a restart a group's values
// are in state only; past the first 64 read one by one, the group's values
// are scanned once, and from then on a value the state does not hold is
// not read.
func TestHashAggDistinctScanAfterRestart(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	input, err := exectest.ParseSchema(hashAggRandomInput)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := hashAggSpec(ops.HashAggSpec{ResultTable: statestore.FirstUserTable, MinMaxTable: statestore.FirstUserTable + 1},
		input, "t", "count(distinct k)")
	if err != nil {
		t.Fatal(err)
	}
	store := exectest.NewStore()
	reader := &countingReader{StateReader: store}
	epoch := exec.Epoch(0)
	run := func(agg *ops.HashAgg, vals []int64) string {
		rows := make([]hashAggRandomRow, len(vals))
		for i, v := range vals {
			rows[i] = hashAggRandomRow{k: v, t: "a"}
		}
		c := hashAggRandomChunk(mem, input, rows, nil)
		defer c.Release()
		if err := agg.ProcessChunk(ctx, 0, c, nil); err != nil {
			t.Fatal(err)
		}
		epoch++
		w := store.NewWriter()
		var out exectest.Collector
		defer out.Release()
		if err := agg.OnBarrier(ctx, exec.Barrier{Epoch: epoch}, w, &out); err != nil {
			t.Fatal(err)
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
		chunks := out.Chunks()
		last := chunks[len(chunks)-1]
		return exectest.FormatRow(last.Batch, last.NumRows()-1)
	}
	open := func() *ops.HashAgg {
		agg := ops.NewHashAgg(spec, mem)
		if err := agg.Open(ctx, exec.OpenContext{State: reader}); err != nil {
			t.Fatal(err)
		}
		return agg
	}
	var vals []int64
	for v := range int64(3000) {
		vals = append(vals, v)
	}
	agg := open()
	if got := run(agg, vals); got != "a | 3000" {
		t.Fatalf("first epoch: got %q", got)
	}
	agg = open() // a restart
	reader.gets = 0
	// 1000 values new to the group, then 2000 it has.
	vals = vals[:0]
	for v := range int64(1000) {
		vals = append(vals, 3000+v)
	}
	for v := range int64(2000) {
		vals = append(vals, v)
	}
	if got := run(agg, vals); got != "a | 4000" {
		t.Fatalf("after a restart: got %q", got)
	}
	// The group's row, 64 new values one by one, then the 2000 values the
	// scan found (a few false positives at most).
	if reader.gets < 2065 || reader.gets > 2100 {
		t.Fatalf("after a restart, state read %d times, want 2065 to 2100", reader.gets)
	}
}
