package ops

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestTopNCache checks the chunked cache against a plain sorted slice under
// random inserts, deletes, replacements and truncations, across chunk
// splits and emptied chunks.
func TestTopNCache(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var c topNCache
	var want []topNEntry
	for step := range 20000 {
		key := fmt.Sprintf("%06d", r.IntN(5000))
		i, found := c.Search(key)
		wi, wfound := slices.BinarySearchFunc(want, key, func(e topNEntry, k string) int {
			switch {
			case e.key < k:
				return -1
			case e.key > k:
				return 1
			}
			return 0
		})
		if i != wi || found != wfound {
			t.Fatalf("step %d: Search(%s) = %d %t, want %d %t", step, key, i, found, wi, wfound)
		}
		switch {
		case found && r.IntN(2) == 0:
			c.Delete(i)
			want = slices.Delete(want, i, i+1)
		case found:
			e := topNEntry{key: key, sk: fmt.Sprint(step)}
			c.Set(i, e)
			want[i] = e
		case step > 10000 && r.IntN(3) == 0 && len(want) > 0:
			c.Delete(len(want) - 1)
			want = want[:len(want)-1]
		default:
			e := topNEntry{key: key, sk: fmt.Sprint(step)}
			c.Insert(i, e)
			want = slices.Insert(want, i, e)
		}
		if c.Len() != len(want) {
			t.Fatalf("step %d: Len %d, want %d", step, c.Len(), len(want))
		}
		if step%997 == 0 {
			lo := r.IntN(len(want) + 1)
			hi := lo + r.IntN(len(want)-lo+1)
			if got := c.Slice(lo, hi); !slices.EqualFunc(got, want[lo:hi], sameEntry) && hi > lo {
				t.Fatalf("step %d: Slice(%d, %d) differs", step, lo, hi)
			}
			for k, e := range want {
				if !sameEntry(c.At(k), e) {
					t.Fatalf("step %d: At(%d) = %v, want %v", step, k, c.At(k), e)
				}
			}
			if len(want) > 0 && !sameEntry(c.Last(), want[len(want)-1]) {
				t.Fatalf("step %d: Last differs", step)
			}
		}
	}
	for len(want) > 0 {
		c.Delete(0)
		want = want[1:]
	}
	if c.Len() != 0 || len(c.chunks) != 0 {
		t.Fatalf("emptied cache: Len %d, %d chunks", c.Len(), len(c.chunks))
	}
}

func sameEntry(a, b topNEntry) bool { return a.key == b.key && a.sk == b.sk }
