package ops

import (
	"fmt"
	"slices"
	"testing"
)

// TestJoinDirtyIndexes checks that a joinDirty answers as a map does below
// and past dirtyIndexAt: a put overwrites its key's entry, get finds every
// key put and no other, and sorted gives each key once in key order.
func TestJoinDirtyIndexes(t *testing.T) {
	for _, n := range []int{1, 2, dirtyIndexAt, dirtyIndexAt + 1, 5 * dirtyIndexAt} {
		d := newJoinDirty()
		want := map[string]uint64{}
		for i := n - 1; i >= 0; i-- {
			k := fmt.Sprintf("k%03d", i)
			d.put(k, joinEntry{row: []byte{1}, degree: 1})
			want[k] = 1
		}
		for i := 0; i < n; i += 3 { // overwrite every third
			k := fmt.Sprintf("k%03d", i)
			d.put(k, joinEntry{row: []byte{2}, degree: uint64(i + 10)})
			want[k] = uint64(i + 10)
		}
		if len(d.rows) != n {
			t.Fatalf("n=%d: %d rows", n, len(d.rows))
		}
		for k, deg := range want {
			e, ok := d.get(k)
			if !ok || e.degree != deg {
				t.Fatalf("n=%d: get(%s) = %v, %v; want degree %d", n, k, e, ok, deg)
			}
		}
		if _, ok := d.get("absent"); ok {
			t.Fatalf("n=%d: get of a key never put found it", n)
		}
		var keys []string
		for _, r := range d.sorted() {
			keys = append(keys, r.key)
		}
		if !slices.IsSorted(keys) || len(keys) != n {
			t.Fatalf("n=%d: sorted keys %v", n, keys)
		}
	}
}
