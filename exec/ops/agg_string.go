package ops

import (
	"context"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// aggStringAgg is string_agg(x, sep) with a constant delimiter: per group
// the multiset of x's values (aggValueSets, in the MinMaxTable), so a
// retraction removes exactly one copy. The result joins the values in
// ascending order (byte order of the text; descending with ORDER BY the
// argument DESC), each as often as it occurs
// (once with DISTINCT), with sep between: a view cannot keep its input's
// arrival order, which is what Postgres' string_agg without ORDER BY uses.
// The result is not stored: a group read from state renders its previous
// result from its multiset, read on first use. Owned by its HashAgg.
type aggStringAgg struct {
	sets     aggValueSets
	t        types.T
	sep      string
	distinct bool
	desc     bool // ORDER BY the argument DESC
	// keys are the ORDER BY keys other than the argument: a value is then
	// stored as the keys' encodings followed by its own (ties go by value).
	keys []stringAggKey
	// array makes it array_agg (agg_array.go): NULLs are kept, and a result
	// is the array's encoding (statestore's, without the value marker).
	array bool
	// filter is array_agg's FILTER mask for the next update (see filtered).
	filter *array.Boolean

	prev      []string // committed result
	prevNull  []bool
	prevKnown []bool // prev was rendered (false: the group came from state)
	touched   []bool // the multiset changed since the last commit
	buf       []byte
}

func newAggStringAgg(h *HashAgg, idx int, t types.T, sep string, distinct, desc bool) *aggStringAgg {
	return &aggStringAgg{sets: aggValueSets{h: h, idx: idx}, t: t, sep: sep, distinct: distinct, desc: desc}
}

func (a *aggStringAgg) grow(n int) {
	a.sets.grow(n)
	if grow := n - len(a.prev); grow > 0 {
		a.prev = append(a.prev, make([]string, grow)...)
		a.prevNull = append(a.prevNull, make([]bool, grow)...)
		a.prevKnown = append(a.prevKnown, make([]bool, grow)...)
		a.touched = append(a.touched, make([]bool, grow)...)
	}
}

func (a *aggStringAgg) clear(g int32) {
	a.sets.clear(g)
	a.prev[g], a.prevNull[g], a.prevKnown[g], a.touched[g] = "", true, true, false
}

// knowPrev renders slot g's committed result if it was not yet: its multiset
// has not changed since the commit.
func (a *aggStringAgg) knowPrev(g int32) error {
	if a.prevKnown[g] {
		return nil
	}
	s, null, err := a.render(g)
	if err != nil {
		return err
	}
	a.prev[g], a.prevNull[g], a.prevKnown[g] = s, null, true
	return nil
}

// render returns slot g's current result, reading its multiset from state
// if needed.
func (a *aggStringAgg) render(g int32) (string, bool, error) {
	set, err := a.sets.set(g)
	if err != nil {
		return "", false, err
	}
	if len(set.vals) == 0 {
		return "", true, nil
	}
	if a.array {
		return a.renderArray(set)
	}
	b := array.NewBuilder(a.sets.h.mem, a.t.ArrowType())
	defer b.Release()
	for _, v := range set.vals {
		src, err := a.skipKeys(stringBytes(v))
		if err != nil {
			return "", false, err
		}
		if _, err := statestore.DecodeValue(src, a.t, b); err != nil {
			return "", false, sqlstate.Wrap(sqlstate.Internal, err, "hash aggregate: decoding a string_agg value")
		}
	}
	arr := b.NewArray()
	defer arr.Release()
	strs, ok := arr.(interface{ Value(int) string })
	if !ok {
		return "", false, sqlstate.Errorf(sqlstate.Internal, "hash aggregate: string_agg over Arrow %s", arr.DataType())
	}
	var sb strings.Builder
	first := true
	for j := range set.counts {
		i := j
		if a.desc {
			i = len(set.counts) - 1 - j
		}
		c := set.counts[i]
		if a.distinct {
			c = 1
		}
		for ; c > 0; c-- {
			if !first {
				sb.WriteString(a.sep)
			}
			first = false
			sb.WriteString(strs.Value(i))
		}
	}
	return sb.String(), false, nil
}

func (a *aggStringAgg) update(arr arrow.Array, slots []int32, signs []int64) error {
	return a.updateKeyed(arr, nil, slots, signs)
}

// updateKeyed is update with the ORDER BY keys' columns (nil without keys).
func (a *aggStringAgg) updateKeyed(arr arrow.Array, keys []arrow.Array, slots []int32, signs []int64) error {
	if len(keys) != len(a.keys) {
		return sqlstate.Errorf(sqlstate.Internal, "hash aggregate: string_agg with %d ORDER BY keys got %d", len(a.keys), len(keys))
	}
	enc, err := newHashAggEncoder(a.t, arr)
	if err != nil {
		return err
	}
	nulls := arr.NullN() > 0 && !a.array
	if a.filter != nil {
		defer a.dropFilter()
	}
	for i, g := range slots {
		if nulls && arr.IsNull(i) || a.filter != nil && !(a.filter.IsValid(i) && a.filter.Value(i)) {
			continue
		}
		if err := a.knowPrev(g); err != nil {
			return err
		}
		sign := int64(1)
		if signs != nil {
			sign = signs[i]
		}
		a.buf = enc(a.appendKeys(a.buf[:0], keys, i), i)
		if _, _, err := a.sets.add(g, a.buf, sign); err != nil {
			return err
		}
		a.touched[g] = true
	}
	return nil
}

func (a *aggStringAgg) changed(g int32) bool {
	if !a.touched[g] {
		return false
	}
	s, null, err := a.render(g)
	if err != nil {
		return true // appendResults reports it
	}
	return null != a.prevNull[g] || s != a.prev[g]
}

func (a *aggStringAgg) commit(g int32) {
	if !a.touched[g] {
		return
	}
	a.touched[g] = false
	s, null, err := a.render(g)
	if err != nil {
		a.prevKnown[g] = false
		return
	}
	a.prev[g], a.prevNull[g], a.prevKnown[g] = s, null, true
}

func (a *aggStringAgg) appendResults(b array.Builder, slots []int32, prev []bool) error {
	if a.array {
		return a.appendArrays(b, slots, prev)
	}
	sb, ok := b.(interface{ Append(string) })
	if !ok {
		return builderMismatch(b, "text")
	}
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
		} else {
			sb.Append(s)
		}
	}
	return nil
}

