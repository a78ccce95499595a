package expr

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// A value is one SQL datum in its canonical Go form, used by constants and by
// the row loops that have no compute kernel. By family:
//
//	Bool        bool
//	Int16/32/64 int64
//	Float32/64  float64
//	Numeric     decimal128.Num (scaled by the type's scale)
//	Text, JSONB string
//	Bytea       []byte
//	Date        int32 (days since 1970-01-01)
//	Timestamp*  int64 (microseconds since 1970-01-01 00:00 UTC)
//	Interval    arrow.MonthDayNanoInterval
//
// nil is NULL.

// valueAt returns row i of a (whose SQL type is family-compatible) as a value.
func valueAt(a arrow.Array, i int) any {
	if a.IsNull(i) {
		return nil
	}
	switch a := a.(type) {
	case *array.Boolean:
		return a.Value(i)
	case *array.Int16:
		return int64(a.Value(i))
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Int64:
		return a.Value(i)
	case *array.Float32:
		return float64(a.Value(i))
	case *array.Float64:
		return a.Value(i)
	case *array.Decimal128:
		return a.Value(i)
	case *array.String:
		return a.Value(i)
	case *array.Binary:
		return append([]byte(nil), a.Value(i)...)
	case *array.Date32:
		return int32(a.Value(i))
	case *array.Timestamp:
		return int64(a.Value(i))
	case *array.MonthDayNanoInterval:
		return a.Value(i)
	case *array.List:
		return listValue(a, i)
	}
	return nil
}

// appendValue appends v (a value of the builder's family, or nil) to b.
func appendValue(b array.Builder, v any) {
	if v == nil {
		b.AppendNull()
		return
	}
	switch b := b.(type) {
	case *array.BooleanBuilder:
		b.Append(v.(bool))
	case *array.Int16Builder:
		b.Append(int16(v.(int64)))
	case *array.Int32Builder:
		b.Append(int32(v.(int64)))
	case *array.Int64Builder:
		b.Append(v.(int64))
	case *array.Float32Builder:
		b.Append(float32(v.(float64)))
	case *array.Float64Builder:
		b.Append(v.(float64))
	case *array.Decimal128Builder:
		b.Append(v.(decimal128.Num))
	case *array.StringBuilder:
		b.Append(v.(string))
	case *array.BinaryBuilder:
		b.Append(v.([]byte))
	case *array.Date32Builder:
		b.Append(arrow.Date32(v.(int32)))
	case *array.TimestampBuilder:
		b.Append(arrow.Timestamp(v.(int64)))
	case *array.MonthDayNanoIntervalBuilder:
		b.Append(v.(arrow.MonthDayNanoInterval))
	case *array.ListBuilder:
		appendList(b, v.([]any))
	default:
		b.AppendNull()
	}
}

// appendFrom appends row i of a to b (same Arrow type) without boxing.
func appendFrom(b array.Builder, a arrow.Array, i int) {
	if a.IsNull(i) {
		b.AppendNull()
		return
	}
	switch b := b.(type) {
	case *array.BooleanBuilder:
		b.Append(a.(*array.Boolean).Value(i))
	case *array.Int16Builder:
		b.Append(a.(*array.Int16).Value(i))
	case *array.Int32Builder:
		b.Append(a.(*array.Int32).Value(i))
	case *array.Int64Builder:
		b.Append(a.(*array.Int64).Value(i))
	case *array.Float32Builder:
		b.Append(a.(*array.Float32).Value(i))
	case *array.Float64Builder:
		b.Append(a.(*array.Float64).Value(i))
	case *array.Decimal128Builder:
		b.Append(a.(*array.Decimal128).Value(i))
	case *array.StringBuilder:
		b.Append(a.(*array.String).Value(i))
	case *array.BinaryBuilder:
		b.Append(a.(*array.Binary).Value(i))
	case *array.Date32Builder:
		b.Append(a.(*array.Date32).Value(i))
	case *array.TimestampBuilder:
		b.Append(a.(*array.Timestamp).Value(i))
	case *array.MonthDayNanoIntervalBuilder:
		b.Append(a.(*array.MonthDayNanoInterval).Value(i))
	case *array.ListBuilder:
		appendList(b, listValue(a.(*array.List), i))
	default:
		b.AppendNull()
	}
}

