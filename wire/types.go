package wire

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/sql/types"
)

// Postgres format codes of the extended protocol.
const (
	formatText   int16 = 0
	formatBinary int16 = 1
)

// pgEpochDays is the number of days from 1970-01-01 (Arrow's epoch) to
// 2000-01-01 (the epoch of Postgres' binary date and timestamp formats).
const pgEpochDays = 10957

// pgEpochMicros is pgEpochDays in microseconds.
const pgEpochMicros = pgEpochDays * 86400 * 1000000

// columnEncoder appends the wire form (text or binary) of the values of one
// Arrow column. It borrows the array; it is built once per batch and column,
// so the per-row work is one indirect call and no allocation.
type columnEncoder struct {
	arr arrow.Array
	put func(buf []byte, i int) []byte
}

// isNull reports whether row i is NULL.
func (e *columnEncoder) isNull(i int) bool { return e.arr.IsNull(i) }

// newColumnEncoder returns the encoder of arr, a column of SQL type t, in the
// given format. The Arrow type of arr decides how values are read (engine
// batches and DuckDB batches may use different widths and units); t decides
// how they are printed.
func newColumnEncoder(arr arrow.Array, t types.T, format int16) (columnEncoder, error) {
	put, err := encoderFor(arr, t, format == formatBinary)
	if err != nil {
		return columnEncoder{}, err
	}
	return columnEncoder{arr: arr, put: put}, nil
}

