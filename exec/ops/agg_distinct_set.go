package ops

import (
	"encoding/binary"
	"slices"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// distinctCacheBytes bounds the memory (distinctValueBytes) of the values
// the DISTINCT multisets over one column keep across barriers, all groups
// together: past it, trim drops the maps of groups not changed in the epoch
// first, and their values are looked up in state again as they come. A
// variable so that tests can make it small.
var distinctCacheBytes = 64 << 20

// What a value of a multiset costs in memory besides its bytes and counts
// (its map slot and entry and its allocation, for an encoded value; its
// change mark and index entry, for a BIGINT one: the index has 16-byte
// entries, between a quarter and a half of them taken, 32 to 64 bytes a
// value).
const (
	distinctStringOverhead = 64
	distinctIntOverhead    = 48
)

// aggDistinctSets is, per group slot, the multiset of the values of the
// DISTINCT aggregates over one argument column (its members, each with its
// own FILTER, so its own counts), in the MinMaxTable under the same keys as
// aggValueSets: table | vnode | group key | index of the first member |
// value → each member's count (varints, in member order). Unlike min/max
// and string_agg it needs no order, so a value is looked up on its own (a
// point read of state on a cache miss): a row costs O(1) however many
// distinct values the group has. A BIGINT column's values are kept as
// int64 (ints), others by their memcomparable encoding (strs). Across
// barriers memory keeps the maps of the groups changed lately, exactly what
// the state holds, within distinctCacheBytes (trim). Owned by its HashAgg.
type aggDistinctSets struct {
	h       *HashAgg
	idx     int
	members int
	// intValues: the values are BIGINT, kept in ints; else in strs.
	intValues bool
	strs      []*distinctSet[string]
	ints      []*distinctIntSet
	// bytes is the sum of the sets' bytes.
	bytes int
	// known[g]: every value slot g's group has in state is in its set or
	// recorded in dropped (a new group, whose values were all written by
	// this operator), so a value missing from both has count 0 without a
	// read. A group read from state is not known.
	known []bool
	// dropped records the values of known groups' sets that trim dropped
	// and those of groups read from state that inState scanned; nil until
	// it holds one.
	dropped *distinctPresence
	// reads[g]: the values of slot g's group read from state one by one
	// while it was not known (inState scans the group past
	// distinctScanAfterReads).
	reads []int32
	// rowIdx[i]: the record number of row i's value in its group's set
	// (ints), or -1 when no member has looked it up in this chunk yet.
	rowIdx []int32
	key    []byte
	val    []byte
	enc    []byte
}

// distinctSet is the part of one group's multiset in memory: the values
// whose counts are known (all 0: known absent), each found through pos,
// and the values changed since the last flush. A row of a known value
// allocates nothing. A BIGINT column's values are in a distinctIntSet.
type distinctSet[K comparable] struct {
	pos    map[K]int32 // value → index into vals
	vals   []K
	marked []bool  // vals[i] is in dirty
	counts []int64 // members per value
	dirty  []int32 // indexes into vals
	bytes  int     // the values' distinctValueBytes
}

// newStringSet returns an empty set of encoded values.
func newStringSet() *distinctSet[string] {
	return &distinctSet[string]{pos: make(map[string]int32)}
}

// insert adds v, with every member's count 0, and returns its index.
func (s *distinctSet[K]) insert(v K, k, bytes int) int32 {
	i := int32(len(s.vals))
	if s.vals == nil {
		// Room for a few values at once: most sets of a query with many
		// groups stay small.
		s.vals = make([]K, 0, distinctSetMinValues)
		s.marked = make([]bool, 0, distinctSetMinValues)
		s.counts = make([]int64, 0, distinctSetMinValues*k)
	}
	s.vals = append(s.vals, v)
	s.pos[v] = i
	s.marked = append(s.marked, false)
	n := len(s.counts)
	s.counts = slices.Grow(s.counts, k)[:n+k]
	clear(s.counts[n:])
	s.bytes += bytes
	return i
}

// anyCount reports whether any of counts is not 0.
func anyCount(counts []int64) bool {
	for _, c := range counts {
		if c != 0 {
			return true
		}
	}
	return false
}

// mark notes that value i changed since the last flush.
func (s *distinctSet[K]) mark(i int32) {
	if !s.marked[i] {
		s.marked[i] = true
		s.dirty = append(s.dirty, i)
	}
}

// forgetAbsent drops the values whose k counts are all 0 (absent from
// state once flushed) and recounts bytes with size.
func (s *distinctSet[K]) forgetAbsent(k int, size func(K) int) {
	n := 0
	clear(s.pos)
	s.bytes = 0
	for i, v := range s.vals {
		cnts := s.counts[i*k : i*k+k]
		if !anyCount(cnts) {
			continue
		}
		s.pos[v] = int32(n)
		s.vals[n], s.marked[n] = v, false
		copy(s.counts[n*k:], cnts)
		s.bytes += size(v)
		n++
	}
	clear(s.vals[n:])
	s.vals, s.marked, s.counts = s.vals[:n], s.marked[:n], s.counts[:n*k]
}

func (a *aggDistinctSets) grow(n int) {
	if grow := n - len(a.known); grow > 0 {
		if a.intValues {
			a.ints = append(a.ints, make([]*distinctIntSet, grow)...)
		} else {
			a.strs = append(a.strs, make([]*distinctSet[string], grow)...)
		}
		a.known = append(a.known, make([]bool, grow)...)
		a.reads = append(a.reads, make([]int32, grow)...)
	}
}

// clear empties slot g: a new group, with nothing in state.
func (a *aggDistinctSets) clear(g int32) {
	a.drop(g, true)
	a.reads[g] = 0
}

// unload forgets slot g's values: the group was read from state.
func (a *aggDistinctSets) unload(g int32) {
	a.drop(g, false)
	a.reads[g] = 0
}

// drop forgets slot g's map; known says whether the group has nothing in
// state (a new group) or its values are recorded in dropped.
func (a *aggDistinctSets) drop(g int32, known bool) {
	if a.intValues {
		if s := a.ints[g]; s != nil {
			a.bytes -= s.bytes
		}
		a.ints[g] = nil
	} else {
		if s := a.strs[g]; s != nil {
			a.bytes -= s.bytes
		}
		a.strs[g] = nil
	}
	a.known[g] = known
}

// forget drops slot g's map to save memory, once flushed (the map then
// holds exactly what the state does): a known group's values are recorded
// in dropped first, so that the group stays known.
func (a *aggDistinctSets) forget(g int32) {
	if !a.known[g] {
		a.drop(g, false)
		return
	}
	if a.dropped == nil {
		a.dropped = newDistinctPresence()
	}
	gh := distinctGroupHash(a.h.keys[g])
	k := a.members
	if a.intValues {
		if s := a.ints[g]; s != nil {
			w := k + distinctRecCounts
			for i := 0; i < len(s.recs); i += w {
				if rec := s.recs[i : i+w]; rec[distinctRecMarked]&distinctRecorded == 0 && anyCount(rec[distinctRecCounts:]) {
					a.dropped.add(distinctIntHash(gh, rec[distinctRecValue]))
				}
			}
		}
	} else if s := a.strs[g]; s != nil {
		for i, v := range s.vals {
			if anyCount(s.counts[i*k : i*k+k]) {
				a.dropped.add(distinctStringHash(gh, v))
			}
		}
	}
	a.drop(g, true)
}

// distinctScanAfterReads is how many values of a group read from state
// (after a restart, or evicted and read back) inState reads one by one
// before it scans the group's values into dropped once, making the group
// known: a group met again for a few values is not scanned whole. A
// variable so that tests can make it 0.
var distinctScanAfterReads int32 = 64

// inState reports whether slot g's multiset may have a count in state of
// a value missing from its map, whose hash in the group (of hash gh) hash
// returns: not for a known group unless dropped may hold the value.
func (a *aggDistinctSets) inState(g int32, hash func(gh uint64) uint64) (bool, error) {
	if a.h.state == nil {
		return false, nil
	}
	if !a.known[g] {
		if a.reads[g]++; a.reads[g] <= distinctScanAfterReads {
			return true, nil
		}
		if err := a.scan(g); err != nil {
			return false, err
		}
	}
	return a.dropped != nil && a.dropped.mayHave(hash(distinctGroupHash(a.h.keys[g]))), nil
}

// scan records in dropped every value slot g's group has in state, in one
// pass of an iterator over its prefix, and makes the group known: its
// values in state are then in its map or in dropped, and those it adds
// from now on are in its map until trim records them.
func (a *aggDistinctSets) scan(g int32) error {
	if a.dropped == nil {
		a.dropped = newDistinctPresence()
	}
	gh := distinctGroupHash(a.h.keys[g])
	prefix := a.keyPrefix(nil, g)
	err := a.h.state.Scan(prefix, statestore.PrefixEnd(prefix), func(k, _ []byte) (bool, error) {
		v := k[len(prefix):]
		if !a.intValues {
			a.dropped.add(distinctStringHash(gh, string(v)))
			return true, nil
		}
		n, null, err := statestore.DecodeInt(v, types.Int64Type)
		if err != nil || null {
			return false, sqlstate.Errorf(sqlstate.Internal, "hash aggregate: DISTINCT value %x in state is not a BIGINT", v)
		}
		a.dropped.add(distinctIntHash(gh, n))
		return true, nil
	})
	if err != nil {
		return err
	}
	a.known[g] = true
	return nil
}

// has reports whether slot g has a map.
func (a *aggDistinctSets) has(g int) bool {
	if a.intValues {
		return a.ints[g] != nil
	}
	return a.strs[g] != nil
}

// stringValueBytes is what an encoded value costs in a multiset of k members.
func stringValueBytes(v string, k int) int { return len(v) + 8*k + distinctStringOverhead }

// intValueBytes is what a BIGINT value costs in a multiset of k members.
func intValueBytes(k int) int { return 8 + 8*k + distinctIntOverhead }

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
		for g := range a.known {
			if a.bytes <= distinctCacheBytes/2 {
				return
			}
			if a.has(g) && (pass == 1 || a.h.touched[g] != a.h.gen) {
				a.forget(int32(g))
			}
		}
	}
}

