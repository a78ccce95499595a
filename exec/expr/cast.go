package expr

import (
	"context"
	"fmt"
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// castExpr converts its operand to another type. Immutable.
type castExpr struct {
	e        Expr
	t        types.T
	explicit bool
}

// Cast returns the explicit cast e::t (CAST(e AS t)). Every sensible pair is
// allowed: between all number types, numbers and boolean (integers only),
// date and timestamps, and text to and from every type (with the target
// type's input rules: 22P02 `invalid input syntax for type integer: "abc"`).
// Float to integer rounds half to even (Postgres uses rint), numeric to
// integer and numeric rescaling round half away from zero; out-of-range values
// are 22003. A cast between incompatible types is 42804 `cannot cast type X
// to Y`.
func Cast(e Expr, t types.T) (Expr, error) { return newCast(e, t, true) }

// Coerce returns e converted to t in assignment context (INSERT values into
// columns, UNION and CASE arms after CommonType): unknown literals become any
// type; numbers convert to any number type (narrowing is range-checked at
// run time); date and timestamps convert among themselves; anything converts
// to text. Other pairs are 42804 `column is of type X but expression is of
// type Y`-style errors: `cannot coerce type X to Y`.
func Coerce(e Expr, t types.T) (Expr, error) { return newCast(e, t, false) }

func newCast(e Expr, t types.T, explicit bool) (Expr, error) {
	from := e.Type()
	if from == t {
		return e, nil
	}
	if c, ok := e.(*Const); ok && c.t.Family == types.Unknown {
		if c.unknown {
			return ParseConstant(c.text, t)
		}
		return Null(t), nil
	}
	if t.Family == types.Unknown {
		return nil, sqlstate.Errorf(sqlstate.DatatypeMismatch, "cannot cast type %s to unknown", from)
	}
	if !castAllowed(from, t, explicit) {
		if explicit {
			return nil, sqlstate.Errorf(sqlstate.DatatypeMismatch, "cannot cast type %s to %s", from, t)
		}
		return nil, sqlstate.Errorf(sqlstate.DatatypeMismatch, "cannot coerce type %s to %s", from, t).
			WithHint("You will need to rewrite or cast the expression.")
	}
	if c, ok := e.(*Const); ok {
		// A cast of a constant is done now, as Postgres does at plan time.
		if c.v == nil {
			return Null(t), nil
		}
		v, err := convertValue(c.v, from, t)
		if err != nil {
			return nil, err
		}
		return &Const{t: t, v: v}, nil
	}
	return &castExpr{e: e, t: t, explicit: explicit}, nil
}

// castAllowed reports whether a cast from → to exists in the given context.
func castAllowed(from, to types.T, explicit bool) bool {
	if from.IsArray() && to.IsArray() {
		return castAllowed(from.ElemType(), to.ElemType(), explicit)
	}
	if from.Family == to.Family && from.Family != types.Numeric {
		return true
	}
	switch {
	case from.Family == types.Unknown:
		return true
	case from.IsNumeric() && to.IsNumeric():
		return true
	case from.IsTemporal() && to.IsTemporal():
		return !(to.Family == types.Date && from.Family == types.Date)
	case to.Family == types.Text:
		return true
	}
	if !explicit {
		return false
	}
	switch {
	case from.Family == types.Text:
		return true
	case from.Family == types.Bool && to.IsInteger(), from.IsInteger() && to.Family == types.Bool:
		return true
	case from.Family == types.JSONB && to.Family == types.Text:
		return true
	}
	return false
}

func (c *castExpr) Type() types.T               { return c.t }
func (c *castExpr) Children() []Expr            { return []Expr{c.e} }
func (c *castExpr) withChildren(ch []Expr) Expr { d := *c; d.e = ch[0]; return &d }
func (c *castExpr) String() string              { return fmt.Sprintf("CAST(%s AS %s)", c.e, c.t.SQL()) }
func (c *castExpr) Eval(ctx context.Context, mem memory.Allocator, batch arrow.RecordBatch) (arrow.Array, error) {
	a, err := c.e.Eval(ctx, mem, batch)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	return castArray(mem, a, c.e.Type(), c.t)
}

// castArray converts a (of SQL type from; borrowed) to a new array of type to.
func castArray(mem memory.Allocator, a arrow.Array, from, to types.T) (arrow.Array, error) {
	if from == to {
		a.Retain()
		return a, nil
	}
	n := a.Len()
	if from.Family == types.Unknown && a.DataType().ID() == arrow.NULL {
		return broadcast(mem, to, nil, n), nil
	}
	// Fast paths without boxing for the common widening casts.
	switch src := a.(type) {
	case *array.Int32:
		switch to.Family {
		case types.Int64:
			return mapFixed(mem, src, array.NewInt64Builder(mem), func(v int32) int64 { return int64(v) }), nil
		case types.Float64:
			return mapFixed(mem, src, array.NewFloat64Builder(mem), func(v int32) float64 { return float64(v) }), nil
		case types.Numeric:
			if to.Scale >= 0 && to.Scale <= 18 {
				return intsToNumeric(mem, src, to)
			}
		}
	case *array.Int16:
		switch to.Family {
		case types.Int32:
			return mapFixed(mem, src, array.NewInt32Builder(mem), func(v int16) int32 { return int32(v) }), nil
		case types.Int64:
			return mapFixed(mem, src, array.NewInt64Builder(mem), func(v int16) int64 { return int64(v) }), nil
		}
	case *array.Int64:
		if to.Family == types.Float64 {
			return mapFixed(mem, src, array.NewFloat64Builder(mem), func(v int64) float64 { return float64(v) }), nil
		}
		if to.Family == types.Numeric && to.Scale >= 0 && to.Scale <= 18 {
			return intsToNumeric(mem, src, to)
		}
	case *array.Float32:
		if to.Family == types.Float64 {
			return mapFixed(mem, src, array.NewFloat64Builder(mem), func(v float32) float64 { return float64(v) }), nil
		}
	}
	b := newBuilder(mem, to, n)
	defer b.Release()
	for i := range n {
		v := valueAt(a, i)
		if v == nil {
			b.AppendNull()
			continue
		}
		if from.Family == types.Unknown {
			from = types.TextType
		}
		out, err := convertValue(v, from, to)
		if err != nil {
			return nil, err
		}
		appendValue(b, out)
	}
	return b.NewArray(), nil
}

// intsToNumeric casts integers to a numeric type of scale 0 to 18 without
// boxing them: each value times 10^scale in 128-bit words, checked against
// the precision as numericFromInt checks it.
func intsToNumeric[T int16 | int32 | int64](mem memory.Allocator, a fixedArray[T], to types.T) (arrow.Array, error) {
	mult := decimal128.GetScaleMultiplier(int(to.Scale))
	return unaryFixed(mem, to.ArrowType(), a, func(x T) (decimal128.Num, error) {
		v := decimal128.FromI64(int64(x)).Mul(mult)
		if !v.FitsInPrecision(to.Precision) {
			_, err := numericFromInt(int64(x), to)
			return v, err
		}
		return v, nil
	})
}

// fixedArray is an Arrow array of fixed-width values.
type fixedArray[T any] interface {
	arrow.Array
	Values() []T
}

// fixedBuilder is an Arrow builder of fixed-width values.
type fixedBuilder[T any] interface {
	array.Builder
	AppendValues(v []T, valid []bool)
	NewArray() arrow.Array
}

// mapFixed applies f to every value of src (NULL slots included, which is
// harmless for total functions) and keeps src's validity.
func mapFixed[S, D any](mem memory.Allocator, src fixedArray[S], b fixedBuilder[D], f func(S) D) arrow.Array {
	defer b.Release()
	vals := src.Values()
	out := make([]D, len(vals))
	for i, v := range vals {
		out[i] = f(v)
	}
	var valid []bool
	if src.NullN() > 0 {
		valid = make([]bool, len(vals))
		for i := range valid {
			valid[i] = src.IsValid(i)
		}
	}
	b.AppendValues(out, valid)
	return b.NewArray()
}

// convertValue converts the non-NULL value v of type from to type to.
func convertValue(v any, from, to types.T) (any, error) {
	if from == to {
		return v, nil
	}
	if to.Family == types.Text {
		return formatValue(v, from), nil
	}
	if from.Family == types.Array && to.Family == types.Array {
		return convertArray(v.([]any), from, to)
	}
	if from.Family == types.Text || from.Family == types.Unknown || from.Family == types.JSONB {
		return parseValue(v.(string), to)
	}
	switch {
	case from.IsInteger():
		x := v.(int64)
		switch {
		case to.IsInteger():
			return x, checkIntRange(x, to)
		case to.Family == types.Float32:
			return float64(float32(x)), nil
		case to.Family == types.Float64:
			return float64(x), nil
		case to.Family == types.Numeric:
			return numericFromInt(x, to)
		case to.Family == types.Bool:
			return x != 0, nil
		}
	case from.IsFloat():
		f := v.(float64)
		switch {
		case to.IsInteger():
			r := math.RoundToEven(f)
			if math.IsNaN(r) || r < -9.223372036854775808e18 || r >= 9.223372036854775808e18 {
				return nil, outOfRange(to)
			}
			x := int64(r)
			return x, checkIntRange(x, to)
		case to.Family == types.Float32:
			if !math.IsInf(f, 0) && math.Abs(f) > math.MaxFloat32 {
				return nil, sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "value out of range: overflow")
			}
			return float64(float32(f)), nil
		case to.Family == types.Float64:
			return f, nil
		case to.Family == types.Numeric:
			return numericFromFloat(f, to)
		}
	case from.Family == types.Numeric:
		d := v.(decimal128.Num)
		switch {
		case to.IsInteger():
			r := shiftRound(d.BigInt(), -int(from.Scale))
			if !r.IsInt64() {
				return nil, outOfRange(to)
			}
			x := r.Int64()
			return x, checkIntRange(x, to)
		case to.IsFloat():
			return numericToFloat(d, from.Scale, to.Family == types.Float32), nil
		case to.Family == types.Numeric:
			return numericFromBig(shiftRound(d.BigInt(), int(to.Scale-from.Scale)), to)
		}
	case from.Family == types.Bool:
		if to.IsInteger() {
			if v.(bool) {
				return int64(1), nil
			}
			return int64(0), nil
		}
	case from.Family == types.Date:
		if to.Family == types.Timestamp || to.Family == types.TimestampTZ {
			return int64(v.(int32)) * 86400e6, nil
		}
	case from.Family == types.Timestamp || from.Family == types.TimestampTZ:
		us := v.(int64)
		switch to.Family {
		case types.Date:
			return int32(floorDiv(us, 86400e6)), nil
		case types.Timestamp, types.TimestampTZ:
			return us, nil
		}
	}
	return nil, sqlstate.Errorf(sqlstate.DatatypeMismatch, "cannot cast type %s to %s", from, to)
}