func encoderFor(arr arrow.Array, t types.T, bin bool) (func([]byte, int) []byte, error) {
	mismatch := func() error {
		return fmt.Errorf("wire: cannot send Arrow %s as %s", arr.DataType(), t)
	}
	switch t.Family {
	case types.Unknown:
		if arr.DataType().ID() != arrow.NULL {
			return nil, mismatch()
		}
		return func(buf []byte, _ int) []byte { return buf }, nil
	case types.Bool:
		a, ok := arr.(*array.Boolean)
		if !ok {
			return nil, mismatch()
		}
		if bin {
			return func(buf []byte, i int) []byte {
				if a.Value(i) {
					return append(buf, 1)
				}
				return append(buf, 0)
			}, nil
		}
		return func(buf []byte, i int) []byte { return appendBoolText(buf, a.Value(i)) }, nil
	case types.Int16, types.Int32, types.Int64:
		get := intGetter(arr)
		if get == nil {
			return nil, mismatch()
		}
		if !bin {
			return func(buf []byte, i int) []byte { return strconv.AppendInt(buf, get(i), 10) }, nil
		}
		switch t.Family {
		case types.Int16:
			return func(buf []byte, i int) []byte { return binary.BigEndian.AppendUint16(buf, uint16(get(i))) }, nil
		case types.Int32:
			return func(buf []byte, i int) []byte { return binary.BigEndian.AppendUint32(buf, uint32(get(i))) }, nil
		}
		return func(buf []byte, i int) []byte { return binary.BigEndian.AppendUint64(buf, uint64(get(i))) }, nil
	case types.Float32, types.Float64:
		get := floatGetter(arr)
		if get == nil {
			return nil, mismatch()
		}
		if t.Family == types.Float32 {
			if bin {
				return func(buf []byte, i int) []byte {
					return binary.BigEndian.AppendUint32(buf, math.Float32bits(float32(get(i))))
				}, nil
			}
			return func(buf []byte, i int) []byte { return appendFloatText(buf, get(i), 32) }, nil
		}
		if bin {
			return func(buf []byte, i int) []byte {
				return binary.BigEndian.AppendUint64(buf, math.Float64bits(get(i)))
			}, nil
		}
		return func(buf []byte, i int) []byte { return appendFloatText(buf, get(i), 64) }, nil
	case types.Numeric:
		get := decimalGetter(arr)
		if get == nil {
			return nil, mismatch()
		}
		var digits []byte // scratch, reused across rows of this column
		if bin {
			return func(buf []byte, i int) []byte {
				neg, mag, scale := get(digits[:0], i)
				digits = mag
				return appendNumericBinary(buf, neg, mag, scale)
			}, nil
		}
		return func(buf []byte, i int) []byte {
			neg, mag, scale := get(digits[:0], i)
			digits = mag
			return appendNumericText(buf, neg, mag, scale)
		}, nil
	case types.Text, types.JSONB, types.Bytea:
		get := bytesGetter(arr)
		if get == nil {
			return nil, mismatch()
		}
		switch {
		case t.Family == types.Bytea && !bin:
			return func(buf []byte, i int) []byte { return appendByteaText(buf, get(i)) }, nil
		case t.Family == types.JSONB && bin:
			return func(buf []byte, i int) []byte { return append(append(buf, 1), get(i)...) }, nil
		}
		return func(buf []byte, i int) []byte { return append(buf, get(i)...) }, nil
	case types.Date:
		get := dateGetter(arr)
		if get == nil {
			return nil, mismatch()
		}
		if bin {
			return func(buf []byte, i int) []byte {
				return binary.BigEndian.AppendUint32(buf, uint32(dateToPG(get(i))))
			}, nil
		}
		return func(buf []byte, i int) []byte { return appendDateText(buf, get(i)) }, nil
	case types.Timestamp, types.TimestampTZ:
		get := timestampGetter(arr)
		if get == nil {
			return nil, mismatch()
		}
		if bin {
			return func(buf []byte, i int) []byte {
				return binary.BigEndian.AppendUint64(buf, uint64(timestampToPG(get(i))))
			}, nil
		}
		tz := t.Family == types.TimestampTZ
		return func(buf []byte, i int) []byte { return appendTimestampText(buf, get(i), tz) }, nil
	case types.Interval:
		get := intervalGetter(arr)
		if get == nil {
			return nil, mismatch()
		}
		if bin {
			return func(buf []byte, i int) []byte {
				v := get(i)
				buf = binary.BigEndian.AppendUint64(buf, uint64(v.micros))
				buf = binary.BigEndian.AppendUint32(buf, uint32(v.days))
				return binary.BigEndian.AppendUint32(buf, uint32(v.months))
			}, nil
		}
		return func(buf []byte, i int) []byte { return appendIntervalText(buf, get(i)) }, nil
	case types.Array:
		return arrayEncoder(arr, t, bin)
	}
	return nil, mismatch()
}

// intGetter returns a reader of arr's values as int64, or nil when arr is not
// an integer array.
func intGetter(arr arrow.Array) func(int) int64 {
	switch a := arr.(type) {
	case *array.Int8:
		return func(i int) int64 { return int64(a.Value(i)) }
	case *array.Int16:
		return func(i int) int64 { return int64(a.Value(i)) }
	case *array.Int32:
		return func(i int) int64 { return int64(a.Value(i)) }
	case *array.Int64:
		return a.Value
	case *array.Uint8:
		return func(i int) int64 { return int64(a.Value(i)) }
	case *array.Uint16:
		return func(i int) int64 { return int64(a.Value(i)) }
	case *array.Uint32:
		return func(i int) int64 { return int64(a.Value(i)) }
	}
	return nil
}

// floatGetter returns a reader of arr's values as float64, or nil.
func floatGetter(arr arrow.Array) func(int) float64 {
	switch a := arr.(type) {
	case *array.Float16:
		return func(i int) float64 { return float64(a.Value(i).Float32()) }
	case *array.Float32:
		return func(i int) float64 { return float64(a.Value(i)) }
	case *array.Float64:
		return a.Value
	}
	return nil
}

