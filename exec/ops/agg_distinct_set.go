package ops

import (
	"encoding/binary"
	"slices"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/statestore"
)

// distinctCacheBytes bounds the memory (distinctEntryBytes) of the values
// the DISTINCT multisets over one column keep across barriers, all groups
// together: past it, trim drops the maps of groups not changed in the epoch
// first, and their values are looked up in state again as they come. A
// variable so that tests can make it small.
var distinctCacheBytes = 64 << 20

// distinctEntryOverhead is what a value of a multiset costs in memory
// besides its bytes and counts (the map slot, the entry, the allocation).
const distinctEntryOverhead = 64

// aggDistinctSets is, per group slot, the multiset of the values of the
// DISTINCT aggregates over one argument column (its members, each with its
// own FILTER, so its own counts), in the MinMaxTable under the same keys as
// aggValueSets: table | vnode | group key | index of the first member |
// value → each member's count (varints, in member order). Unlike min/max and string_agg it needs no order, so a
// value is looked up on its own (a point read of state on a cache miss):
// a row costs O(1) however many distinct values the group has. Across
// barriers memory keeps the maps of the groups changed lately, exactly what
// the state holds, within distinctCacheBytes (trim). Owned by its HashAgg.
type aggDistinctSets struct {
	h       *HashAgg
	idx     int
	members int
	sets    []*distinctSet
	// bytes is the sum of the sets' bytes.
	bytes int
	// fresh[g]: slot g's group has nothing in state beyond what sets[g]
	// holds (a new group whose map was never dropped), so a value missing
	// from the map has count 0 without a read.
	fresh []bool
	key   []byte
}

// distinctSet is the part of one group's multiset in memory: the values
// whose count is known (0: known absent), each an entry found through pos,
// and the entries changed since the last flush. A row of a known value
// allocates nothing.
type distinctSet struct {
	pos     map[string]int32
	entries []distinctEntry
	counts  []int64 // members per entry
	dirty   []int32
	bytes   int // the entries' distinctEntryBytes
}

type distinctEntry struct {
	val   string
	dirty bool
}

func (a *aggDistinctSets) grow(n int) {
	if grow := n - len(a.sets); grow > 0 {
		a.sets = append(a.sets, make([]*distinctSet, grow)...)
		a.fresh = append(a.fresh, make([]bool, grow)...)
	}
}

// clear empties slot g: a new group, with nothing in state.
func (a *aggDistinctSets) clear(g int32) { a.drop(g, true) }

// unload forgets slot g's values: the group was read from state.
func (a *aggDistinctSets) unload(g int32) { a.drop(g, false) }

// drop forgets slot g's map; fresh says whether the group has nothing in
// state.
func (a *aggDistinctSets) drop(g int32, fresh bool) {
	if s := a.sets[g]; s != nil {
		a.bytes -= s.bytes
	}
	a.sets[g], a.fresh[g] = nil, fresh
}

// distinctEntryBytes returns what a value of n bytes costs in a multiset of
// k members.
func distinctEntryBytes(n, k int) int { return n + 8*k + distinctEntryOverhead }

// trim drops maps of groups, those not changed in the epoch (touched[g] is
// not the HashAgg's current generation) first, until the sets hold at most
// half of distinctCacheBytes, when they hold more than all of it. Called at
// a barrier once every group is flushed (each map then holds exactly what
// the state does).
func (a *aggDistinctSets) trim() {
	if a.bytes <= distinctCacheBytes {
		return
	}
	for pass := 0; pass < 2; pass++ {
		for g, s := range a.sets {
			if a.bytes <= distinctCacheBytes/2 {
				return
			}
			if s != nil && (pass == 1 || a.h.touched[g] != a.h.gen) {
				a.drop(int32(g), false)
			}
		}
	}
}