// category groups types for CommonType: values of one category can be
// resolved to a common type.
func category(t types.T) int {
	switch {
	case t.IsNumeric():
		return 1
	case t.IsTemporal():
		return 2
	}
	return 10 + int(t.Family)
}

// numericRank orders number types by Postgres' implicit promotion.
func numericRank(t types.T) int {
	switch t.Family {
	case types.Int16:
		return 1
	case types.Int32:
		return 2
	case types.Int64:
		return 3
	case types.Numeric:
		return 4
	case types.Float32:
		return 5
	case types.Float64:
		return 6
	}
	return 0
}

// integerDigits is the number of digits left of the point an exact number
// type can hold.
func integerDigits(t types.T) int32 {
	switch t.Family {
	case types.Int16:
		return 5
	case types.Int32:
		return 10
	case types.Int64:
		return 19
	case types.Numeric:
		return t.Precision - t.Scale
	}
	return 0
}

// CommonType returns the type values of types ts resolve to in UNION, CASE,
// IN, COALESCE, GREATEST and LEAST, following Postgres: unknowns take the
// type of the others (all unknown: TEXT); numbers promote along
// smallint < integer < bigint < numeric < real < double precision (a common
// NUMERIC keeps the largest integer digits and the largest scale); date <
// timestamp < timestamptz; other types must be equal. A mix of categories is
// 42804 `types integer and text cannot be matched`.
func CommonType(ts []types.T) (types.T, error) {
	var out types.T
	found := false
	for _, t := range ts {
		if t.Family == types.Unknown {
			continue
		}
		if !found {
			out, found = t, true
			continue
		}
		if category(t) != category(out) {
			return types.T{}, sqlstate.Errorf(sqlstate.DatatypeMismatch, "types %s and %s cannot be matched", out, t)
		}
		switch {
		case t.IsNumeric():
			out = commonNumber(out, t)
		case t.IsTemporal():
			if t.Family > out.Family {
				out = t
			}
		case t.IsArray():
			elem, err := CommonType([]types.T{out.ElemType(), t.ElemType()})
			if err != nil {
				return types.T{}, sqlstate.Errorf(sqlstate.DatatypeMismatch, "types %s and %s cannot be matched", out, t)
			}
			out = types.ArrayOf(elem)
		}
	}
	if !found {
		return types.TextType, nil
	}
	return out, nil
}

// commonNumber returns the common type of two number types.
func commonNumber(a, b types.T) types.T {
	if numericRank(b) > numericRank(a) {
		a, b = b, a
	}
	if a.Family != types.Numeric {
		return a
	}
	scale := a.Scale
	if b.Family == types.Numeric {
		scale = max(scale, b.Scale)
	}
	digits := max(integerDigits(a), integerDigits(b))
	return types.NumericType(min(types.NumericMaxPrecision, digits+scale), scale)
}

// numericToFloat converts the decimal d of the given scale to the nearest
// float64 (or float32 when single), as Postgres does: through the decimal
// text, so 0.3 becomes the double nearest 0.3 rather than 3 × 0.1 rounded
// twice, which decimal128.Num.ToFloat64 gives.
func numericToFloat(d decimal128.Num, scale int32, single bool) float64 {
	bits := 64
	if single {
		bits = 32
	}
	// ToString always yields a valid decimal; beyond the float range
	// ParseFloat returns ±Inf with an error, and ±Inf is the answer.
	f, _ := strconv.ParseFloat(d.ToString(scale), bits)
	return f
}