// decimalGetter returns a reader of arr's values as a sign, the ASCII digits
// of the magnitude (appended to dst) and a scale; nil when arr holds no
// exact numbers.
func decimalGetter(arr arrow.Array) func(dst []byte, i int) (bool, []byte, int32) {
	switch a := arr.(type) {
	case *array.Decimal128:
		scale := a.DataType().(*arrow.Decimal128Type).Scale
		return func(dst []byte, i int) (bool, []byte, int32) {
			n := a.Value(i)
			hi, lo := uint64(n.HighBits()), n.LowBits()
			neg := n.Sign() < 0
			if neg { // two's complement negation of the 128-bit value
				lo = ^lo + 1
				hi = ^hi
				if lo == 0 {
					hi++
				}
			}
			return neg, appendUint128(dst, hi, lo), scale
		}
	case *array.Decimal256:
		scale := a.DataType().(*arrow.Decimal256Type).Scale
		return func(dst []byte, i int) (bool, []byte, int32) {
			b := a.Value(i).BigInt()
			neg := b.Sign() < 0
			return neg, b.Abs(b).Append(dst, 10), scale
		}
	case *array.Uint64:
		return func(dst []byte, i int) (bool, []byte, int32) {
			return false, strconv.AppendUint(dst, a.Value(i), 10), 0
		}
	}
	if get := intGetter(arr); get != nil {
		return func(dst []byte, i int) (bool, []byte, int32) {
			v := get(i)
			if v < 0 {
				return true, strconv.AppendUint(dst, uint64(-v), 10), 0
			}
			return false, strconv.AppendUint(dst, uint64(v), 10), 0
		}
	}
	return nil
}

// bytesGetter returns a reader of arr's values as bytes (borrowed from the
// array, valid while it lives), or nil.
func bytesGetter(arr arrow.Array) func(int) []byte {
	switch a := arr.(type) {
	case *array.String:
		return func(i int) []byte { return unsafeBytes(a.Value(i)) }
	case *array.LargeString:
		return func(i int) []byte { return unsafeBytes(a.Value(i)) }
	case *array.StringView:
		return func(i int) []byte { return unsafeBytes(a.Value(i)) }
	case *array.Binary:
		return a.Value
	case *array.LargeBinary:
		return a.Value
	case *array.BinaryView:
		return a.Value
	case *array.FixedSizeBinary:
		return a.Value
	}
	return nil
}

// dateGetter returns a reader of arr's values as days since 1970-01-01, or nil.
func dateGetter(arr arrow.Array) func(int) int64 {
	switch a := arr.(type) {
	case *array.Date32:
		return func(i int) int64 { return int64(a.Value(i)) }
	case *array.Date64:
		return func(i int) int64 { return floorDiv(int64(a.Value(i)), 86400000) }
	}
	return nil
}

// timestampGetter returns a reader of arr's values as microseconds since
// 1970-01-01 00:00:00 UTC, or nil.
func timestampGetter(arr arrow.Array) func(int) int64 {
	a, ok := arr.(*array.Timestamp)
	if !ok {
		return nil
	}
	switch a.DataType().(*arrow.TimestampType).Unit {
	case arrow.Second:
		return func(i int) int64 { return int64(a.Value(i)) * 1000000 }
	case arrow.Millisecond:
		return func(i int) int64 { return int64(a.Value(i)) * 1000 }
	case arrow.Nanosecond:
		return func(i int) int64 { return floorDiv(int64(a.Value(i)), 1000) }
	}
	return func(i int) int64 { return int64(a.Value(i)) }
}

// interval is a Postgres interval: months, days and microseconds, each with
// its own sign.
type interval struct {
	months int32
	days   int32
	micros int64
}

