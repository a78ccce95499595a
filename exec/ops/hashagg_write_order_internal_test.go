package ops

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/weir-stream/weir/statestore"
)

// TestSortStateWrites checks sortStateWrites against a stable comparison
// sort of the keys: keys of one table (many equal in the 16 bytes after the
// vnode, some written twice, whose writes keep their order) and keys of two
// tables.
func TestSortStateWrites(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for _, tables := range []int{1, 2} {
		var arena []byte
		var writes []stateWrite
		for i := range 5000 {
			table := statestore.FirstUserTable + statestore.TableID(rng.IntN(tables))
			rest := fmt.Sprintf("a-shared-prefix-of-16+|%d", rng.IntN(700))
			if i%3 == 0 {
				rest = fmt.Sprintf("g%d", rng.IntN(700))
			}
			off := len(arena)
			arena = statestore.AppendKey(arena, table, uint16(rng.IntN(statestore.NumVnodes)), []byte(rest))
			klen := len(arena) - off
			arena = fmt.Appendf(arena, "%d", i)
			writes = append(writes, stateWrite{off: off, klen: int32(klen), vlen: int32(len(arena) - off - klen), del: i%7 == 0})
		}
		key := func(w stateWrite) []byte { return arena[w.off : w.off+int(w.klen)] }
		want := make([]int32, len(writes))
		for i := range want {
			want[i] = int32(i)
		}
		slices.SortStableFunc(want, func(a, b int32) int { return bytes.Compare(key(writes[a]), key(writes[b])) })
		var order []writeKey
		got := sortStateWrites(arena, writes, &order)
		if len(got) != len(want) {
			t.Fatalf("%d tables: %d writes sorted, want %d", tables, len(got), len(want))
		}
		for i, k := range got {
			if k.i != want[i] {
				t.Fatalf("%d tables: write %d is #%d (%q), want #%d (%q)", tables, i, k.i, key(writes[k.i]), want[i], key(writes[want[i]]))
			}
		}
	}
}