// appendState writes nothing: the values are in the MinMaxTable.
func (a *aggStringAgg) appendState(dst []byte, _ int32) []byte { return dst }

func (a *aggStringAgg) loadState(src []byte, g int32) ([]byte, error) {
	a.sets.unload(g)
	a.prev[g], a.prevNull[g], a.prevKnown[g], a.touched[g] = "", false, false, false
	return src, nil
}

func (a *aggStringAgg) keyPrefix(dst []byte, g int32) []byte { return a.sets.keyPrefix(dst, g) }

func (a *aggStringAgg) flush(w exec.StateWriter, g int32) error { return a.sets.flush(w, g) }

// stringAggKey is one ORDER BY key of a string_agg.
type stringAggKey struct {
	t          types.T
	desc       bool
	nullsFirst bool
}

// Markers before a key's encoding: a NULL sorts before (nulls first) or
// after every value.
const (
	stringAggNullFirst byte = 0
	stringAggKeyValue  byte = 1
	stringAggNullLast  byte = 2
)

// appendKeys appends row i's ORDER BY keys, encoded so that bytes order as
// the keys do (DESC and NULLS FIRST/LAST included).
func (a *aggStringAgg) appendKeys(dst []byte, keys []arrow.Array, i int) []byte {
	for j, k := range a.keys {
		arr := keys[j]
		switch {
		case arr.IsNull(i) && k.nullsFirst:
			dst = append(dst, stringAggNullFirst)
		case arr.IsNull(i):
			dst = append(dst, stringAggNullLast)
		case k.desc:
			dst = statestore.AppendValueDesc(append(dst, stringAggKeyValue), k.t, arr, i)
		default:
			dst = statestore.AppendValue(append(dst, stringAggKeyValue), k.t, arr, i)
		}
	}
	return dst
}

// skipKeys returns src after the ORDER BY keys appendKeys wrote.
func (a *aggStringAgg) skipKeys(src []byte) ([]byte, error) {
	for _, k := range a.keys {
		if len(src) == 0 {
			return nil, sqlstate.Errorf(sqlstate.Internal, "hash aggregate: corrupt string_agg key")
		}
		marker := src[0]
		src = src[1:]
		if marker != stringAggKeyValue {
			continue
		}
		var err error
		if k.desc {
			src, err = statestore.SkipValueDesc(src, k.t)
		} else {
			src, err = statestore.SkipValue(src, k.t)
		}
		if err != nil {
			return nil, sqlstate.Wrap(sqlstate.Internal, err, "hash aggregate: corrupt string_agg key")
		}
	}
	return src, nil
}

// updateOrdered folds the rows of aggregate i, a string_agg with ORDER BY
// keys, into acc: the keys are evaluated over batch and lead each value's
// encoding.
func (h *HashAgg) updateOrdered(ctx context.Context, i int, acc aggAccumulator, arr arrow.Array, batch arrow.RecordBatch, slots []int32, signs []int64) error {
	s, ok := acc.(*aggStringAgg)
	if !ok {
		return sqlstate.Errorf(sqlstate.Internal, "hash aggregate: %s has ORDER BY keys", h.spec.Aggs[i])
	}
	keys := make([]arrow.Array, 0, len(s.keys))
	defer func() {
		for _, k := range keys {
			k.Release()
		}
	}()
	for _, k := range h.spec.Aggs[i].OrderBy {
		v, err := k.Expr.Eval(ctx, h.mem, batch)
		if err != nil {
			return err
		}
		keys = append(keys, v)
	}
	return s.updateKeyed(arr, keys, slots, signs)
}