// intervalGetter returns a reader of arr's values as intervals, or nil.
func intervalGetter(arr arrow.Array) func(int) interval {
	switch a := arr.(type) {
	case *array.MonthDayNanoInterval:
		return func(i int) interval {
			v := a.Value(i)
			return interval{months: v.Months, days: v.Days, micros: v.Nanoseconds / 1000}
		}
	case *array.DayTimeInterval:
		return func(i int) interval {
			v := a.Value(i)
			return interval{days: v.Days, micros: int64(v.Milliseconds) * 1000}
		}
	case *array.MonthInterval:
		return func(i int) interval { return interval{months: int32(a.Value(i))} }
	}
	return nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// appendUint128 appends the decimal digits of the 128-bit number hi:lo.
func appendUint128(dst []byte, hi, lo uint64) []byte {
	if hi == 0 {
		return strconv.AppendUint(dst, lo, 10)
	}
	const chunk = 10000000000000000000 // 1e19 < 2^64
	var parts [3]uint64
	n := 0
	for hi != 0 {
		qhi := hi / chunk
		r := hi % chunk
		qlo, rem := bits.Div64(r, lo, chunk)
		parts[n] = rem
		n++
		hi, lo = qhi, qlo
	}
	dst = strconv.AppendUint(dst, lo, 10)
	for n > 0 {
		n--
		for k := digitCount(parts[n]); k < 19; k++ { // left-pad the chunk to 19 digits
			dst = append(dst, '0')
		}
		dst = strconv.AppendUint(dst, parts[n], 10)
	}
	return dst
}

func appendBoolText(buf []byte, v bool) []byte {
	if v {
		return append(buf, 't')
	}
	return append(buf, 'f')
}

// appendFloatText appends v as Postgres prints a float4 (bitSize 32) or
// float8 (bitSize 64): the shortest representation that round-trips, in
// positional notation when the decimal exponent is in [-4, 6) for float4 and
// [-4, 15) for float8, else as d.ddde±XX.
func appendFloatText(buf []byte, v float64, bitSize int) []byte {
	switch {
	case math.IsNaN(v):
		return append(buf, "NaN"...)
	case math.IsInf(v, 1):
		return append(buf, "Infinity"...)
	case math.IsInf(v, -1):
		return append(buf, "-Infinity"...)
	}
	start := len(buf)
	buf = strconv.AppendFloat(buf, v, 'e', -1, bitSize)
	e := len(buf) - 1
	for buf[e] != 'e' {
		e--
	}
	exp, _ := strconv.Atoi(string(buf[e+1:]))
	limit := 15
	if bitSize == 32 {
		limit = 6
	}
	if exp >= -4 && exp < limit {
		return strconv.AppendFloat(buf[:start], v, 'f', -1, bitSize)
	}
	return buf
}

// appendNumericText appends a decimal given by its sign, the ASCII digits of
// its magnitude and its scale, with exactly scale fractional digits.
func appendNumericText(buf []byte, neg bool, digits []byte, scale int32) []byte {
	if neg && !allZero(digits) {
		buf = append(buf, '-')
	}
	if scale <= 0 {
		buf = append(buf, digits...)
		if scale < 0 && !allZero(digits) {
			for k := int32(0); k < -scale; k++ {
				buf = append(buf, '0')
			}
		}
		return buf
	}
	s := int(scale)
	if len(digits) <= s {
		buf = append(buf, '0', '.')
		for k := len(digits); k < s; k++ {
			buf = append(buf, '0')
		}
		return append(buf, digits...)
	}
	at := len(digits) - s
	buf = append(buf, digits[:at]...)
	buf = append(buf, '.')
	return append(buf, digits[at:]...)
}

func allZero(digits []byte) bool {
	for _, d := range digits {
		if d != '0' {
			return false
		}
	}
	return true
}

// appendNumericBinary appends a decimal (sign, ASCII magnitude digits, scale)
// in Postgres' binary numeric format: ndigits, weight, sign, dscale (int16
// each) and ndigits base-10000 digits, the first of which has weight weight.
func appendNumericBinary(buf []byte, neg bool, digits []byte, scale int32) []byte {
	intLen := len(digits) - int(scale) // digits before the decimal point
	dscale := scale
	if dscale < 0 {
		dscale = 0
	}
	// Group digit k (0-based from the left of digits) into base-10000 groups
	// aligned on the decimal point: the group of a digit at decimal position
	// p (p = intLen-1-k, 0 = units) is floor(p/4).
	// The digit k (from the left) sits at decimal position p = intLen-1-k
	// (0 = units, -1 = tenths); it belongs to the base-10000 group
	// floor(p/4), in which it is worth 10^(p mod 4).
	firstPos := intLen - 1
	lastPos := intLen - len(digits)
	weight := int(floorDiv(int64(firstPos), 4))
	ngroups := weight - int(floorDiv(int64(lastPos), 4)) + 1
	var groups [24]int16 // 38 digits need at most 11 groups
	var g []int16
	if ngroups <= len(groups) {
		g = groups[:ngroups]
	} else {
		g = make([]int16, ngroups)
	}
	for k, d := range digits {
		p := int64(firstPos - k)
		q := floorDiv(p, 4)
		g[weight-int(q)] += int16(d-'0') * pow10x4[p-4*q]
	}
	// Trim leading and trailing zero groups.
	for len(g) > 0 && g[0] == 0 {
		g = g[1:]
		weight--
	}
	for len(g) > 0 && g[len(g)-1] == 0 {
		g = g[:len(g)-1]
	}
	sign := uint16(0)
	if len(g) == 0 {
		weight = 0
	} else if neg {
		sign = 0x4000
	}
	buf = binary.BigEndian.AppendUint16(buf, uint16(len(g)))
	buf = binary.BigEndian.AppendUint16(buf, uint16(int16(weight)))
	buf = binary.BigEndian.AppendUint16(buf, sign)
	buf = binary.BigEndian.AppendUint16(buf, uint16(dscale))
	for _, d := range g {
		buf = binary.BigEndian.AppendUint16(buf, uint16(d))
	}
	return buf
}

const hexDigits = "0123456789abcdef"

func appendByteaText(buf []byte, b []byte) []byte {
	buf = append(buf, '\\', 'x')
	for _, c := range b {
		buf = append(buf, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return buf
}

// Infinite dates and timestamps: Postgres stores them as the extreme values
// of its integer representation; weir uses the extremes of Arrow's.
const (
	dateInfinity    = math.MaxInt32
	dateNegInfinity = math.MinInt32
)

// dateToPG converts days since 1970 to Postgres' days since 2000.
func dateToPG(days int64) int32 {
	switch days {
	case dateInfinity:
		return math.MaxInt32
	case dateNegInfinity:
		return math.MinInt32
	}
	return int32(days - pgEpochDays)
}

// timestampToPG converts microseconds since 1970 to Postgres' since 2000.
func timestampToPG(us int64) int64 {
	switch us {
	case math.MaxInt64, math.MinInt64:
		return us
	}
	return us - pgEpochMicros
}

// civil returns the proleptic Gregorian year, month and day of days since
// 1970-01-01 (H. Hinnant's days-to-civil algorithm).
func civil(days int64) (year int64, month, day int) {
	z := days + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return y, int(m), int(d)
}

// appendPadded appends v (>= 0) with at least width digits.
func appendPadded(buf []byte, v int64, width int) []byte {
	for k := digitCount(uint64(v)); k < width; k++ {
		buf = append(buf, '0')
	}
	return strconv.AppendInt(buf, v, 10)
}

// digitCount returns the number of decimal digits of v (1 for 0).
func digitCount(v uint64) int {
	n := 1
	for v >= 10 {
		v /= 10
		n++
	}
	return n
}

// pow10x4 holds the weight of a digit inside a base-10000 group.
var pow10x4 = [4]int16{1, 10, 100, 1000}

// unsafeBytes returns the bytes of s without copying; they must not be
// modified.
func unsafeBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// appendYMD appends YYYY-MM-DD and reports whether the year is BC.
func appendYMD(buf []byte, days int64) ([]byte, bool) {
	y, m, d := civil(days)
	bc := y <= 0
	if bc {
		y = 1 - y
	}
	buf = appendPadded(buf, y, 4)
	buf = append(buf, '-')
	buf = appendPadded(buf, int64(m), 2)
	buf = append(buf, '-')
	return appendPadded(buf, int64(d), 2), bc
}

// appendDateText appends days since 1970 as Postgres prints a date (ISO).
func appendDateText(buf []byte, days int64) []byte {
	switch days {
	case dateInfinity:
		return append(buf, "infinity"...)
	case dateNegInfinity:
		return append(buf, "-infinity"...)
	}
	buf, bc := appendYMD(buf, days)
	if bc {
		buf = append(buf, " BC"...)
	}
	return buf
}

// appendTimestampText appends microseconds since 1970 UTC as Postgres prints
// a timestamp (ISO, trailing zero fractional digits trimmed), with the +00
// offset when tz is set (sessions print in UTC).
func appendTimestampText(buf []byte, us int64, tz bool) []byte {
	switch us {
	case math.MaxInt64:
		return append(buf, "infinity"...)
	case math.MinInt64:
		return append(buf, "-infinity"...)
	}
	const day = 86400 * 1000000
	days := floorDiv(us, day)
	tod := us - days*day
	buf, bc := appendYMD(buf, days)
	buf = append(buf, ' ')
	buf = appendPadded(buf, tod/3600000000, 2)
	buf = append(buf, ':')
	buf = appendPadded(buf, tod/60000000%60, 2)
	buf = append(buf, ':')
	buf = appendSeconds(buf, tod/1000000%60, tod%1000000)
	if tz {
		buf = append(buf, "+00"...)
	}
	if bc {
		buf = append(buf, " BC"...)
	}
	return buf
}

// appendSeconds appends sec as two digits and, when fsec (microseconds) is
// not zero, a fraction without trailing zeros.
func appendSeconds(buf []byte, sec, fsec int64) []byte {
	buf = appendPadded(buf, sec, 2)
	if fsec == 0 {
		return buf
	}
	buf = append(buf, '.')
	start := len(buf)
	buf = appendPadded(buf, fsec, 6)
	end := len(buf)
	for end > start && buf[end-1] == '0' {
		end--
	}
	return buf[:end]
}

// appendIntervalText appends v in Postgres' default IntervalStyle
// ("postgres"): "1 year 2 mons 3 days 04:05:06", where a positive field that
// follows a negative one carries a '+'.
func appendIntervalText(buf []byte, v interval) []byte {
	isZero, isBefore := true, false
	part := func(value int64, unit string) {
		if value == 0 {
			return
		}
		if !isZero {
			buf = append(buf, ' ')
		}
		if isBefore && value > 0 {
			buf = append(buf, '+')
		}
		buf = strconv.AppendInt(buf, value, 10)
		buf = append(buf, ' ')
		buf = append(buf, unit...)
		if value != 1 {
			buf = append(buf, 's')
		}
		isBefore = value < 0
		isZero = false
	}
	part(int64(v.months/12), "year")
	part(int64(v.months%12), "mon")
	part(int64(v.days), "day")
	if isZero || v.micros != 0 {
		t := v.micros
		hour, minute, sec, fsec := t/3600000000, t/60000000%60, t/1000000%60, t%1000000
		if !isZero {
			buf = append(buf, ' ')
		}
		if t < 0 {
			buf = append(buf, '-')
			hour, minute, sec, fsec = -hour, -minute, -sec, -fsec
		} else if isBefore {
			buf = append(buf, '+')
		}
		buf = appendPadded(buf, hour, 2)
		buf = append(buf, ':')
		buf = appendPadded(buf, minute, 2)
		buf = append(buf, ':')
		buf = appendSeconds(buf, sec, fsec)
	}
	return buf
}
