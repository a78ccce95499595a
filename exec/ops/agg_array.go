package ops

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// newArrayAggAccumulator returns the accumulator of array_agg a: string_agg's
// (aggStringAgg) with NULLs kept and the values made into an array. Like
// string_agg's, the group's multiset of values is its state, so a
// retraction removes exactly one copy; without ORDER BY the elements come in
// ascending order (a view cannot keep its input's arrival order), with
// ORDER BY in its order, NULLs last ascending and first descending.
func newArrayAggAccumulator(h *HashAgg, idx int, a expr.Aggregate) (aggAccumulator, error) {
	if !a.Type.IsArray() || a.Type.ElemType() != a.Arg.Type() {
		return nil, sqlstate.Errorf(sqlstate.Internal, "hash aggregate: array_agg of %s returning %s", a.Arg.Type(), a.Type)
	}
	s := newAggStringAgg(h, idx, a.Arg.Type(), "", a.Distinct, a.Order == expr.OrderByValueDesc)
	s.array = true
	for _, k := range a.OrderBy {
		s.keys = append(s.keys, stringAggKey{t: k.Expr.Type(), desc: k.Desc, nullsFirst: k.NullsFirst})
	}
	return s, nil
}

// renderArray returns the array set holds, as its statestore encoding.
func (a *aggStringAgg) renderArray(set *minMaxSet) (string, bool, error) {
	var body []byte
	var nulls int64 // NULLs of an array ordered by its values, put at the end Postgres puts them
	n := len(set.vals)
	for j := range n {
		i := j
		if a.desc {
			i = n - 1 - j
		}
		v, err := a.skipKeys(stringBytes(set.vals[i]))
		if err != nil {
			return "", false, sqlstate.Wrap(sqlstate.Internal, err, "hash aggregate: decoding an array_agg value")
		}
		c := set.counts[i]
		if a.distinct {
			c = 1
		}
		if len(a.keys) == 0 && len(v) == 1 && v[0] == 0 { // statestore's NULL
			nulls += c
			continue
		}
		for ; c > 0; c-- {
			body = statestore.AppendArrayElement(body, v)
		}
	}
	out := statestore.StartArray(nil)
	if !a.desc {
		out = append(out, body...)
	}
	for ; nulls > 0; nulls-- {
		out = statestore.AppendArrayElement(out, []byte{0})
	}
	if a.desc {
		out = append(out, body...)
	}
	return string(statestore.EndArray(out)), false, nil
}

// appendArrays is appendResults of array_agg: each result decoded from its
// encoding into b, a list builder.
func (a *aggStringAgg) appendArrays(b array.Builder, slots []int32, prev []bool) error {
	at := types.ArrayOf(a.t)
	for i, g := range slots {
		var s string
		var null bool
		if prev[i] || !a.touched[g] {
			if err := a.knowPrev(g); err != nil {
				return err
			}
			s, null = a.prev[g], a.prevNull[g]
		} else {
			var err error
			if s, null, err = a.render(g); err != nil {
				return err
			}
		}
		if null {
			b.AppendNull()
			continue
		}
		if _, err := statestore.DecodeValue(stringBytes(s), at, b); err != nil {
			return sqlstate.Wrap(sqlstate.Internal, err, "hash aggregate: decoding an array_agg result")
		}
	}
	return nil
}

// filtered keeps mask, array_agg's FILTER condition over the rows of arr,
// for the next update, which skips the rows where it is not true, and
// returns arr (retained): array_agg keeps NULL values, so FILTER cannot make
// the rows it drops NULL as it does for the other aggregates.
func (a *aggStringAgg) filtered(arr, mask arrow.Array) (arrow.Array, error) {
	m, ok := mask.(*array.Boolean)
	if !ok {
		return nil, sqlstate.Errorf(sqlstate.Internal, "hash aggregate: FILTER evaluated to %s", mask.DataType())
	}
	a.dropFilter()
	m.Retain()
	a.filter = m
	arr.Retain()
	return arr, nil
}

// dropFilter releases the FILTER mask filtered kept.
func (a *aggStringAgg) dropFilter() {
	if a.filter != nil {
		a.filter.Release()
		a.filter = nil
	}
}
