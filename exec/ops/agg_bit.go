package ops

import (
	"encoding/binary"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// aggBit is bit_and(x), bit_or(x) and bit_xor(x) over smallint, integer and
// bigint: per group the number of non-null values and, for each of the 64
// bits (values sign-extended to 64 bits), the number of values with the bit
// set, retractions subtracting. bit_and is the bits every value has, bit_or
// the bits some value has, bit_xor the bits an odd number of values have; all
// are NULL without a non-null value. A row costs one step per set bit. Owned
// by its HashAgg.
type aggBit struct {
	kind     expr.AggKind
	n        []int64
	counts   []int64 // 64 per slot
	prev     []int64 // committed result
	prevNull []bool
}

func (a *aggBit) grow(n int) {
	if grow := n - len(a.n); grow > 0 {
		a.n = growInt64s(a.n, n)
		a.counts = growInt64s(a.counts, 64*n)
		a.prev = growInt64s(a.prev, n)
		a.prevNull = append(a.prevNull, make([]bool, grow)...)
	}
}

func (a *aggBit) clear(g int32) {
	a.n[g], a.prev[g], a.prevNull[g] = 0, 0, true
	clear(a.counts[64*int(g) : 64*int(g)+64])
}

// result returns slot g's current result.
func (a *aggBit) result(g int32) (int64, bool) {
	n := a.n[g]
	if n <= 0 {
		return 0, true
	}
	var r uint64
	for b, c := range a.counts[64*int(g) : 64*int(g)+64] {
		var set bool
		switch a.kind {
		case expr.BitAnd:
			set = c == n
		case expr.BitOr:
			set = c > 0
		default:
			set = c%2 != 0
		}
		if set {
			r |= 1 << b
		}
	}
	return int64(r), false
}

func (a *aggBit) update(arr arrow.Array, slots []int32, signs []int64) error {
	switch arr := arr.(type) {
	case *array.Int64:
		bitLoop(a, arr.Int64Values(), arr, slots, signs)
	case *array.Int32:
		bitLoop(a, arr.Int32Values(), arr, slots, signs)
	case *array.Int16:
		bitLoop(a, arr.Int16Values(), arr, slots, signs)
	default:
		return sqlstate.Errorf(sqlstate.Internal, "hash aggregate: %s got Arrow %s", a.kind, arr.DataType())
	}
	return nil
}

func bitLoop[T int16 | int32 | int64](a *aggBit, vals []T, arr arrow.Array, slots []int32, signs []int64) {
	nulls := arr.NullN() > 0
	for i, g := range slots {
		if nulls && arr.IsNull(i) {
			continue
		}
		sign := int64(1)
		if signs != nil {
			sign = signs[i]
		}
		a.n[g] += sign
		counts := a.counts[64*int(g) : 64*int(g)+64]
		for v := uint64(int64(vals[i])); v != 0; v &= v - 1 {
			counts[bits.TrailingZeros64(v)] += sign
		}
	}
}

func (a *aggBit) changed(g int32) bool {
	r, null := a.result(g)
	return null != a.prevNull[g] || r != a.prev[g]
}

func (a *aggBit) commit(g int32) { a.prev[g], a.prevNull[g] = a.result(g) }

func (a *aggBit) appendResults(b array.Builder, slots []int32, prev []bool) error {
	for i, g := range slots {
		r, null := a.prev[g], a.prevNull[g]
		if !prev[i] {
			r, null = a.result(g)
		}
		if null {
			b.AppendNull()
			continue
		}
		switch b := b.(type) {
		case *array.Int64Builder:
			b.Append(r)
		case *array.Int32Builder:
			b.Append(int32(r))
		case *array.Int16Builder:
			b.Append(int16(r))
		default:
			return builderMismatch(b, "an integer")
		}
	}
	return nil
}

// appendState writes the non-null count, a mask of the bits with a nonzero
// count, then those counts, lowest bit first (all varints).
func (a *aggBit) appendState(dst []byte, g int32) []byte {
	dst = binary.AppendVarint(dst, a.n[g])
	counts := a.counts[64*int(g) : 64*int(g)+64]
	var mask uint64
	for b, c := range counts {
		if c != 0 {
			mask |= 1 << b
		}
	}
	dst = binary.AppendUvarint(dst, mask)
	for m := mask; m != 0; m &= m - 1 {
		dst = binary.AppendVarint(dst, counts[bits.TrailingZeros64(m)])
	}
	return dst
}

func (a *aggBit) loadState(src []byte, g int32) ([]byte, error) {
	n, src, err := readVarint(src)
	if err != nil {
		return nil, err
	}
	mask, src, err := readUvarint(src)
	if err != nil {
		return nil, err
	}
	counts := a.counts[64*int(g) : 64*int(g)+64]
	clear(counts)
	for m := mask; m != 0; m &= m - 1 {
		var c int64
		if c, src, err = readVarint(src); err != nil {
			return nil, err
		}
		counts[bits.TrailingZeros64(m)] = c
	}
	a.n[g] = n
	a.prev[g], a.prevNull[g] = a.result(g)
	return src, nil
}
