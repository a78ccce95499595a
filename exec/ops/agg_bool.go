package ops

import (
	"encoding/binary"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/sql/sqlstate"
)

// aggBool is bool_and(x) (also every(x)) and bool_or(x): per group the
// number of true and of false values of x, retractions subtracting, so a
// retraction never needs the other values. bool_and is true when there is no
// false, bool_or when there is a true; both are NULL without a non-null
// value. Owned by its HashAgg.
type aggBool struct {
	or            bool
	trues, falses []int64
	prev          []int8 // committed result: boolNull, boolFalse or boolTrue
}

const (
	boolNull int8 = iota
	boolFalse
	boolTrue
)

func (a *aggBool) grow(n int) {
	a.trues = growInt64s(a.trues, n)
	a.falses = growInt64s(a.falses, n)
	if grow := n - len(a.prev); grow > 0 {
		a.prev = append(a.prev, make([]int8, grow)...)
	}
}

func (a *aggBool) clear(g int32) { a.trues[g], a.falses[g], a.prev[g] = 0, 0, boolNull }

// result returns slot g's current result.
func (a *aggBool) result(g int32) int8 {
	t, f := a.trues[g], a.falses[g]
	switch {
	case t+f <= 0:
		return boolNull
	case a.or && t > 0, !a.or && f <= 0:
		return boolTrue
	}
	return boolFalse
}

func (a *aggBool) update(arr arrow.Array, slots []int32, signs []int64) error {
	b, ok := arr.(*array.Boolean)
	if !ok {
		return sqlstate.Errorf(sqlstate.Internal, "hash aggregate: bool_and/bool_or got Arrow %s", arr.DataType())
	}
	nulls := arr.NullN() > 0
	for i, g := range slots {
		if nulls && arr.IsNull(i) {
			continue
		}
		sign := int64(1)
		if signs != nil {
			sign = signs[i]
		}
		if b.Value(i) {
			a.trues[g] += sign
		} else {
			a.falses[g] += sign
		}
	}
	return nil
}

func (a *aggBool) changed(g int32) bool { return a.result(g) != a.prev[g] }
func (a *aggBool) commit(g int32)       { a.prev[g] = a.result(g) }

func (a *aggBool) appendResults(b array.Builder, slots []int32, prev []bool) error {
	bb, ok := b.(*array.BooleanBuilder)
	if !ok {
		return builderMismatch(b, "boolean")
	}
	for i, g := range slots {
		r := a.prev[g]
		if !prev[i] {
			r = a.result(g)
		}
		if r == boolNull {
			bb.AppendNull()
		} else {
			bb.Append(r == boolTrue)
		}
	}
	return nil
}

func (a *aggBool) appendState(dst []byte, g int32) []byte {
	return binary.AppendVarint(binary.AppendVarint(dst, a.trues[g]), a.falses[g])
}

func (a *aggBool) loadState(src []byte, g int32) ([]byte, error) {
	t, src, err := readVarint(src)
	if err != nil {
		return nil, err
	}
	f, src, err := readVarint(src)
	if err != nil {
		return nil, err
	}
	a.trues[g], a.falses[g] = t, f
	a.prev[g] = a.result(g)
	return src, nil
}
