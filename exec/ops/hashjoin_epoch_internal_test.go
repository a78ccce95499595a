package ops

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/statestore"
)

// TestHashJoinMemoryPerEpoch runs an append-only join for many epochs, a
// hot key on the right looked up by every left row: within an epoch the
// committed rows of a key are read once and cached, the epoch's own
// changes are seen through the cache, and at each barrier the pending
// changes and the cache are dropped, so the operator's memory is bounded by
// an epoch's input (everything else is in the state store).
func TestHashJoinMemoryPerEpoch(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	store := exectest.NewStore()
	left, _ := exectest.ParseSchema("id bigint, k int")
	right, _ := exectest.ParseSchema("id bigint, k int")
	j := NewHashJoin(HashJoinSpec{Left: left, Right: right, LeftKeys: []int{1}, RightKeys: []int{1},
		LeftStreamKey: []int{0}, RightStreamKey: []int{0},
		LeftTable: statestore.FirstUserTable, RightTable: statestore.FirstUserTable + 1,
		Output: append(left[:2:2], right...), LeftPos: []int{0, 1}, RightPos: []int{2, 3}}, mem)
	if err := j.Open(ctx, exec.OpenContext{State: store}); err != nil {
		t.Fatal(err)
	}
	push := func(input int, rows string) int {
		t.Helper()
		c, err := exectest.ParseChunk(mem, left, rows)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Release()
		col := &exectest.Collector{}
		if err := j.ProcessChunk(ctx, input, c, col); err != nil {
			t.Fatal(err)
		}
		return strings.Count(col.Take(), "\n")
	}
	id := 0
	for epoch := 1; epoch <= 50; epoch++ {
		// A right row of the hot key 7 each epoch, then left rows of it.
		id++
		push(1, fmt.Sprintf("+ | %d | 7\n", id))
		var b strings.Builder
		for range 20 {
			id++
			fmt.Fprintf(&b, "+ | %d | 7\n", id)
		}
		got := push(0, b.String())
		// Every left row pairs with each right row so far, the epoch's
		// own (not yet written) included.
		if want := 20 * epoch; got != want {
			t.Fatalf("epoch %d: %d pairs, want %d", epoch, got, want)
		}
		if r := j.sides[1]; len(r.cache) != 1 || r.cached != epoch-1 {
			t.Fatalf("epoch %d: the right side caches %d keys, %d rows; want key 7's %d committed rows", epoch, len(r.cache), r.cached, epoch-1)
		}
		w := store.NewWriter()
		if err := j.OnBarrier(ctx, exec.Barrier{Epoch: exec.Epoch(epoch)}, w, &exectest.Collector{}); err != nil {
			t.Fatal(err)
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
		w.Close()
		for i, s := range j.sides {
			if len(s.dirty) != 0 || s.cache != nil || s.cached != 0 {
				t.Fatalf("epoch %d: side %d keeps %d pending keys and %d cached rows after the barrier", epoch, i, len(s.dirty), s.cached)
			}
		}
	}
	// The state holds each row once.
	n := 0
	if err := store.Scan(nil, nil, func(k, v []byte) (bool, error) { n++; return true, nil }); err != nil {
		t.Fatal(err)
	}
	if n != id {
		t.Fatalf("the state holds %d rows, want the %d rows pushed", n, id)
	}
}
