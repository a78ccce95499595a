package ops

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// TestHashJoinMemoryPerEpoch runs an append-only join for many epochs, a
// hot key on the right looked up by every left row: the committed rows of a
// key are read once and cached, the epoch's own changes are seen through
// the cache, and at each barrier the pending changes are written and
// applied to the cache, which then holds exactly what the state does (so
// the next epoch reads nothing from Pebble), within maxCachedBytes; the
// operator's memory is bounded by an epoch's input and that cache
// (everything else is in the state store).
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
		// (In the first epoch the state holds no row of key 7, which the
		// right side's record of its keys tells without a read; asked
		// again, the key is cached empty.)
		if r := j.sides[1]; len(r.cache) != 1 || len(r.cache[string(mustJoinKey(t, 7))]) != epoch-1 {
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
			if len(s.dirty) != 0 || s.cached > maxCachedBytes {
				t.Fatalf("epoch %d: side %d keeps %d pending keys and %d cached rows after the barrier", epoch, i, len(s.dirty), s.cached)
			}
			// Each cached key holds what the committed state holds (read
			// again with the cache set aside).
			cache, cached := s.cache, s.cached
			total := 0
			for jk, rows := range cache {
				total += cacheBytes(jk, rows)
			}
			if total != cached {
				t.Fatalf("epoch %d: side %d counts %d cached bytes, holds %d", epoch, i, cached, total)
			}
			for jk, rows := range cache {
				s.cache, s.cached = nil, 0
				want, err := j.committed(s, []byte(jk))
				if err != nil {
					t.Fatal(err)
				}
				if fmt.Sprint(rows) != fmt.Sprint(want) {
					t.Fatalf("epoch %d: side %d caches %v for a key whose state holds %v", epoch, i, rows, want)
				}
			}
			s.cache, s.cached = cache, cached
		}
		// The right side kept key 7 cached across the barrier, with the
		// epoch's row in it.
		if r := j.sides[1]; len(r.cache[string(mustJoinKey(t, 7))]) != epoch {
			t.Fatalf("epoch %d: after the barrier the right side caches %d rows of key 7, want %d", epoch, len(r.cache[string(mustJoinKey(t, 7))]), epoch)
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

// mustJoinKey returns the encoded join key of an int key k.
func mustJoinKey(t *testing.T, k int32) []byte {
	t.Helper()
	mem := memory.NewGoAllocator()
	schema, _ := exectest.ParseSchema("k int")
	c, err := exectest.ParseChunk(mem, schema, fmt.Sprintf("+ | %d\n", k))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	return statestore.AppendRow(nil, []types.T{schema[0].Type}, c.Batch, []int{0}, 0)
}

// TestJoinCacheEvict: a side's cache past maxCachedBytes loses keys until
// half is left, not everything, and its byte count stays exact.
func TestJoinCacheEvict(t *testing.T) {
	s := &joinSide{cache: map[string][]joinMatch{}}
	row := make([]byte, 1000)
	for i := 0; s.cached <= maxCachedBytes; i++ {
		jk := fmt.Sprintf("k%07d", i)
		rows := []joinMatch{{key: jk + "/1", row: row}}
		s.cache[jk] = rows
		s.cached += cacheBytes(jk, rows)
	}
	n := len(s.cache)
	s.evict()
	total := 0
	for jk, rows := range s.cache {
		total += cacheBytes(jk, rows)
	}
	if total != s.cached || s.cached > maxCachedBytes/2 || len(s.cache) < n/3 {
		t.Fatalf("after evict: %d keys of %d, %d bytes counted, %d held (bound %d)", len(s.cache), n, s.cached, total, maxCachedBytes/2)
	}
}

// keyRecorder is a state writer that records the keys written, in order.
type keyRecorder struct{ keys []string }

func (r *keyRecorder) Set(key, _ []byte) error       { r.keys = append(r.keys, string(key)); return nil }
func (r *keyRecorder) Delete(key []byte) error       { r.keys = append(r.keys, string(key)); return nil }
func (r *keyRecorder) DeleteRange(_, _ []byte) error { return nil }

// TestHashJoinBarrierWritesInKeyOrder: a barrier writes both sides'
// changes, sets and deletes, in key order, the lower table first, each
// once.
func TestHashJoinBarrierWritesInKeyOrder(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	schema, _ := exectest.ParseSchema("id bigint, k int")
	// The right side's table is the lower one.
	j := NewHashJoin(HashJoinSpec{Left: schema, Right: schema, LeftKeys: []int{1}, RightKeys: []int{1},
		LeftStreamKey: []int{0}, RightStreamKey: []int{0},
		LeftTable: statestore.FirstUserTable + 1, RightTable: statestore.FirstUserTable,
		Output: append(schema[:2:2], schema...), LeftPos: []int{0, 1}, RightPos: []int{2, 3}}, mem)
	if err := j.Open(ctx, exec.OpenContext{State: exectest.NewStore()}); err != nil {
		t.Fatal(err)
	}
	push := func(input int, rows string) {
		t.Helper()
		c, err := exectest.ParseChunk(mem, schema, rows)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Release()
		out := &exectest.Collector{}
		defer out.Release()
		if err := j.ProcessChunk(ctx, input, c, out); err != nil {
			t.Fatal(err)
		}
	}
	var rows strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&rows, "+ | %d | %d\n", i, i%700)
	}
	push(0, rows.String())
	push(1, rows.String())
	push(0, "- | 5 | 5\n- | 2999 | 199\n")
	rec := &keyRecorder{}
	if err := j.OnBarrier(ctx, exec.Barrier{Epoch: 1}, rec, &exectest.Collector{}); err != nil {
		t.Fatal(err)
	}
	if len(rec.keys) != 6000 {
		t.Fatalf("%d writes, want 6000", len(rec.keys))
	}
	for i := 1; i < len(rec.keys); i++ {
		if rec.keys[i-1] >= rec.keys[i] {
			t.Fatalf("write %d (%x) does not follow write %d (%x)", i, rec.keys[i], i-1, rec.keys[i-1])
		}
	}
}
