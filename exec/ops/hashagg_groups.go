package ops

import (
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// newHashAggEncoder returns the memcomparable encoder of arr, whose SQL type
// is t, or an error when arr is not of t's Arrow type (the encoder would
// panic on it).
func newHashAggEncoder(t types.T, arr arrow.Array) (statestore.ValueEncoder, error) {
	if !arrow.TypeEqual(arr.DataType(), t.ArrowType()) {
		return nil, sqlstate.Errorf(sqlstate.Internal, "hash aggregate: column of type %s is Arrow %s", t, arr.DataType())
	}
	return statestore.NewValueEncoder(t, arr), nil
}

// mapRows sets slots[i] to the group slot of row i of batch, creating (or
// reading from state) the groups not in memory.
func (h *HashAgg) mapRows(batch arrow.RecordBatch, slots []int32) error {
	switch h.mode {
	case keyModeGlobal:
		g, err := h.globalSlot()
		if err != nil {
			return err
		}
		for i := range slots {
			slots[i] = g
		}
		return nil
	case keyModeInt:
		col := batch.Column(h.spec.GroupKeys[0])
		switch arr := col.(type) {
		case *array.Int64:
			return mapIntKeys(h, arr.Int64Values(), arr, slots)
		case *array.Int32:
			return mapIntKeys(h, arr.Int32Values(), arr, slots)
		case *array.Int16:
			return mapIntKeys(h, arr.Int16Values(), arr, slots)
		case *array.Date32:
			return mapIntKeys(h, arr.Date32Values(), arr, slots)
		case *array.Timestamp:
			return mapIntKeys(h, arr.TimestampValues(), arr, slots)
		}
		return sqlstate.Errorf(sqlstate.Internal, "hash aggregate: key column of type %s is Arrow %s", h.spec.KeyTypes[0], col.DataType())
	}
	encs := make([]statestore.ValueEncoder, len(h.spec.GroupKeys))
	for j, c := range h.spec.GroupKeys {
		enc, err := newHashAggEncoder(h.spec.KeyTypes[j], batch.Column(c))
		if err != nil {
			return err
		}
		encs[j] = enc
	}
	buf := h.keyBuf
	for i := range slots {
		buf = buf[:0]
		for _, enc := range encs {
			buf = enc(buf, i)
		}
		g, ok := h.strs[string(buf)]
		if !ok {
			var err error
			if g, err = h.newGroup(buf, 0, false); err != nil {
				return err
			}
		}
		slots[i] = g
	}
	h.keyBuf = buf
	return nil
}

// mapIntKeys maps rows by one integer-like key column through h.ints,
// remembering the last key so runs of equal keys skip the map.
func mapIntKeys[T ~int16 | ~int32 | ~int64](h *HashAgg, vals []T, arr arrow.Array, slots []int32) error {
	nulls := arr.NullN() > 0
	lastKey, lastSlot := int64(0), int32(-1)
	for i := range slots {
		if nulls && arr.IsNull(i) {
			g := h.nullSlot
			if g < 0 {
				var err error
				h.keyBuf = statestore.AppendValue(h.keyBuf[:0], h.spec.KeyTypes[0], arr, i)
				if g, err = h.newGroup(h.keyBuf, 0, true); err != nil {
					return err
				}
			}
			slots[i] = g
			continue
		}
		k := int64(vals[i])
		if k == lastKey && lastSlot >= 0 {
			slots[i] = lastSlot
			continue
		}
		g, ok := h.ints.get(k)
		if !ok {
			var err error
			h.keyBuf = statestore.AppendValue(h.keyBuf[:0], h.spec.KeyTypes[0], arr, i)
			if g, err = h.newGroup(h.keyBuf, k, false); err != nil {
				return err
			}
		}
		slots[i] = g
		lastKey, lastSlot = k, g
	}
	return nil
}

// globalSlot returns the one slot of a global aggregate, creating it (or
// reading it from state) first.
func (h *HashAgg) globalSlot() (int32, error) {
	if h.global >= 0 {
		return h.global, nil
	}
	return h.newGroup(nil, 0, false)
}

// newGroup takes a slot for the group whose memcomparable key is key (intKey
// and isNull describe it in keyModeInt), fills it from the ResultTable if the
// group is there, else empty, and registers it in the key map.
func (h *HashAgg) newGroup(key []byte, intKey int64, isNull bool) (int32, error) {
	var g int32
	if n := len(h.free); n > 0 {
		g = h.free[n-1]
		h.free = h.free[:n-1]
	} else {
		if h.nslots == len(h.keys) {
			h.growSlots(max(64, 2*len(h.keys)))
		}
		g = int32(h.nslots)
		h.nslots++
	}
	h.keys[g] = string(key)
	h.intKeys[g] = intKey
	h.vnodes[g] = statestore.Vnode(key)
	h.rows[g], h.prevRows[g] = 0, 0
	h.existed[g], h.dirty[g], h.inUse[g] = false, false, true
	h.touched[g] = h.gen
	for _, acc := range h.accs {
		acc.clear(g)
	}
	if h.expiry != nil {
		if err := h.loadExpiry(g); err != nil {
			h.releaseSlot(g)
			return -1, err
		}
	}
	if err := h.load(g); err != nil {
		h.releaseSlot(g)
		return -1, err
	}
	switch {
	case h.mode == keyModeGlobal:
		h.global = g
	case h.mode == keyModeInt && isNull:
		h.nullSlot = g
	case h.mode == keyModeInt:
		h.ints.put(intKey, g)
	default:
		h.strs[h.keys[g]] = g
	}
	h.live++
	return g, nil
}

// load reads group g's accumulators from the ResultTable, if it is there.
func (h *HashAgg) load(g int32) error {
	if h.state == nil || h.stateInMemory {
		return nil
	}
	h.kvKey = append(statestore.AppendKey(h.kvKey[:0], h.spec.ResultTable, h.vnodes[g], nil), h.keys[g]...)
	v, ok, err := h.state.Get(h.kvKey)
	if err != nil || !ok {
		return err
	}
	rows, src, err := readVarint(v)
	if err != nil {
		return err
	}
	for _, acc := range h.accs {
		if src, err = acc.loadState(src, g); err != nil {
			return err
		}
	}
	if len(src) != 0 {
		return sqlstate.Errorf(sqlstate.Internal, "hash aggregate: %d trailing bytes in the state of group %x", len(src), h.keys[g])
	}
	h.rows[g], h.prevRows[g], h.existed[g] = rows, rows, true
	return nil
}

// release forgets group g: it leaves the key map and its slot is reused.
func (h *HashAgg) release(g int32) {
	switch {
	case h.mode == keyModeGlobal:
		h.global = -1
	case h.mode == keyModeInt && g == h.nullSlot:
		h.nullSlot = -1
	case h.mode == keyModeInt:
		h.ints.delete(h.intKeys[g])
	default:
		delete(h.strs, h.keys[g])
	}
	h.live--
	h.releaseSlot(g)
}

// releaseSlot empties slot g and puts it on the free list.
func (h *HashAgg) releaseSlot(g int32) {
	for _, acc := range h.accs {
		acc.clear(g)
	}
	h.keys[g] = ""
	h.inUse[g] = false
	h.dirty[g] = false
	h.free = append(h.free, g)
}

// growSlots extends every per-slot slice to n slots (capacity doubles, so
// group creation stays amortised O(1)).
func (h *HashAgg) growSlots(n int) {
	grow := n - len(h.keys)
	h.keys = append(h.keys, make([]string, grow)...)
	h.intKeys = growInt64s(h.intKeys, n)
	h.vnodes = append(h.vnodes, make([]uint16, grow)...)
	h.rows = growInt64s(h.rows, n)
	h.prevRows = growInt64s(h.prevRows, n)
	h.existed = append(h.existed, make([]bool, grow)...)
	h.dirty = append(h.dirty, make([]bool, grow)...)
	h.inUse = append(h.inUse, make([]bool, grow)...)
	h.touched = append(h.touched, make([]uint64, grow)...)
	for _, acc := range h.accs {
		acc.grow(n)
	}
	if h.expiry != nil {
		h.expiry.grow(n)
	}
}

// intKeyBuilder is the part of an Arrow builder of an integer-like type that
// appendIntKeysTo needs.
type intKeyBuilder[T any] interface {
	Reserve(n int)
	UnsafeAppend(v T)
	UnsafeAppendBoolToBitmap(valid bool)
}

// appendIntKeys appends the integer keys of slots to b (NULL for nullSlot)
// and reports whether b was of a type it handles.
func appendIntKeys(b array.Builder, keys []int64, slots []int32, nullSlot int32) bool {
	switch b := b.(type) {
	case *array.Int64Builder:
		appendIntKeysTo(b, keys, slots, nullSlot)
	case *array.Int32Builder:
		appendIntKeysTo(b, keys, slots, nullSlot)
	case *array.Int16Builder:
		appendIntKeysTo(b, keys, slots, nullSlot)
	case *array.Date32Builder:
		appendIntKeysTo(b, keys, slots, nullSlot)
	case *array.TimestampBuilder:
		appendIntKeysTo(b, keys, slots, nullSlot)
	default:
		return false
	}
	return true
}

func appendIntKeysTo[T ~int16 | ~int32 | ~int64](b intKeyBuilder[T], keys []int64, slots []int32, nullSlot int32) {
	b.Reserve(len(slots))
	for _, g := range slots {
		if g == nullSlot {
			b.UnsafeAppendBoolToBitmap(false)
		} else {
			b.UnsafeAppend(T(keys[g]))
		}
	}
}

// stringBytes returns the bytes of s without copying them. The result must
// not be modified; it lets the codec decode group keys and min/max values
// kept as strings (map keys) without an allocation per row.
func stringBytes(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}