// add adds sign to member m's count of the encoded value v in slot g's
// multiset (of a column not BIGINT) and returns that count before and after
// (equal when a retraction of an expired group's value was dropped).
func (a *aggDistinctSets) add(g int32, m int, v []byte, sign int64) (before, after int64, err error) {
	s := a.strs[g]
	if s == nil {
		s = newStringSet()
		a.strs[g] = s
	}
	k := a.members
	i, known := s.pos[string(v)]
	if !known {
		val := string(v)
		n := stringValueBytes(val, k)
		i = s.insert(val, k, n)
		a.bytes += n
		stored, err := a.inState(g, func(gh uint64) uint64 { return distinctStringHash(gh, val) })
		if err != nil {
			return 0, 0, err
		}
		if stored {
			if err := a.read(g, v, s.counts[int(i)*k:int(i)*k+k]); err != nil {
				return 0, 0, err
			}
		}
	}
	before, after, changed, err := a.count(&s.counts[int(i)*k+m], sign)
	if changed {
		s.mark(i)
	}
	return before, after, err
}

// beginRows starts the update of member m over a chunk of n rows: the first
// member (updated first, the HashAgg updating its aggregates in order)
// forgets the value indexes of the previous chunk's rows.
func (a *aggDistinctSets) beginRows(m, n int) {
	if m != 0 && len(a.rowIdx) == n {
		return
	}
	a.rowIdx = slices.Grow(a.rowIdx[:0], n)[:n]
	for i := range a.rowIdx {
		a.rowIdx[i] = -1
	}
}

