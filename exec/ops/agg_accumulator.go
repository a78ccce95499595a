package ops

import (
	"encoding/binary"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// aggAccumulator holds one aggregate's accumulators for every group slot of a
// HashAgg, stored columnar: slices indexed by group slot, updated per batch in
// tight typed loops (never through an interface call per row).
//
// Every accumulator keeps two versions of each slot: the current one, which
// ProcessChunk updates, and the committed one, which is the state as of the
// previous barrier (what the last emitted output row was computed from).
// commit makes the current version the committed one.
//
// An aggAccumulator is owned by its HashAgg and used from its goroutine only.
type aggAccumulator interface {
	// grow makes room for slots [0, n).
	grow(n int)
	// clear empties slot g (both versions): no input rows.
	clear(g int32)
	// update folds row i of arr into slot slots[i] with sign signs[i]
	// (+1 adds, -1 retracts); signs is nil when every row adds. arr is nil
	// for count(*).
	update(arr arrow.Array, slots []int32, signs []int64) error
	// changed reports whether the result of slot g differs between the
	// current and the committed version.
	changed(g int32) bool
	// commit makes the current version of slot g the committed one.
	commit(g int32)
	// appendResults appends, for every i, the result of slot slots[i] (its
	// committed version when prev[i] is set) to b, a builder of the
	// aggregate's result type.
	appendResults(b array.Builder, slots []int32, prev []bool) error
	// appendState appends the encoding of slot g's current version to dst.
	appendState(dst []byte, g int32) []byte
	// loadState decodes slot g from src into both versions and returns the
	// rest of src.
	loadState(src []byte, g int32) ([]byte, error)
}

// newAggAccumulator returns the accumulator of aggregate number idx of h's
// spec, chosen by its kind and argument type.
func newAggAccumulator(h *HashAgg, idx int, a expr.Aggregate) (aggAccumulator, error) {
	if a.Kind == expr.CountStar {
		if a.Filter != nil {
			// Counts the rows where the FILTER holds (see aggInput).
			return &aggCount{}, nil
		}
		return &aggCountStar{h: h}, nil
	}
	if a.Arg == nil {
		return nil, sqlstate.Errorf(sqlstate.Internal, "aggregate %s has no argument", a)
	}
	switch a.Kind {
	case expr.Min, expr.Max, expr.BoolAnd, expr.BoolOr, expr.BitAnd, expr.BitOr:
		// DISTINCT does not change their result.
		a.Distinct = false
	case expr.StringAgg:
		return newStringAggAccumulator(h, idx, a)
	case expr.ArrayAgg:
		return newArrayAggAccumulator(h, idx, a)
	}
	if a.Distinct {
		plain := a
		plain.Distinct = false
		inner, err := newAggAccumulator(h, idx, plain)
		if err != nil {
			return nil, err
		}
		return newAggDistinct(h, idx, a.Arg.Type(), inner), nil
	}
	in := a.Arg.Type()
	switch a.Kind {
	case expr.BoolAnd, expr.BoolOr:
		return &aggBool{or: a.Kind == expr.BoolOr}, nil
	case expr.BitAnd, expr.BitOr, expr.BitXor:
		if !in.IsInteger() || a.Type != in {
			break
		}
		return &aggBit{kind: a.Kind}, nil
	case expr.StddevSamp, expr.StddevPop, expr.VarSamp, expr.VarPop:
		if !in.IsNumeric() || a.Type.Family != types.Float64 {
			break
		}
		return newAggVariance(a.Kind, in), nil
	case expr.Count:
		return &aggCount{}, nil
	case expr.Sum, expr.Avg:
		avg := a.Kind == expr.Avg
		switch {
		case in.IsInteger():
			if avg && a.Type.Family != types.Float64 {
				break
			}
			if !avg && a.Type.Family != types.Int64 && a.Type.Family != types.Numeric {
				break
			}
			return &aggSumInt{in: in, out: a.Type, avg: avg}, nil
		case in.IsFloat():
			if a.Type.Family != types.Float64 && a.Type.Family != types.Float32 {
				break
			}
			return &aggSumFloat{in: in, out: a.Type, avg: avg}, nil
		case in.Family == types.Numeric:
			if a.Type.Family != types.Numeric {
				break
			}
			return &aggSumDecimal{in: in, out: a.Type, avg: avg}, nil
		}
		name := "sum"
		if avg {
			name = "avg"
		}
		return nil, sqlstate.Errorf(sqlstate.UndefinedFunction, "function %s(%s) returning %s is not supported", name, in, a.Type)
	case expr.Min, expr.Max:
		if a.Type != in {
			return nil, sqlstate.Errorf(sqlstate.Internal, "aggregate %s: result type %s differs from argument type %s", a, a.Type, in)
		}
		return newAggMinMax(h, idx, a.Kind == expr.Max, in), nil
	}
	return nil, sqlstate.Errorf(sqlstate.Internal, "hash aggregate: cannot compute %s returning %s", a, a.Type)
}

// newStringAggAccumulator returns the accumulator of string_agg a, whose
// delimiter must be a constant.
func newStringAggAccumulator(h *HashAgg, idx int, a expr.Aggregate) (aggAccumulator, error) {
	c, ok := a.Sep.(*expr.Const)
	if !ok {
		return nil, sqlstate.Errorf(sqlstate.FeatureNotSupported, "string_agg with a delimiter that is not a constant is not supported in materialized views")
	}
	sep := ""
	if v, ok := c.Value().(string); ok {
		sep = v
	} else if !c.IsNull() {
		return nil, sqlstate.Errorf(sqlstate.Internal, "hash aggregate: string_agg delimiter %s", c)
	}
	if a.Arg.Type().Family != types.Text || a.Type.Family != types.Text {
		return nil, sqlstate.Errorf(sqlstate.Internal, "hash aggregate: string_agg of %s returning %s", a.Arg.Type(), a.Type)
	}
	s := newAggStringAgg(h, idx, a.Arg.Type(), sep, a.Distinct, a.Order == expr.OrderByValueDesc)
	for _, k := range a.OrderBy {
		s.keys = append(s.keys, stringAggKey{t: k.Expr.Type(), desc: k.Desc, nullsFirst: k.NullsFirst})
	}
	return s, nil
}

// growInt64s extends s to length n with zeros.
func growInt64s(s []int64, n int) []int64 {
	if len(s) >= n {
		return s
	}
	return append(s, make([]int64, n-len(s))...)
}

// growFloat64s extends s to length n with zeros.
func growFloat64s(s []float64, n int) []float64 {
	if len(s) >= n {
		return s
	}
	return append(s, make([]float64, n-len(s))...)
}

// readVarint decodes a varint from src for the accumulator state codec.
func readVarint(src []byte) (int64, []byte, error) {
	v, n := binary.Varint(src)
	if n <= 0 {
		return 0, nil, fmt.Errorf("hash aggregate: corrupt accumulator state")
	}
	return v, src[n:], nil
}

// readUvarint decodes a uvarint from src for the accumulator state codec.
func readUvarint(src []byte) (uint64, []byte, error) {
	v, n := binary.Uvarint(src)
	if n <= 0 {
		return 0, nil, fmt.Errorf("hash aggregate: corrupt accumulator state")
	}
	return v, src[n:], nil
}

// builderMismatch is the error of an output builder of an unexpected type.
func builderMismatch(b array.Builder, want string) error {
	return sqlstate.Errorf(sqlstate.Internal, "hash aggregate: output builder is %T, want %s", b, want)
}
