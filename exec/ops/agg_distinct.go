package ops

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// aggDistinct is agg(DISTINCT x): a per-group multiset of x's values
// (aggDistinctSets) in front of the plain accumulator of agg. A value reaches
// the inner accumulator when its count goes from 0 to positive (adding it)
// and leaves it when its count returns to 0 (retracting it), so the inner
// accumulator sees each distinct value once, correct under retractions.
// The ResultTable holds the inner accumulator's state; the multiset is in
// the MinMaxTable. Owned by its HashAgg.
type aggDistinct struct {
	sets   *aggDistinctSets // shared by the DISTINCT aggregates over one column
	member int              // this aggregate's counts in sets
	inner  aggAccumulator
	t      types.T

	buf   []byte
	vals  []string // the values crossing 0 in one update, encoded
	ints  []int64  // the same, of a BIGINT column
	slots []int32
	signs []int64
}

func newAggDistinct(h *HashAgg, idx int, t types.T, inner aggAccumulator) *aggDistinct {
	sets := &aggDistinctSets{h: h, idx: idx, members: 1, intValues: t.Family == types.Int64}
	return &aggDistinct{sets: sets, inner: inner, t: t}
}

func (a *aggDistinct) grow(n int) {
	a.sets.grow(n)
	a.inner.grow(n)
}

func (a *aggDistinct) clear(g int32) {
	a.sets.clear(g)
	a.inner.clear(g)
}

func (a *aggDistinct) update(arr arrow.Array, slots []int32, signs []int64) error {
	if a.sets.intValues {
		return a.updateInts(arr, slots, signs)
	}
	enc, err := newHashAggEncoder(a.t, arr)
	if err != nil {
		return err
	}
	nulls := arr.NullN() > 0
	a.vals, a.slots, a.signs = a.vals[:0], a.slots[:0], a.signs[:0]
	for i, g := range slots {
		if nulls && arr.IsNull(i) {
			continue
		}
		sign := int64(1)
		if signs != nil {
			sign = signs[i]
		}
		a.buf = enc(a.buf[:0], i)
		before, after, err := a.sets.add(g, a.member, a.buf, sign)
		if err != nil {
			return err
		}
		switch {
		case before == 0 && after > 0:
			sign = 1
		case before > 0 && after == 0:
			sign = -1
		default:
			continue
		}
		a.vals = append(a.vals, string(a.buf))
		a.slots = append(a.slots, g)
		a.signs = append(a.signs, sign)
	}
	if len(a.vals) == 0 {
		return nil
	}
	if c, ok := a.inner.(*aggCount); ok {
		c.add(a.slots, a.signs)
		return nil
	}
	b := array.NewBuilder(a.sets.h.mem, a.t.ArrowType())
	defer b.Release()
	b.Reserve(len(a.vals))
	for _, v := range a.vals {
		if _, err := statestore.DecodeValue(stringBytes(v), a.t, b); err != nil {
			return sqlstate.Wrap(sqlstate.Internal, err, "hash aggregate: decoding a DISTINCT value")
		}
	}
	vals := b.NewArray()
	defer vals.Release()
	return a.inner.update(vals, a.slots, a.signs)
}

// updateInts is update over a BIGINT column: its values are counted as
// int64 and the inner accumulator gets those crossing 0 as an Int64 array.
func (a *aggDistinct) updateInts(arr arrow.Array, slots []int32, signs []int64) error {
	ints, ok := arr.(*array.Int64)
	if !ok {
		return sqlstate.Errorf(sqlstate.Internal, "hash aggregate: column of type %s is Arrow %s", a.t, arr.DataType())
	}
	vs := ints.Int64Values()
	nulls := arr.NullN() > 0
	a.sets.beginRows(a.member, len(slots))
	if err := a.sets.resolveInts(ints, slots); err != nil {
		return err
	}
	a.ints, a.slots, a.signs = a.ints[:0], a.slots[:0], a.signs[:0]
	for i, g := range slots {
		if nulls && arr.IsNull(i) {
			continue
		}
		sign := int64(1)
		if signs != nil {
			sign = signs[i]
		}
		before, after, err := a.sets.addInt(g, a.member, sign, i)
		if err != nil {
			return err
		}
		switch {
		case before == 0 && after > 0:
			sign = 1
		case before > 0 && after == 0:
			sign = -1
		default:
			continue
		}
		a.ints = append(a.ints, vs[i])
		a.slots = append(a.slots, g)
		a.signs = append(a.signs, sign)
	}
	if len(a.ints) == 0 {
		return nil
	}
	if c, ok := a.inner.(*aggCount); ok {
		// count(DISTINCT) needs no values, only which group each
		// crossing is of.
		c.add(a.slots, a.signs)
		return nil
	}
	b := array.NewInt64Builder(a.sets.h.mem)
	defer b.Release()
	b.AppendValues(a.ints, nil)
	vals := b.NewArray()
	defer vals.Release()
	return a.inner.update(vals, a.slots, a.signs)
}

func (a *aggDistinct) changed(g int32) bool { return a.inner.changed(g) }
func (a *aggDistinct) commit(g int32)       { a.inner.commit(g) }

func (a *aggDistinct) appendResults(b array.Builder, slots []int32, prev []bool) error {
	return a.inner.appendResults(b, slots, prev)
}

func (a *aggDistinct) appendState(dst []byte, g int32) []byte { return a.inner.appendState(dst, g) }

func (a *aggDistinct) loadState(src []byte, g int32) ([]byte, error) {
	a.sets.unload(g)
	return a.inner.loadState(src, g)
}

func (a *aggDistinct) keyPrefix(dst []byte, g int32) []byte { return a.sets.keyPrefix(dst, g) }

func (a *aggDistinct) flush(w exec.StateWriter, g int32) error { return a.sets.flush(w, g) }

// shareDistinct makes acc, when it is a DISTINCT aggregate over the same
// argument column as an earlier one (the planner projects such an argument
// once), a member of that one's multiset, and reports whether it did: acc
// then has no side table of its own to flush.
func (h *HashAgg) shareDistinct(leaders map[int]*aggDistinct, acc aggAccumulator, a expr.Aggregate) bool {
	d, ok := acc.(*aggDistinct)
	if !ok {
		return false
	}
	col, ok := a.Arg.(*expr.ColumnRef)
	if !ok {
		return false
	}
	leader, ok := leaders[col.Index()]
	if !ok {
		leaders[col.Index()] = d
		return false
	}
	d.sets = leader.sets
	d.member = leader.sets.members
	leader.sets.members++
	return true
}
