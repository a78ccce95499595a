package ops

import "math/bits"

// hashAggIntMap maps int64 group keys to group slots (and the BIGINT values
// of a DISTINCT multiset to their indexes). It is an open-addressing
// table with linear probing over one array of (key, slot) pairs, so a lookup
// usually costs one cache line where a Go map touches its control word and
// its slot separately; this is what keeps 1 M-key aggregations fast. Deletion
// shifts the following entries back (no tombstones). Owned by one HashAgg.
type hashAggIntMap struct {
	entries []hashAggIntEntry
	shift   uint8 // 64 - log2(len(entries))
	mask    uint64
	n       int
}

// hashAggIntEntry is one pair; slot1 is the group slot plus one, 0 when the
// entry is empty.
type hashAggIntEntry struct {
	key   int64
	slot1 int32
}

const hashAggIntMapMinSize = 1024

func newHashAggIntMap() *hashAggIntMap {
	m := &hashAggIntMap{}
	m.resize(hashAggIntMapMinSize)
	return m
}

// reset removes every key, keeping the entries' memory.
func (m *hashAggIntMap) reset() {
	clear(m.entries)
	m.n = 0
}

// home returns the first entry a key probes (Fibonacci hashing).
func (m *hashAggIntMap) home(k int64) uint64 {
	return (uint64(k) * 0x9E3779B97F4A7C15) >> m.shift
}

// get returns the slot of k.
func (m *hashAggIntMap) get(k int64) (int32, bool) {
	for i := m.home(k); ; i = (i + 1) & m.mask {
		e := &m.entries[i]
		if e.slot1 == 0 {
			return 0, false
		}
		if e.key == k {
			return e.slot1 - 1, true
		}
	}
}

// put maps k (not present) to slot.
func (m *hashAggIntMap) put(k int64, slot int32) {
	if 2*(m.n+1) > len(m.entries) {
		m.resize(2 * len(m.entries))
	}
	m.insert(k, slot+1)
	m.n++
}

func (m *hashAggIntMap) insert(k int64, slot1 int32) {
	i := m.home(k)
	for m.entries[i].slot1 != 0 {
		i = (i + 1) & m.mask
	}
	m.entries[i] = hashAggIntEntry{key: k, slot1: slot1}
}

// delete removes k if present, shifting back the entries that probed past it.
func (m *hashAggIntMap) delete(k int64) {
	i := m.home(k)
	for {
		e := m.entries[i]
		if e.slot1 == 0 {
			return
		}
		if e.key == k {
			break
		}
		i = (i + 1) & m.mask
	}
	m.n--
	for {
		m.entries[i] = hashAggIntEntry{}
		j := i
		for {
			j = (j + 1) & m.mask
			e := m.entries[j]
			if e.slot1 == 0 {
				return
			}
			// e may fill the hole at i if i lies between its home and j.
			if (j-m.home(e.key))&m.mask >= (j-i)&m.mask {
				m.entries[i] = e
				i = j
				break
			}
		}
	}
}

// len returns the number of keys.
func (m *hashAggIntMap) len() int { return m.n }

// resize rehashes the keys into size entries, a power of two (also making
// an empty map of a zero hashAggIntMap).
func (m *hashAggIntMap) resize(size int) {
	old := m.entries
	m.entries = make([]hashAggIntEntry, size)
	m.mask = uint64(size - 1)
	m.shift = uint8(64 - bits.TrailingZeros(uint(size)))
	for _, e := range old {
		if e.slot1 != 0 {
			m.insert(e.key, e.slot1)
		}
	}
}
