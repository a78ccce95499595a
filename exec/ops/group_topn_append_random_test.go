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
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/statestore"
)

// TestAppendOnlyGroupTopNRandom feeds random append-only rows (few
// partitions, so that rows replace rows of the same epoch, and names of
// random lengths, so that a replaced row's bytes are sometimes too few for
// the next) through an append-only GroupTopN ranked by row_number, over
// barriers and restarts, with the default cache and one too small for any
// partition; it folds the emitted changes and compares them at each barrier
// with each partition's first Hi rows recomputed from scratch.
func TestAppendOnlyGroupTopNRandom(t *testing.T) {
	for _, hi := range []int64{1, 2, 3} {
		for _, cache := range []int{0, 1} {
			t.Run(fmt.Sprintf("hi=%d/cache=%d", hi, cache), func(t *testing.T) {
				for seed := uint64(1); seed <= 3; seed++ {
					appendTopNRandomRun(t, seed, hi, cache)
				}
			})
		}
	}
}

func appendTopNRandomRun(t *testing.T, seed uint64, hi int64, cache int) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(seed, 18))
	schema, err := exectest.ParseSchema("id bigint, grp int, score int, name text")
	if err != nil {
		t.Fatal(err)
	}
	spec := ops.GroupTopNSpec{
		Schema: schema, PartitionBy: []int{1}, StreamKey: []int{0}, Lo: 1, Hi: hi,
		Keys:       []ops.TopNKey{{Column: 2, Desc: true, NullsFirst: true}, {Column: 3}},
		Rank:       ops.RowNumber,
		AppendOnly: true, Table: statestore.FirstUserTable,
	}
	store := exectest.NewStore()
	open := func() *ops.GroupTopN {
		top := ops.NewGroupTopN(spec, mem)
		if cache > 0 {
			top.SetCacheBytes(cache)
		}
		if err := top.Open(ctx, exec.OpenContext{State: store}); err != nil {
			t.Fatal(err)
		}
		return top
	}
	top := open()
	defer func() { top.Close() }()

	type row struct {
		id, grp, score int
		name           string
	}
	var rows []row
	view := map[string]bool{} // the emitted rows folded, with their ranks
	id := 0
	for epoch := 1; epoch <= 25; epoch++ {
		for range 1 + rng.IntN(3) {
			var text strings.Builder
			for range 1 + rng.IntN(30) {
				id++
				r := row{id: id, grp: rng.IntN(4), score: rng.IntN(6), name: strings.Repeat(string(rune('a'+rng.IntN(3))), 1+rng.IntN(40))}
				rows = append(rows, r)
				fmt.Fprintf(&text, "+ | %d | %d | %d | %s\n", r.id, r.grp, r.score, r.name)
			}
			c, err := exectest.ParseChunk(mem, schema, text.String())
			if err != nil {
				t.Fatal(err)
			}
			var out exectest.Collector
			err = top.ProcessChunk(ctx, 0, c, &out)
			c.Release()
			if err != nil {
				t.Fatal(err)
			}
			if out.Len() != 0 {
				t.Fatalf("seed %d: rows emitted before the barrier:\n%s", seed, out.String())
			}
			out.Release()
		}
		w := store.NewWriter()
		var out exectest.Collector
		if err := top.OnBarrier(ctx, exec.Barrier{Epoch: exec.Epoch(epoch)}, w, &out); err != nil {
			t.Fatal(err)
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
		for _, c := range out.Chunks() {
			for i := 0; i < c.NumRows(); i++ {
				line := exectest.FormatRow(c.Batch, i)
				switch op := c.OpAt(i); op {
				case exec.Insert, exec.UpdateInsert:
					if view[line] {
						t.Fatalf("seed %d epoch %d: %s of %q, already in the view", seed, epoch, op, line)
					}
					view[line] = true
				default:
					if !view[line] {
						t.Fatalf("seed %d epoch %d: %s of %q, not in the view", seed, epoch, op, line)
					}
					delete(view, line)
				}
			}
		}
		out.Release()

		// Each partition's first hi rows: score descending, then name,
		// then id (the stream key).
		sorted := slices.Clone(rows)
		slices.SortFunc(sorted, func(x, y row) int {
			switch {
			case x.grp != y.grp:
				return x.grp - y.grp
			case x.score != y.score:
				return y.score - x.score
			case x.name != y.name:
				return strings.Compare(x.name, y.name)
			}
			return x.id - y.id
		})
		want := map[string]bool{}
		rank := 0
		for i, r := range sorted {
			if rank++; i > 0 && sorted[i-1].grp != r.grp {
				rank = 1
			}
			if rank <= int(hi) {
				want[fmt.Sprintf("%d | %d | %d | %s | %d", r.id, r.grp, r.score, r.name, rank)] = true
			}
		}
		if !maps.Equal(view, want) {
			t.Fatalf("seed %d epoch %d: view\n%s\nwant\n%s", seed, epoch, setLines(view), setLines(want))
		}
		if rng.IntN(5) == 0 {
			top.Close()
			top = open()
		}
	}
}

// setLines returns the lines of set, sorted, one a line.
func setLines(set map[string]bool) string {
	var lines []string
	for k := range set {
		lines = append(lines, k)
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}