// read fills counts with the members' counts of the encoded value v in
// slot g's multiset in state (inState says when it may be there).
func (a *aggDistinctSets) read(g int32, v []byte, counts []int64) error {
	a.key = append(a.keyPrefix(a.key[:0], g), v...)
	val, ok, err := a.h.state.Get(a.key)
	if err != nil {
		return err
	}
	for j := 0; ok && j < len(counts) && len(val) > 0; j++ {
		if counts[j], val, err = readVarint(val); err != nil {
			return err
		}
	}
	return nil
}

// count adds sign to *cnt and returns the count before and after, and
// whether it changed (to be written).
func (a *aggDistinctSets) count(cnt *int64, sign int64) (before, after int64, changed bool, err error) {
	c := *cnt
	if c > 0 && a.h.spec.AppendOnly {
		// Over an input that never retracts, a value's presence is all
		// that matters: its count stays as written, and nothing is.
		return c, c + 1, false, nil
	}
	after = c + sign
	if after < 0 {
		if a.h.expiry != nil {
			// The group's state expired before this retraction came.
			return c, c, false, nil
		}
		return 0, 0, false, sqlstate.Errorf(sqlstate.Internal, "hash aggregate: DISTINCT retracted a value more often than it was added")
	}
	*cnt = after
	return c, after, true, nil
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
	k := a.members
	if a.intValues {
		return a.flushInts(w, g)
	}
	s := a.strs[g]
	if s == nil {
		return nil
	}
	before := s.bytes
	err := flushDistinct(a, w, g, s, func(dst []byte, v string) []byte { return append(dst, v...) },
		func(v string) int { return stringValueBytes(v, k) })
	a.bytes += s.bytes - before
	return err
}

// flushDistinct is flush for set s of slot g, whose values enc encodes and
// size weighs.
func flushDistinct[K comparable](a *aggDistinctSets, w exec.StateWriter, g int32, s *distinctSet[K],
	enc func([]byte, K) []byte, size func(K) int) error {
	if len(s.dirty) == 0 {
		return nil
	}
	prefix := a.keyPrefix(a.key[:0], g)
	key, val := prefix, a.val
	gone := false
	k := a.members
	for _, i := range s.dirty {
		s.marked[i] = false
		key = enc(key[:len(prefix)], s.vals[i])
		if cnts := s.counts[int(i)*k : int(i)*k+k]; anyCount(cnts) {
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
	a.key, a.val = key, val
	s.dirty = s.dirty[:0]
	if gone {
		s.forgetAbsent(k, size)
	}
	return nil
}
