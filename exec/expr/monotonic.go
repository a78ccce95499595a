package expr

import (
	"context"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/types"
)

// NonDecreasingIn reports whether e, as a function of input column col, never
// decreases when col increases, whatever the other columns are: col itself,
// col ± a constant (timestamp ± interval, date ± integer, integer ±
// integer), a constant + col, and date_trunc(unit, col) or
// date_bin(stride, col, origin) with constant unit, stride and origin. A
// watermark on col then maps to one on e (Map).
func NonDecreasingIn(e Expr, col int) bool {
	switch e := e.(type) {
	case *ColumnRef:
		return e.index == col
	case *arithExpr:
		switch e.kind {
		case arithTSInterval, arithDateInt, arithInt:
			if e.op == sql.OpSub || e.op == sql.OpAdd {
				if IsConstant(e.r) && NonDecreasingIn(e.l, col) {
					return true
				}
			}
			return e.op == sql.OpAdd && IsConstant(e.l) && NonDecreasingIn(e.r, col)
		case arithIntervalTS, arithIntDate:
			return e.op == sql.OpAdd && IsConstant(e.l) && NonDecreasingIn(e.r, col)
		}
	case *funcExpr:
		switch e.name {
		case "date_trunc":
			return len(e.args) == 2 && IsConstant(e.args[0]) && NonDecreasingIn(e.args[1], col)
		case "date_bin":
			return len(e.args) == 3 && IsConstant(e.args[0]) && IsConstant(e.args[2]) && NonDecreasingIn(e.args[1], col)
		}
	}
	return false
}

// WatermarkValue reports whether values of type t can carry a watermark,
// and the int64 form Map reads and writes them in: microseconds for
// timestamps, days for dates, the integer itself.
func WatermarkValue(t types.T) bool {
	switch t.Family {
	case types.Timestamp, types.TimestampTZ, types.Date, types.Int16, types.Int32, types.Int64:
		return true
	}
	return false
}

// Map evaluates e with column col set to v, for e NonDecreasingIn col: the
// watermark on e's value that a watermark v on col implies. ok is false
// when the result is NULL, does not fit, or a type carries no watermark.
func Map(ctx context.Context, mem memory.Allocator, e Expr, col int, v int64) (int64, bool) {
	ref := columnRefOf(e, col)
	if ref == nil {
		return 0, false
	}
	in := ref.t
	if !WatermarkValue(in) || !WatermarkValue(e.Type()) {
		return 0, false
	}
	// A watermark past the column type's range narrows to the range's end:
	// every value of the type is at or above its minimum, and none is above
	// its maximum, so the promise stays true (a wrapped value would not).
	var cv any = v
	switch in.Family {
	case types.Date, types.Int32:
		cv = int32(min(max(v, math.MinInt32), math.MaxInt32))
	case types.Int16:
		cv = int16(min(max(v, math.MinInt16), math.MaxInt16))
	}
	c, err := Constant(cv, in)
	if err != nil {
		return 0, false
	}
	bound := Substitute(e, func(r *ColumnRef) Expr {
		if r.index == col {
			return c
		}
		return r
	})
	if hasColumn(bound) {
		return 0, false
	}
	a, err := EvalConstant(ctx, mem, bound)
	if err != nil {
		return 0, false
	}
	defer a.Release()
	return WatermarkAt(a, 0)
}

// WatermarkAt returns the value of row i of a (an array of a type
// WatermarkValue accepts) in watermark form; ok is false for NULL.
func WatermarkAt(a arrow.Array, i int) (int64, bool) {
	if a.IsNull(i) {
		return 0, false
	}
	switch a := a.(type) {
	case *array.Timestamp:
		return int64(a.Value(i)), true
	case *array.Date32:
		return int64(a.Value(i)), true
	case *array.Int16:
		return int64(a.Value(i)), true
	case *array.Int32:
		return int64(a.Value(i)), true
	case *array.Int64:
		return a.Value(i), true
	}
	return 0, false
}

// columnRefOf returns a reference to column col inside e, nil when there is
// none.
func columnRefOf(e Expr, col int) *ColumnRef {
	if r, ok := e.(*ColumnRef); ok {
		if r.index == col {
			return r
		}
		return nil
	}
	for _, c := range e.Children() {
		if r := columnRefOf(c, col); r != nil {
			return r
		}
	}
	return nil
}

// ConstantOffset reports whether e is column col plus a constant d (col,
// col ± an interval without months, col ± an integer), and returns d in
// the column's unit, for e NonDecreasingIn col. It evaluates e at values
// of col in months of different lengths, off every round unit: a month or
// a truncation changes the offset.
func ConstantOffset(ctx context.Context, mem memory.Allocator, e Expr, col int) (int64, bool) {
	if !NonDecreasingIn(e, col) {
		return 0, false
	}
	ref := columnRefOf(e, col)
	if ref == nil || ref.t.Family != e.Type().Family {
		return 0, false
	}
	// Points in months of different lengths, off every round unit.
	points := []int64{0, 953_123_696_789_012, 990_320_523_456_789} // 1970-01-01, 2000-03-15 12:34:56.789012, 2001-05-20 01:02:03.456789
	switch ref.t.Family {
	case types.Date:
		points = []int64{0, 11_031, 11_462} // the same days
	case types.Int16:
		points = []int64{0, 1_234, 4_567}
	case types.Int32, types.Int64:
		points = []int64{0, 1_234_567, 987_654_321}
	}
	a, ok := Map(ctx, mem, e, col, points[0])
	if !ok {
		return 0, false
	}
	for _, p := range points[1:] {
		b, ok := Map(ctx, mem, e, col, p)
		if !ok || b-p != a-points[0] {
			return 0, false
		}
	}
	return a, true
}
