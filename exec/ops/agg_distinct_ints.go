package ops

import (
	"encoding/binary"
	"slices"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/statestore"
)

// distinctIntSet is the part of one group's BIGINT multiset in memory (see
// distinctSet, its counterpart for encoded values): one record per value
// whose counts are known (all 0: known absent), found through index, and
// the records changed since the last flush. A record is k+2 words: the
// value, its marks (whether it is in dirty, whether the record of dropped
// values holds it), then the k members' counts, so that a
// row's count, its change mark and the barrier's write of it touch one
// place in memory rather than three.
type distinctIntSet struct {
	index hashAggIntMap // value → record number
	recs  []int64
	dirty []int32 // record numbers
	bytes int     // the values' intValueBytes
}

// Record layout: words before the counts.
const (
	distinctRecValue  = 0
	distinctRecMarked = 1 // distinctDirty | distinctRecorded
	distinctRecCounts = 2
)

// Bits of a record's marked word.
const (
	// distinctDirty: the record is in dirty.
	distinctDirty = 1
	// distinctRecorded: the value was read from state for a known group,
	// so its aggDistinctSets' dropped already holds it.
	distinctRecorded = 2
)

// distinctIntSetMinSize is the entries of a new set's index: small, as
// most groups of a query with many groups have few values.
const distinctIntSetMinSize = 8

// distinctSetMinValues is the values a set has room for when it gets its
// first.
const distinctSetMinValues = 8

func newDistinctIntSet() *distinctIntSet {
	s := &distinctIntSet{}
	s.index.resize(distinctIntSetMinSize)
	return s
}

// rec returns record i of a set of k members.
func (s *distinctIntSet) rec(i int32, k int) []int64 {
	w := k + distinctRecCounts
	return s.recs[int(i)*w : int(i)*w+w]
}

// insert adds v, with every member's count 0, and returns its record
// number.
func (s *distinctIntSet) insert(v int64, k, bytes int) int32 {
	w := k + distinctRecCounts
	if s.recs == nil {
		s.recs = make([]int64, 0, distinctSetMinValues*w)
	}
	i := int32(len(s.recs) / w)
	n := len(s.recs)
	s.recs = slices.Grow(s.recs, w)[:n+w]
	clear(s.recs[n:])
	s.recs[n+distinctRecValue] = v
	s.index.put(v, i)
	s.bytes += bytes
	return i
}

// mark notes that record i (rec) changed since the last flush.
func (s *distinctIntSet) mark(i int32, rec []int64) {
	if rec[distinctRecMarked]&distinctDirty == 0 {
		rec[distinctRecMarked] |= distinctDirty
		s.dirty = append(s.dirty, i)
	}
}

// forgetAbsent drops the records whose k counts are all 0 (absent from
// state once flushed), recounts bytes and rebuilds the index.
func (s *distinctIntSet) forgetAbsent(k int) {
	w := k + distinctRecCounts
	n := 0
	s.index.reset()
	for i := 0; i < len(s.recs); i += w {
		rec := s.recs[i : i+w]
		if !anyCount(rec[distinctRecCounts:]) {
			continue
		}
		copy(s.recs[n:], rec)
		s.recs[n+distinctRecMarked] &^= distinctDirty
		s.index.put(rec[distinctRecValue], int32(n/w))
		n += w
	}
	s.recs = s.recs[:n]
	s.bytes = n / w * intValueBytes(k)
}

// resolveInts sets rowIdx[i], for every row i of the chunk whose value in
// arr is not NULL and not yet looked up, to the value's record number in
// its group's set (slots[i]), adding it (with its counts from state) where
// it is new.
func (a *aggDistinctSets) resolveInts(arr *array.Int64, slots []int32) error {
	rowIdx := a.rowIdx
	vals := arr.Int64Values()
	nulls := arr.NullN() > 0
	k := a.members
	for i, g := range slots {
		if rowIdx[i] >= 0 || nulls && arr.IsNull(i) {
			continue
		}
		s := a.ints[g]
		if s == nil {
			s = newDistinctIntSet()
			a.ints[g] = s
		}
		v := vals[i]
		idx, known := s.index.get(v)
		if !known {
			n := intValueBytes(k)
			idx = s.insert(v, k, n)
			a.bytes += n
			stored, err := a.inState(g, func(gh uint64) uint64 { return distinctIntHash(gh, v) })
			if err != nil {
				return err
			}
			if stored {
				a.enc = statestore.AppendInt64(a.enc[:0], v)
				rec := s.rec(idx, k)
				if err := a.read(g, a.enc, rec[distinctRecCounts:]); err != nil {
					return err
				}
				if a.known[g] && anyCount(rec[distinctRecCounts:]) {
					// In state although the group is known: dropped
					// holds it.
					rec[distinctRecMarked] = distinctRecorded
				}
			}
		}
		rowIdx[i] = idx
	}
	return nil
}

// addInt adds sign to member m's count of the value of row row of the
// chunk, in slot g's set, resolved by resolveInts, and returns that count
// before and after (as add).
func (a *aggDistinctSets) addInt(g int32, m int, sign int64, row int) (before, after int64, err error) {
	s := a.ints[g]
	i := a.rowIdx[row]
	rec := s.rec(i, a.members)
	before, after, changed, err := a.count(&rec[distinctRecCounts+m], sign)
	if changed {
		s.mark(i, rec)
	}
	return before, after, err
}

// flushInts writes the records of slot g's set changed since the last
// flush and forgets those whose counts all reached 0.
func (a *aggDistinctSets) flushInts(w exec.StateWriter, g int32) error {
	s := a.ints[g]
	if s == nil || len(s.dirty) == 0 {
		return nil
	}
	before := s.bytes
	prefix := a.keyPrefix(a.key[:0], g)
	key, val := prefix, a.val
	gone := false
	k := a.members
	for _, i := range s.dirty {
		rec := s.rec(i, k)
		rec[distinctRecMarked] &^= distinctDirty
		key = statestore.AppendInt64(key[:len(prefix)], rec[distinctRecValue])
		if cnts := rec[distinctRecCounts:]; anyCount(cnts) {
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
		s.forgetAbsent(k)
	}
	a.bytes += s.bytes - before
	return nil
}