// add adds sign to member m's count of the encoded value v in slot g's
// multiset and returns that count before and after (equal when a retraction
// of an expired group's value was dropped).
func (a *aggDistinctSets) add(g int32, m int, v []byte, sign int64) (before, after int64, err error) {
	s := a.sets[g]
	if s == nil {
		s = &distinctSet{pos: make(map[string]int32)}
		a.sets[g] = s
	}
	k := a.members
	i, known := s.pos[string(v)]
	if !known {
		i = int32(len(s.entries))
		s.entries = append(s.entries, distinctEntry{val: string(v)})
		s.pos[s.entries[i].val] = i
		s.counts = append(s.counts, make([]int64, k)...)
		n := distinctEntryBytes(len(v), k)
		s.bytes += n
		a.bytes += n
		if !a.fresh[g] && a.h.state != nil {
			a.key = append(a.keyPrefix(a.key[:0], g), v...)
			val, ok, err := a.h.state.Get(a.key)
			if err != nil {
				return 0, 0, err
			}
			for j := 0; ok && j < k && len(val) > 0; j++ {
				if s.counts[int(i)*k+j], val, err = readVarint(val); err != nil {
					return 0, 0, err
				}
			}
		}
	}
	cnt := &s.counts[int(i)*k+m]
	c := *cnt
	if c > 0 && a.h.spec.AppendOnly {
		// Over an input that never retracts, a value's presence is all
		// that matters: its count stays as written, and nothing is.
		return c, c + 1, nil
	}
	after = c + sign
	if after < 0 {
		if a.h.expiry != nil {
			// The group's state expired before this retraction came.
			return c, c, nil
		}
		return 0, 0, sqlstate.Errorf(sqlstate.Internal, "hash aggregate: DISTINCT retracted a value more often than it was added")
	}
	*cnt = after
	e := &s.entries[i]
	if !e.dirty {
		e.dirty = true
		s.dirty = append(s.dirty, i)
	}
	return c, after, nil
}

// keyPrefix appends the MinMaxTable key prefix of slot g's multiset:
// table | vnode | group key | aggregate index.
func (a *aggDistinctSets) keyPrefix(dst []byte, g int32) []byte {
	dst = append(statestore.AppendKey(dst, a.h.spec.MinMaxTable, a.h.vnodes[g], nil), a.h.keys[g]...)
	return binary.BigEndian.AppendUint16(dst, uint16(a.idx))
}

// flush writes the values of slot g's multiset whose counts changed since
// the last flush and forgets those whose counts all reached 0.
func (a *aggDistinctSets) flush(w exec.StateWriter, g int32) error {
	s := a.sets[g]
	if s == nil {
		return nil
	}
	if len(s.dirty) == 0 {
		return nil
	}
	prefix := a.keyPrefix(nil, g)
	key := prefix
	var val []byte
	gone := false
	k := a.members
	for _, i := range s.dirty {
		e := &s.entries[i]
		e.dirty = false
		key = append(key[:len(prefix)], e.val...)
		if cnts := s.counts[int(i)*k : int(i)*k+k]; slices.ContainsFunc(cnts, func(c int64) bool { return c != 0 }) {
			val = val[:0]
			for _, c := range cnts {
				val = binary.AppendVarint(val, c)
			}
			if err := w.Set(key, val); err != nil {
				return err
			}
		} else {
			if err := w.Delete(key); err != nil {
				return err
			}
			gone = true
		}
	}
	s.dirty = s.dirty[:0]
	if gone {
		// Forget the values whose count reached 0 (absent from state now).
		kept, keptCounts := s.entries[:0], s.counts[:0]
		clear(s.pos)
		for i, e := range s.entries {
			cnts := s.counts[i*k : i*k+k]
			if slices.ContainsFunc(cnts, func(c int64) bool { return c != 0 }) {
				s.pos[e.val] = int32(len(kept))
				kept = append(kept, e)
				keptCounts = append(keptCounts, cnts...)
			}
		}
		clear(s.entries[len(kept):])
		s.entries, s.counts = kept, keptCounts
		a.bytes -= s.bytes
		s.bytes = 0
		for _, e := range s.entries {
			s.bytes += distinctEntryBytes(len(e.val), k)
		}
		a.bytes += s.bytes
	}
	return nil
}
