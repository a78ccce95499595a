package ops_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/statestore"
)

// rangeRecorder is a StateWriter that records the ranges of DeleteRange
// and passes every write on to its writer.
type rangeRecorder struct {
	exec.CommittableWriter
	ranges [][2][]byte
}

func (r *rangeRecorder) DeleteRange(lo, hi []byte) error {
	r.ranges = append(r.ranges, [2][]byte{bytes.Clone(lo), bytes.Clone(hi)})
	return r.CommittableWriter.DeleteRange(lo, hi)
}

// TestJoinExpiryRangeDeletesDoNotOverlap checks that the range deletes of a
// join's successive frees of one vnode do not overlap: each starts at the
// lowest entry it deletes, past the end of the one before, not at the
// vnode's first key (Pebble fragments overlapping range deletes into spans
// holding each deletion over them, quadratic in a memtable's frees). The
// rows below each bound still leave state.
func TestJoinExpiryRangeDeletesDoNotOverlap(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	store := exectest.NewStore()
	const schema = "id bigint, k bigint, t bigint"
	left, err := exectest.ParseSchema(schema)
	if err != nil {
		t.Fatal(err)
	}
	const (
		lTable  = statestore.FirstUserTable
		rTable  = statestore.FirstUserTable + 1
		lExpiry = statestore.FirstUserTable + 2
	)
	spec := ops.HashJoinSpec{Left: left, Right: left, LeftKeys: []int{1}, RightKeys: []int{1},
		LeftStreamKey: []int{0}, RightStreamKey: []int{0},
		LeftTable: lTable, RightTable: rTable,
		Output: append(left[:3:3], left...), LeftPos: []int{0, 1, 2}, RightPos: []int{3, 4, 5}}
	j := ops.NewJoinExpiry(ops.NewHashJoin(spec, mem), [2]*ops.JoinExpirySide{
		{Column: 2, Offset: 0, OtherColumn: 2, Index: lExpiry}, nil,
	}, nil)
	if err := j.Open(ctx, exec.OpenContext{State: store}); err != nil {
		t.Fatal(err)
	}
	out := &windowOutput{}
	var ranges [][2][]byte
	barrier := func() {
		t.Helper()
		w := &rangeRecorder{CommittableWriter: store.NewWriter()}
		if err := j.OnBarrier(ctx, exec.Barrier{}, w, out); err != nil {
			t.Fatal(err)
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
		ranges = append(ranges, w.ranges...)
	}
	count := func(table statestore.TableID) int {
		lo, hi := statestore.TableSpan(table)
		n := 0
		if err := store.Scan(lo, hi, func(_, _ []byte) (bool, error) { n++; return true, nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	c := exectest.MustChunk(t, mem, schema, "+ | 1 | 1 | 100\n+ | 2 | 1 | 200\n+ | 3 | 1 | 300\n+ | 4 | 1 | 400")
	defer c.Release()
	if err := j.ProcessChunk(ctx, 0, c, out); err != nil {
		t.Fatal(err)
	}
	barrier()
	for i, bound := range []int64{150, 250, 350} {
		if err := j.OnWatermark(ctx, 1, exec.Watermark{Column: 2, Value: bound}, out); err != nil {
			t.Fatal(err)
		}
		barrier()
		if got, want := count(lTable), 3-i; got != want {
			t.Fatalf("watermark %d: %d left rows, want %d", bound, got, want)
		}
		if got, want := count(lExpiry), 3-i; got != want {
			t.Fatalf("watermark %d: %d left index entries, want %d", bound, got, want)
		}
	}
	if len(ranges) != 3 {
		t.Fatalf("%d range deletes, want 3 (one per free of the one vnode)", len(ranges))
	}
	for i := 1; i < len(ranges); i++ {
		if bytes.Compare(ranges[i][0], ranges[i-1][1]) < 0 {
			t.Errorf("range delete %d starts at %x, below the end %x of the one before", i, ranges[i][0], ranges[i-1][1])
		}
	}
}
