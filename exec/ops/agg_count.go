package ops

import (
	"encoding/binary"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// aggCount is count(x): the number of non-null values of x per group,
// retractions subtracting. Owned by its HashAgg.
type aggCount struct {
	cur, prev []int64
}

func (a *aggCount) grow(n int) {
	a.cur = growInt64s(a.cur, n)
	a.prev = growInt64s(a.prev, n)
}

func (a *aggCount) clear(g int32) { a.cur[g], a.prev[g] = 0, 0 }

func (a *aggCount) update(arr arrow.Array, slots []int32, signs []int64) error {
	cur := a.cur
	if arr.NullN() == 0 {
		if signs == nil {
			for _, g := range slots {
				cur[g]++
			}
		} else {
			for i, g := range slots {
				cur[g] += signs[i]
			}
		}
		return nil
	}
	for i, g := range slots {
		if arr.IsValid(i) {
			if signs == nil {
				cur[g]++
			} else {
				cur[g] += signs[i]
			}
		}
	}
	return nil
}

// add adds signs[i] to the count of slot slots[i], for every i: the
// update of non-null values, without them.
func (a *aggCount) add(slots []int32, signs []int64) {
	cur := a.cur
	for i, g := range slots {
		cur[g] += signs[i]
	}
}

func (a *aggCount) changed(g int32) bool { return a.cur[g] != a.prev[g] }
func (a *aggCount) commit(g int32)       { a.prev[g] = a.cur[g] }

func (a *aggCount) appendResults(b array.Builder, slots []int32, prev []bool) error {
	return appendInt64Results(b, a.cur, a.prev, slots, prev)
}

// appendInt64Results appends cur[g] or prev[g] of every slot to b, a bigint
// builder.
func appendInt64Results(b array.Builder, cur, prevVals []int64, slots []int32, prev []bool) error {
	ib, ok := b.(*array.Int64Builder)
	if !ok {
		return builderMismatch(b, "bigint")
	}
	ib.Reserve(len(slots))
	for i, g := range slots {
		if prev[i] {
			ib.UnsafeAppend(prevVals[g])
		} else {
			ib.UnsafeAppend(cur[g])
		}
	}
	return nil
}

func (a *aggCount) appendState(dst []byte, g int32) []byte {
	return binary.AppendVarint(dst, a.cur[g])
}

func (a *aggCount) loadState(src []byte, g int32) ([]byte, error) {
	v, rest, err := readVarint(src)
	if err != nil {
		return nil, err
	}
	a.cur[g], a.prev[g] = v, v
	return rest, nil
}

// aggCountStar is count(*): the group's hidden row count, which the HashAgg
// keeps anyway, so it has no state of its own. Owned by its HashAgg.
type aggCountStar struct {
	h *HashAgg
}

func (a *aggCountStar) grow(int)                                      {}
func (a *aggCountStar) clear(int32)                                   {}
func (a *aggCountStar) update(arrow.Array, []int32, []int64) error    { return nil }
func (a *aggCountStar) changed(g int32) bool                          { return a.h.rows[g] != a.h.prevRows[g] }
func (a *aggCountStar) commit(int32)                                  {}
func (a *aggCountStar) appendState(dst []byte, _ int32) []byte        { return dst }
func (a *aggCountStar) loadState(src []byte, _ int32) ([]byte, error) { return src, nil }

func (a *aggCountStar) appendResults(b array.Builder, slots []int32, prev []bool) error {
	return appendInt64Results(b, a.h.rows, a.h.prevRows, slots, prev)
}
