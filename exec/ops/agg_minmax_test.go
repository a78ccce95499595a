package ops

import (
	"math/rand/v2"
	"sort"
	"testing"
)

// TestMinMaxSet checks the ordered multiset against a map of counts under
// random adds and retractions: order, extremes, and the dirty values.
func TestMinMaxSet(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var s minMaxSet
	want := map[string]int64{}
	for op := 0; op < 20_000; op++ {
		v := string(rune('a' + rng.IntN(20)))
		sign := int64(1)
		if want[v] > 0 && rng.IntN(2) == 0 {
			sign = -1
		}
		if err := s.add([]byte(v), sign, false); err != nil {
			t.Fatal(err)
		}
		if _, ok := s.dirty[v]; !ok {
			t.Fatalf("op %d: %q not marked dirty", op, v)
		}
		want[v] += sign
		if want[v] == 0 {
			delete(want, v)
		}
		keys := make([]string, 0, len(want))
		for k := range want {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if len(keys) != len(s.vals) {
			t.Fatalf("op %d: %d values, want %d", op, len(s.vals), len(keys))
		}
		for i, k := range keys {
			if s.vals[i] != k || s.counts[i] != want[k] {
				t.Fatalf("op %d: entry %d = %q×%d, want %q×%d", op, i, s.vals[i], s.counts[i], k, want[k])
			}
		}
		if len(keys) > 0 && (s.extreme(false) != keys[0] || s.extreme(true) != keys[len(keys)-1]) {
			t.Fatalf("op %d: extremes %q %q", op, s.extreme(false), s.extreme(true))
		}
	}
	if err := s.add([]byte("never"), -1, false); err == nil {
		t.Fatal("retracting an unseen value succeeded")
	}
	// Under a TTL the value's group may have expired: the retraction is
	// dropped and the set is unchanged.
	n := len(s.vals)
	if err := s.add([]byte("never"), -1, true); err != nil || len(s.vals) != n {
		t.Fatalf("retracting an unseen value of an expired group: %v, %d values, want %d", err, len(s.vals), n)
	}
}
