package ops

import (
	"encoding/binary"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/statestore"
)

// aggSideTable is an accumulator that keeps per-group rows in the
// MinMaxTable under table | vnode | group key | aggregate index: HashAgg
// flushes them at a barrier and deletes them when the group expires.
type aggSideTable interface {
	keyPrefix(dst []byte, g int32) []byte
	flush(w exec.StateWriter, g int32) error
}

// aggValueSets is, per group slot, the multiset of one aggregate's values
// (memcomparable encoding → count) that DISTINCT aggregates and string_agg
// keep, persisted in the MinMaxTable exactly as retractable min/max keep
// theirs: key table | vnode | group key | aggregate index | value, value the
// count (varint). A group's multiset is read lazily from state on its first
// change after the group was read from state. Owned by its HashAgg.
type aggValueSets struct {
	h      *HashAgg
	idx    int
	sets   []*minMaxSet
	loaded []bool // sets[g] reflects the state (a nil set is empty)
}

func (a *aggValueSets) grow(n int) {
	if grow := n - len(a.sets); grow > 0 {
		a.sets = append(a.sets, make([]*minMaxSet, grow)...)
		a.loaded = append(a.loaded, make([]bool, grow)...)
	}
}

// clear empties slot g: a new group, with nothing in state.
func (a *aggValueSets) clear(g int32) { a.sets[g], a.loaded[g] = nil, true }

// unload forgets slot g's multiset: the group was read from state, where its
// values are.
func (a *aggValueSets) unload(g int32) { a.sets[g], a.loaded[g] = nil, false }

// isLoaded reports whether slot g's multiset is in memory.
func (a *aggValueSets) isLoaded(g int32) bool { return a.sets[g] != nil || a.loaded[g] }

// set returns slot g's multiset, reading it from the MinMaxTable first if the
// group came from state and its multiset was not read yet.
func (a *aggValueSets) set(g int32) (*minMaxSet, error) {
	if s := a.sets[g]; s != nil {
		return s, nil
	}
	s := &minMaxSet{}
	a.sets[g] = s
	if a.loaded[g] {
		return s, nil
	}
	a.loaded[g] = true
	if a.h.state == nil {
		return s, nil
	}
	prefix := a.keyPrefix(nil, g)
	err := a.h.state.Scan(prefix, statestore.PrefixEnd(prefix), func(k, v []byte) (bool, error) {
		n, _, err := readVarint(v)
		if err != nil {
			return false, err
		}
		s.vals = append(s.vals, string(k[len(prefix):]))
		s.counts = append(s.counts, n)
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// add adds sign to the count of the encoded value v in slot g's multiset and
// returns the value's count before and after (equal when a retraction of an
// expired group's value was dropped).
func (a *aggValueSets) add(g int32, v []byte, sign int64) (before, after int64, err error) {
	s, err := a.set(g)
	if err != nil {
		return 0, 0, err
	}
	before = s.count(v)
	if err := s.add(v, sign, a.h.expiry != nil); err != nil {
		return 0, 0, err
	}
	return before, s.count(v), nil
}

// keyPrefix appends the MinMaxTable key prefix of slot g's multiset:
// table | vnode | group key | aggregate index.
func (a *aggValueSets) keyPrefix(dst []byte, g int32) []byte {
	dst = append(statestore.AppendKey(dst, a.h.spec.MinMaxTable, a.h.vnodes[g], nil), a.h.keys[g]...)
	return binary.BigEndian.AppendUint16(dst, uint16(a.idx))
}

// flush writes the values of slot g's multiset whose counts changed since
// the last flush.
func (a *aggValueSets) flush(w exec.StateWriter, g int32) error {
	s := a.sets[g]
	if s == nil || len(s.dirty) == 0 {
		return nil
	}
	prefix := a.keyPrefix(nil, g)
	key := prefix
	var val []byte
	for v := range s.dirty {
		key = append(key[:len(prefix)], v...)
		if i, ok := s.find(v); ok {
			val = binary.AppendVarint(val[:0], s.counts[i])
			if err := w.Set(key, val); err != nil {
				return err
			}
		} else if err := w.Delete(key); err != nil {
			return err
		}
	}
	s.dirty = nil
	return nil
}

// count returns the count of the encoded value v in s (0 when absent).
func (s *minMaxSet) count(v []byte) int64 {
	if i, ok := s.find(string(v)); ok {
		return s.counts[i]
	}
	return 0
}

// isMinMax reports whether acc is a min/max, which has a side table only
// over retractable input.
func isMinMax(acc aggAccumulator) bool {
	_, ok := acc.(*aggMinMax)
	return ok
}
