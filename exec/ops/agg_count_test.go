package ops

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestAggCount checks count(x): NULLs skipped, retractions subtracted, the
// committed version kept apart from the current one.
func TestAggCount(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := array.NewInt64Builder(mem)
	defer b.Release()
	b.AppendValues([]int64{1, 0, 3, 4}, []bool{true, false, true, true})
	arr := b.NewInt64Array()
	defer arr.Release()
	var a aggCount
	a.grow(2)
	if err := a.update(arr, []int32{0, 0, 1, 0}, nil); err != nil {
		t.Fatal(err)
	}
	if a.cur[0] != 2 || a.cur[1] != 1 || !a.changed(0) {
		t.Fatalf("after inserts: %v", a.cur)
	}
	a.commit(0)
	a.commit(1)
	if err := a.update(arr, []int32{0, 1, 1, 0}, []int64{-1, -1, -1, 1}); err != nil {
		t.Fatal(err)
	}
	if a.cur[0] != 2 || a.cur[1] != 0 || a.changed(0) || !a.changed(1) || a.prev[1] != 1 {
		t.Fatalf("after retractions: cur %v prev %v", a.cur, a.prev)
	}
	st := a.appendState(nil, 1)
	a.clear(1)
	if rest, err := a.loadState(st, 1); err != nil || len(rest) != 0 || a.cur[1] != 0 || a.prev[1] != 0 {
		t.Fatalf("state round trip: %v %v %v", rest, err, a.cur)
	}
}