// newBuilder returns a builder for arrays of t with room for n rows.
func newBuilder(mem memory.Allocator, t types.T, n int) array.Builder {
	b := array.NewBuilder(mem, t.ArrowType())
	b.Reserve(n)
	return b
}

// broadcast returns an array of n copies of v (nil: n NULLs) of type t.
func broadcast(mem memory.Allocator, t types.T, v any, n int) arrow.Array {
	b := newBuilder(mem, t, n)
	defer b.Release()
	if v == nil {
		b.AppendNulls(n)
		return b.NewArray()
	}
	switch b := b.(type) {
	case *array.Int64Builder:
		x := v.(int64)
		for range n {
			b.UnsafeAppend(x)
		}
	case *array.Float64Builder:
		x := v.(float64)
		for range n {
			b.UnsafeAppend(x)
		}
	default:
		for range n {
			appendValue(b, v)
		}
	}
	return b.NewArray()
}

// normalizeValue converts a Go value given to Constant into the canonical value
// of t; strings for non-text types are parsed with the type's input rules.
func normalizeValue(v any, t types.T) (any, error) {
	if v == nil {
		return nil, nil
	}
	if s, ok := v.(string); ok && t.Family != types.Text && t.Family != types.JSONB && t.Family != types.Unknown {
		return parseValue(s, t)
	}
	bad := func() (any, error) {
		return nil, sqlstate.Errorf(sqlstate.DatatypeMismatch, "cannot use Go value %T as a constant of type %s", v, t)
	}
	switch t.Family {
	case types.Array:
		return normalizeArray(v, t)
	case types.Bool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case types.Int16, types.Int32, types.Int64:
		var x int64
		switch n := v.(type) {
		case int:
			x = int64(n)
		case int16:
			x = int64(n)
		case int32:
			x = int64(n)
		case int64:
			x = n
		default:
			return bad()
		}
		return x, checkIntRange(x, t)
	case types.Float32, types.Float64:
		switch n := v.(type) {
		case float64:
			return n, nil
		case float32:
			return float64(n), nil
		case int:
			return float64(n), nil
		case int64:
			return float64(n), nil
		}
	case types.Numeric:
		switch n := v.(type) {
		case decimal128.Num:
			if !n.FitsInPrecision(t.Precision) {
				return nil, numericOverflow(t)
			}
			return n, nil
		case int64:
			return numericFromInt(n, t)
		case int:
			return numericFromInt(int64(n), t)
		case float64:
			return numericFromFloat(n, t)
		}
	case types.Text, types.JSONB:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case types.Bytea:
		if b, ok := v.([]byte); ok {
			return append([]byte(nil), b...), nil
		}
	case types.Date:
		switch d := v.(type) {
		case int32:
			return d, nil
		case arrow.Date32:
			return int32(d), nil
		case time.Time:
			return int32(floorDiv(d.Unix(), 86400)), nil
		}
	case types.Timestamp, types.TimestampTZ:
		switch ts := v.(type) {
		case int64:
			return ts, nil
		case arrow.Timestamp:
			return int64(ts), nil
		case time.Time:
			if t.Family == types.Timestamp {
				// A timestamp without time zone keeps the wall clock.
				ts = time.Date(ts.Year(), ts.Month(), ts.Day(), ts.Hour(), ts.Minute(), ts.Second(), ts.Nanosecond(), time.UTC)
			}
			return ts.UnixMicro(), nil
		}
	case types.Interval:
		switch iv := v.(type) {
		case arrow.MonthDayNanoInterval:
			return iv, nil
		case time.Duration:
			return arrow.MonthDayNanoInterval{Nanoseconds: int64(iv)}, nil
		}
	}
	return bad()
}

