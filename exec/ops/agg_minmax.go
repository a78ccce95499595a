package ops

import (
	"encoding/binary"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// aggMinMax is min(x) and max(x) over any orderable type. Values are handled
// in their memcomparable encoding (statestore's codec), so one implementation
// orders every type exactly as SQL does, and a result decodes straight into
// the output builder.
//
// Over append-only input it keeps just the current extreme per slot. Over
// retractable input it also keeps, per slot, the ordered multiset of the
// group's values (value → count), persisted in the MinMaxTable under
// group key | aggregate index | value (so a scan returns the values in order)
// and loaded into memory lazily, on the first change to the group after it
// was read from state. When the extreme is retracted to count 0, the next one
// is the neighbour in the multiset. Owned by its HashAgg.
type aggMinMax struct {
	h       *HashAgg
	idx     int
	max     bool
	t       types.T
	retract bool

	cur, prev []string // encoded extreme; "" is NULL (no non-null input)
	sets      []*minMaxSet
	loaded    []bool // sets[g] reflects the state (a nil set is empty)
	buf       []byte
}

func newAggMinMax(h *HashAgg, idx int, isMax bool, t types.T) *aggMinMax {
	return &aggMinMax{h: h, idx: idx, max: isMax, t: t, retract: !h.spec.AppendOnly}
}

func (a *aggMinMax) grow(n int) {
	grow := n - len(a.cur)
	if grow <= 0 {
		return
	}
	a.cur = append(a.cur, make([]string, grow)...)
	a.prev = append(a.prev, make([]string, grow)...)
	if a.retract {
		a.sets = append(a.sets, make([]*minMaxSet, grow)...)
		a.loaded = append(a.loaded, make([]bool, grow)...)
	}
}

func (a *aggMinMax) clear(g int32) {
	a.cur[g], a.prev[g] = "", ""
	if a.retract {
		a.sets[g], a.loaded[g] = nil, true
	}
}

func (a *aggMinMax) update(arr arrow.Array, slots []int32, signs []int64) error {
	enc, err := newHashAggEncoder(a.t, arr)
	if err != nil {
		return err
	}
	nulls := arr.NullN() > 0
	for i, g := range slots {
		if nulls && arr.IsNull(i) {
			continue
		}
		a.buf = enc(a.buf[:0], i)
		if !a.retract {
			c := a.cur[g]
			if c == "" || (a.max && string(a.buf) > c) || (!a.max && string(a.buf) < c) {
				a.cur[g] = string(a.buf)
			}
			continue
		}
		set, err := a.set(g)
		if err != nil {
			return err
		}
		sign := int64(1)
		if signs != nil {
			sign = signs[i]
		}
		if err := set.add(a.buf, sign, a.h.expiry != nil); err != nil {
			return err
		}
		a.cur[g] = set.extreme(a.max)
	}
	return nil
}

// set returns slot g's multiset, reading it from the MinMaxTable first if
// the group came from state and its multiset was not loaded yet.
func (a *aggMinMax) set(g int32) (*minMaxSet, error) {
	if s := a.sets[g]; s != nil {
		return s, nil
	}
	s := &minMaxSet{}
	a.sets[g] = s
	if a.loaded[g] {
		return s, nil
	}
	a.loaded[g] = true
	prefix := a.keyPrefix(nil, g)
	if a.h.state == nil {
		return s, nil
	}
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

// keyPrefix appends the MinMaxTable key prefix of slot g's multiset:
// table | vnode | group key | aggregate index.
func (a *aggMinMax) keyPrefix(dst []byte, g int32) []byte {
	dst = append(statestore.AppendKey(dst, a.h.spec.MinMaxTable, a.h.vnodes[g], nil), a.h.keys[g]...)
	return binary.BigEndian.AppendUint16(dst, uint16(a.idx))
}

// flush writes the values of slot g's multiset whose counts changed since
// the last flush.
func (a *aggMinMax) flush(w exec.StateWriter, g int32) error {
	if !a.retract {
		return nil
	}
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

func (a *aggMinMax) changed(g int32) bool { return a.cur[g] != a.prev[g] }
func (a *aggMinMax) commit(g int32)       { a.prev[g] = a.cur[g] }

func (a *aggMinMax) appendResults(b array.Builder, slots []int32, prev []bool) error {
	for i, g := range slots {
		v := a.cur[g]
		if prev[i] {
			v = a.prev[g]
		}
		if v == "" {
			b.AppendNull()
			continue
		}
		if _, err := statestore.DecodeValue(stringBytes(v), a.t, b); err != nil {
			return sqlstate.Wrap(sqlstate.Internal, err, "hash aggregate: decoding min/max")
		}
	}
	return nil
}

func (a *aggMinMax) appendState(dst []byte, g int32) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(a.cur[g])))
	return append(dst, a.cur[g]...)
}

func (a *aggMinMax) loadState(src []byte, g int32) ([]byte, error) {
	n, src, err := readUvarint(src)
	if err != nil {
		return nil, err
	}
	if uint64(len(src)) < n {
		return nil, sqlstate.Errorf(sqlstate.Internal, "hash aggregate: corrupt min/max state")
	}
	a.cur[g] = string(src[:n])
	a.prev[g] = a.cur[g]
	if a.retract {
		a.sets[g], a.loaded[g] = nil, false
	}
	return src[n:], nil
}

// minMaxSet is the ordered multiset of one group's values for one retractable
// min/max: distinct encoded values in ascending order with their counts, and
// the values changed since the last flush.
type minMaxSet struct {
	vals   []string
	counts []int64
	dirty  map[string]struct{}
}

// find returns the position of v in s.vals, or where it would be inserted.
func (s *minMaxSet) find(v string) (int, bool) {
	lo, hi := 0, len(s.vals)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s.vals[m] < v {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(s.vals) && s.vals[lo] == v
}

// add adds sign (±1) to the count of v, dropping v when its count reaches 0.
// A retraction of a value not in s is an error, unless expired: then the
// group's state may have expired before the retraction came (a view with a
// TTL), and it is dropped.
func (s *minMaxSet) add(v []byte, sign int64, expired bool) error {
	i, ok := s.find(string(v))
	if s.dirty == nil {
		s.dirty = make(map[string]struct{})
	}
	if ok {
		if expired && s.counts[i]+sign < 0 {
			return nil
		}
		s.dirty[s.vals[i]] = struct{}{}
		s.counts[i] += sign
		if s.counts[i] < 0 {
			return sqlstate.Errorf(sqlstate.Internal, "hash aggregate: min/max retracted a value more often than it was added")
		}
		if s.counts[i] == 0 {
			s.vals = append(s.vals[:i], s.vals[i+1:]...)
			s.counts = append(s.counts[:i], s.counts[i+1:]...)
		}
		return nil
	}
	if sign < 0 {
		if expired {
			return nil
		}
		return sqlstate.Errorf(sqlstate.Internal, "hash aggregate: min/max retracted a value it never saw")
	}
	str := string(v)
	s.dirty[str] = struct{}{}
	s.vals = append(s.vals, "")
	copy(s.vals[i+1:], s.vals[i:])
	s.vals[i] = str
	s.counts = append(s.counts, 0)
	copy(s.counts[i+1:], s.counts[i:])
	s.counts[i] = sign
	return nil
}

// extreme returns the largest (max) or smallest value, "" when s is empty.
func (s *minMaxSet) extreme(max bool) string {
	if len(s.vals) == 0 {
		return ""
	}
	if max {
		return s.vals[len(s.vals)-1]
	}
	return s.vals[0]
}