func checkIntRange(x int64, t types.T) error {
	switch t.Family {
	case types.Int16:
		if x < math.MinInt16 || x > math.MaxInt16 {
			return outOfRange(t)
		}
	case types.Int32:
		if x < math.MinInt32 || x > math.MaxInt32 {
			return outOfRange(t)
		}
	}
	return nil
}

// outOfRange returns 22003 `integer out of range` and friends.
func outOfRange(t types.T) *sqlstate.Error {
	switch t.Family {
	case types.Numeric:
		return numericOverflow(t)
	case types.Date:
		return sqlstate.Errorf(sqlstate.DatetimeFieldOverflow, "date out of range")
	case types.Timestamp, types.TimestampTZ:
		return sqlstate.Errorf(sqlstate.DatetimeFieldOverflow, "timestamp out of range")
	case types.Interval:
		return sqlstate.Errorf(sqlstate.DatetimeFieldOverflow, "interval out of range")
	}
	return sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "%s out of range", t)
}

func numericOverflow(t types.T) *sqlstate.Error {
	return sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "numeric field overflow").
		WithDetail(fmt.Sprintf("A field with precision %d, scale %d must round to an absolute value less than 10^%d.", t.Precision, t.Scale, t.Precision-t.Scale))
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// formatValue renders v of type t as Postgres' text output does.
func formatValue(v any, t types.T) string {
	if v == nil {
		return "NULL"
	}
	switch t.Family {
	case types.Bool:
		if v.(bool) {
			return "true"
		}
		return "false"
	case types.Int16, types.Int32, types.Int64:
		return strconv.FormatInt(v.(int64), 10)
	case types.Float32:
		return formatFloat(v.(float64), 32)
	case types.Float64:
		return formatFloat(v.(float64), 64)
	case types.Numeric:
		return formatDecimal(v.(decimal128.Num), t.Scale)
	case types.Text, types.JSONB:
		return v.(string)
	case types.Bytea:
		return `\x` + fmt.Sprintf("%x", v.([]byte))
	case types.Date:
		return formatDate(v.(int32))
	case types.Timestamp:
		return formatTimestamp(v.(int64), false)
	case types.TimestampTZ:
		return formatTimestamp(v.(int64), true)
	case types.Interval:
		return formatInterval(v.(arrow.MonthDayNanoInterval))
	case types.Array:
		return formatArray(v.([]any), t.ElemType())
	}
	return fmt.Sprint(v)
}

func formatFloat(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	s := strconv.FormatFloat(f, 'g', -1, bits)
	// Postgres switches to exponent notation below 1e-4 and from 1e15/1e6 on.
	if strings.ContainsAny(s, "e") {
		exp := math.Floor(math.Log10(math.Abs(f)))
		limit := 15.0
		if bits == 32 {
			limit = 6
		}
		if exp >= -4 && exp < limit {
			s = strconv.FormatFloat(f, 'f', -1, bits)
		} else {
			// Go writes e+06; Postgres writes e+06 too: keep two exponent digits.
			s = strings.Replace(s, "e+0", "e+0", 1)
		}
	}
	return s
}

// formatDecimal renders n with scale digits after the point.
func formatDecimal(n decimal128.Num, scale int32) string {
	neg := n.Sign() < 0
	if neg {
		n = n.Negate()
	}
	digits := n.BigInt().String()
	if scale > 0 {
		for int32(len(digits)) <= scale {
			digits = "0" + digits
		}
		digits = digits[:int32(len(digits))-scale] + "." + digits[int32(len(digits))-scale:]
	}
	if neg {
		return "-" + digits
	}
	return digits
}

func formatDate(d int32) string {
	tm := time.Unix(int64(d)*86400, 0).UTC()
	return formatYear(tm.Year()) + tm.Format("-01-02") + bcSuffix(tm.Year())
}

func formatYear(y int) string {
	if y <= 0 {
		y = 1 - y
	}
	return fmt.Sprintf("%04d", y)
}

func bcSuffix(y int) string {
	if y <= 0 {
		return " BC"
	}
	return ""
}

func formatTimestamp(us int64, tz bool) string {
	tm := time.UnixMicro(us).UTC()
	s := formatYear(tm.Year()) + tm.Format("-01-02 15:04:05")
	if frac := tm.Nanosecond() / 1000; frac != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%06d", frac), "0")
	}
	if tz {
		s += "+00"
	}
	return s + bcSuffix(tm.Year())
}

// formatInterval renders iv in Postgres' default (postgres) interval style.
func formatInterval(iv arrow.MonthDayNanoInterval) string {
	var parts []string
	plural := func(n int64, unit string) string {
		if n == 1 || n == -1 {
			return fmt.Sprintf("%d %s", n, unit)
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	years, months := int64(iv.Months)/12, int64(iv.Months)%12
	if years != 0 {
		parts = append(parts, plural(years, "year"))
	}
	if months != 0 {
		parts = append(parts, plural(months, "mon"))
	}
	if iv.Days != 0 {
		parts = append(parts, plural(int64(iv.Days), "day"))
	}
	if ns := iv.Nanoseconds; ns != 0 || len(parts) == 0 {
		sign := ""
		if ns < 0 {
			sign = "-"
			ns = -ns
		}
		us := ns / 1000
		h, m, s, frac := us/3600e6, us/60e6%60, us/1e6%60, us%1e6
		clock := fmt.Sprintf("%s%02d:%02d:%02d", sign, h, m, s)
		if frac != 0 {
			clock += strings.TrimRight(fmt.Sprintf(".%06d", frac), "0")
		}
		parts = append(parts, clock)
	}
	return strings.Join(parts, " ")
}

// compareValues orders two non-NULL values of type t (-1, 0, +1). Intervals
// compare as Postgres does: a month is 30 days, a day 24 hours.
func compareValues(a, b any, t types.T) int {
	switch t.Family {
	case types.Bool:
		x, y := a.(bool), b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case types.Int16, types.Int32, types.Int64:
		return cmpOrdered(a.(int64), b.(int64))
	case types.Float32, types.Float64:
		return cmpFloat(a.(float64), b.(float64))
	case types.Numeric:
		return a.(decimal128.Num).Cmp(b.(decimal128.Num))
	case types.Text, types.JSONB:
		return strings.Compare(a.(string), b.(string))
	case types.Bytea:
		return strings.Compare(string(a.([]byte)), string(b.([]byte)))
	case types.Date:
		return cmpOrdered(a.(int32), b.(int32))
	case types.Timestamp, types.TimestampTZ:
		return cmpOrdered(a.(int64), b.(int64))
	case types.Interval:
		ad, an := intervalKey(a.(arrow.MonthDayNanoInterval))
		bd, bn := intervalKey(b.(arrow.MonthDayNanoInterval))
		if c := cmpOrdered(ad, bd); c != 0 {
			return c
		}
		return cmpOrdered(an, bn)
	case types.Array:
		return compareArrays(a.([]any), b.([]any), t.ElemType())
	}
	return 0
}

// intervalKey normalizes iv to (days, nanoseconds within the day) with
// 30-day months, for ordering.
func intervalKey(iv arrow.MonthDayNanoInterval) (int64, int64) {
	days := int64(iv.Months)*30 + int64(iv.Days) + floorDiv(iv.Nanoseconds, 86400e9)
	ns := iv.Nanoseconds - floorDiv(iv.Nanoseconds, 86400e9)*86400e9
	return days, ns
}

func cmpOrdered[T int32 | int64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// cmpFloat orders floats as Postgres does: NaN is greater than every number
// and equal to itself.
func cmpFloat(a, b float64) int {
	an, bn := math.IsNaN(a), math.IsNaN(b)
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
