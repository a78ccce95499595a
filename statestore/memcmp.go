package statestore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/weir-stream/weir/sql/types"
)

// ErrCorrupt is wrapped by every error the codec returns for bytes that are
// not a valid encoding (truncated input, unknown marker, bad escape,
// non-canonical value).
var ErrCorrupt = errors.New("statestore: corrupt encoding")

// Marker bytes written before each value (ascending encoding).
const (
	markerNull  = 0x00
	markerValue = 0x01
)

// Bytes of the string encoding (ascending): 0x00 inside a value is escaped as
// 0x00 0xFF and a value ends with 0x00 0x01.
const (
	strEscape     = 0x00
	strEscaped0   = 0xFF
	strTerminator = 0x01
)

// Canonical NaN bit patterns: every NaN encodes as these (positive, quiet),
// so NaN sorts after +Infinity, as in Postgres.
const (
	canonicalNaN32 uint32 = 0x7FC00000
	canonicalNaN64 uint64 = 0x7FF8000000000000
)

// AppendValue appends the ascending memcomparable encoding of row i of arr
// (whose SQL type is t) to dst and returns the extended slice: a marker byte
// (0x00 NULL, 0x01 not null) then, for a value, its order-preserving bytes.
// For many rows of one column, NewValueEncoder is faster. AppendValue panics
// when arr is not an array of t.ArrowType() (or of a compatible string or
// binary type): that is a programming error, not a data error.
func AppendValue(dst []byte, t types.T, arr arrow.Array, i int) []byte {
	if t.Family == types.Unknown {
		// The type of a bare NULL: an *array.Null, which has no validity bitmap.
		asArray[*array.Null](t, arr)
		return append(dst, markerNull)
	}
	if arr.IsNull(i) {
		return append(dst, markerNull)
	}
	dst = append(dst, markerValue)
	switch t.Family {
	case types.Bool:
		a := asArray[*array.Boolean](t, arr)
		if a.Value(i) {
			return append(dst, 1)
		}
		return append(dst, 0)
	case types.Int16:
		return appendInt16(dst, asArray[*array.Int16](t, arr).Value(i))
	case types.Int32:
		return appendInt32(dst, asArray[*array.Int32](t, arr).Value(i))
	case types.Int64:
		return appendInt64(dst, asArray[*array.Int64](t, arr).Value(i))
	case types.Float32:
		return appendFloat32(dst, asArray[*array.Float32](t, arr).Value(i))
	case types.Float64:
		return appendFloat64(dst, asArray[*array.Float64](t, arr).Value(i))
	case types.Numeric:
		a := asArray[*array.Decimal128](t, arr)
		return appendDecimal(dst, rescaled(t, a, a.Value(i)))
	case types.Date:
		return appendInt32(dst, int32(asArray[*array.Date32](t, arr).Value(i)))
	case types.Timestamp, types.TimestampTZ:
		return appendInt64(dst, int64(asArray[*array.Timestamp](t, arr).Value(i)))
	case types.Interval:
		return appendInterval(dst, asArray[*array.MonthDayNanoInterval](t, arr).Value(i))
	case types.Array:
		return appendArray(dst, t.ElemType(), arr, i)
	case types.Text, types.JSONB, types.Bytea:
		switch a := arr.(type) {
		case *array.String:
			return appendEscapedString(dst, a.Value(i))
		case *array.Binary:
			return appendEscapedBytes(dst, a.Value(i))
		case *array.LargeString:
			return appendEscapedString(dst, a.Value(i))
		case *array.StringView:
			return appendEscapedString(dst, a.Value(i))
		case *array.LargeBinary:
			return appendEscapedBytes(dst, a.Value(i))
		case *array.BinaryView:
			return appendEscapedBytes(dst, a.Value(i))
		}
	}
	mismatch(t, arr)
	return nil
}

// AppendValueDesc appends the descending encoding of row i of arr: the
// ascending encoding with every byte inverted, so that ascending byte order
// is descending SQL order with NULL last (for TOP-N ... DESC keys).
func AppendValueDesc(dst []byte, t types.T, arr arrow.Array, i int) []byte {
	n := len(dst)
	dst = AppendValue(dst, t, arr, i)
	invert(dst[n:])
	return dst
}

// AppendRow appends the encodings of row i of the columns cols of rec, one
// after the other; ts[j] is the SQL type of column cols[j]. A nil cols means
// every column of rec, with ts[c] the type of column c. The result is both a
// memcomparable key (rows compare column by column) and the row value codec.
func AppendRow(dst []byte, ts []types.T, rec arrow.RecordBatch, cols []int, i int) []byte {
	if cols == nil {
		for c := 0; c < int(rec.NumCols()); c++ {
			dst = AppendValue(dst, ts[c], rec.Column(c), i)
		}
		return dst
	}
	for j, c := range cols {
		dst = AppendValue(dst, ts[j], rec.Column(c), i)
	}
	return dst
}

// ValueEncoder appends the ascending encoding of row i of the column it was
// made for to dst, exactly as AppendValue would. The type dispatch is done
// once, in NewValueEncoder. A ValueEncoder borrows its array: it is valid
// while the array is, and is safe for concurrent use if dst differs.
type ValueEncoder func(dst []byte, i int) []byte

// NewValueEncoder returns the encoder of the column arr of SQL type t. It
// panics, as AppendValue does, when arr does not match t.
func NewValueEncoder(t types.T, arr arrow.Array) ValueEncoder {
	switch t.Family {
	case types.Array:
		return func(dst []byte, i int) []byte { return AppendValue(dst, t, arr, i) }
	case types.Unknown:
		asArray[*array.Null](t, arr)
		return func(dst []byte, i int) []byte { return append(dst, markerNull) }
	case types.Bool:
		a := asArray[*array.Boolean](t, arr)
		return func(dst []byte, i int) []byte {
			if a.IsNull(i) {
				return append(dst, markerNull)
			}
			if a.Value(i) {
				return append(dst, markerValue, 1)
			}
			return append(dst, markerValue, 0)
		}
	case types.Int16:
		vs := asArray[*array.Int16](t, arr).Int16Values()
		return fixedEncoder(arr, func(dst []byte, i int) []byte { return appendInt16(dst, vs[i]) })
	case types.Int32:
		vs := asArray[*array.Int32](t, arr).Int32Values()
		return fixedEncoder(arr, func(dst []byte, i int) []byte { return appendInt32(dst, vs[i]) })
	case types.Int64:
		vs := asArray[*array.Int64](t, arr).Int64Values()
		if arr.NullN() == 0 {
			return func(dst []byte, i int) []byte {
				return binary.BigEndian.AppendUint64(append(dst, markerValue), uint64(vs[i])^(1<<63))
			}
		}
		return func(dst []byte, i int) []byte {
			if arr.IsNull(i) {
				return append(dst, markerNull)
			}
			return binary.BigEndian.AppendUint64(append(dst, markerValue), uint64(vs[i])^(1<<63))
		}
	case types.Float32:
		vs := asArray[*array.Float32](t, arr).Float32Values()
		return fixedEncoder(arr, func(dst []byte, i int) []byte { return appendFloat32(dst, vs[i]) })
	case types.Float64:
		vs := asArray[*array.Float64](t, arr).Float64Values()
		return fixedEncoder(arr, func(dst []byte, i int) []byte { return appendFloat64(dst, vs[i]) })
	case types.Numeric:
		a := asArray[*array.Decimal128](t, arr)
		if a.DataType().(*arrow.Decimal128Type).Scale != t.Scale {
			return fixedEncoder(arr, func(dst []byte, i int) []byte { return appendDecimal(dst, rescaled(t, a, a.Value(i))) })
		}
		vs := a.Values()
		return fixedEncoder(arr, func(dst []byte, i int) []byte { return appendDecimal(dst, vs[i]) })
	case types.Date:
		vs := asArray[*array.Date32](t, arr).Date32Values()
		return fixedEncoder(arr, func(dst []byte, i int) []byte { return appendInt32(dst, int32(vs[i])) })
	case types.Timestamp, types.TimestampTZ:
		vs := asArray[*array.Timestamp](t, arr).TimestampValues()
		return fixedEncoder(arr, func(dst []byte, i int) []byte { return appendInt64(dst, int64(vs[i])) })
	case types.Interval:
		vs := asArray[*array.MonthDayNanoInterval](t, arr).MonthDayNanoIntervalValues()
		return fixedEncoder(arr, func(dst []byte, i int) []byte { return appendInterval(dst, vs[i]) })
	case types.Text, types.JSONB, types.Bytea:
		switch a := arr.(type) {
		case *array.String:
			if arr.NullN() == 0 {
				return func(dst []byte, i int) []byte {
					return appendEscapedString(append(dst, markerValue), a.Value(i))
				}
			}
			return func(dst []byte, i int) []byte {
				if a.IsNull(i) {
					return append(dst, markerNull)
				}
				return appendEscapedString(append(dst, markerValue), a.Value(i))
			}
		case *array.Binary:
			return fixedEncoder(arr, func(dst []byte, i int) []byte { return appendEscapedBytes(dst, a.Value(i)) })
		}
	}
	// Other string and binary layouts go through AppendValue's type switch.
	switch arr.(type) {
	case *array.LargeString, *array.StringView, *array.LargeBinary, *array.BinaryView:
		if t.Family == types.Text || t.Family == types.JSONB || t.Family == types.Bytea {
			return func(dst []byte, i int) []byte { return AppendValue(dst, t, arr, i) }
		}
	}
	mismatch(t, arr)
	return nil
}

// NewValueEncoderDesc returns the encoder of the descending encoding of the
// column arr of SQL type t (see AppendValueDesc).
func NewValueEncoderDesc(t types.T, arr arrow.Array) ValueEncoder {
	enc := NewValueEncoder(t, arr)
	return func(dst []byte, i int) []byte {
		n := len(dst)
		dst = enc(dst, i)
		invert(dst[n:])
		return dst
	}
}

// fixedEncoder wraps enc, which appends a non-null value, with the marker
// byte and, when arr has nulls, the null check.
func fixedEncoder(arr arrow.Array, enc func(dst []byte, i int) []byte) ValueEncoder {
	if arr.NullN() == 0 {
		return func(dst []byte, i int) []byte { return enc(append(dst, markerValue), i) }
	}
	return func(dst []byte, i int) []byte {
		if arr.IsNull(i) {
			return append(dst, markerNull)
		}
		return enc(append(dst, markerValue), i)
	}
}

func asArray[A arrow.Array](t types.T, arr arrow.Array) A {
	a, ok := arr.(A)
	if !ok {
		mismatch(t, arr)
	}
	return a
}

func mismatch(t types.T, arr arrow.Array) {
	panic(fmt.Sprintf("statestore: cannot encode a %s array as SQL type %s", arr.DataType(), t))
}

// rescaled returns v, a value of the decimal array a, at the scale of t when
// the array's scale differs (values of one column must share a scale for
// their encodings to compare). A value that cannot be rescaled is kept.
func rescaled(t types.T, a *array.Decimal128, v decimal128.Num) decimal128.Num {
	s := a.DataType().(*arrow.Decimal128Type).Scale
	if s == t.Scale {
		return v
	}
	if r, err := v.Rescale(s, t.Scale); err == nil {
		return r
	}
	return v
}

func appendInt16(dst []byte, v int16) []byte {
	return binary.BigEndian.AppendUint16(dst, uint16(v)^(1<<15))
}

func appendInt32(dst []byte, v int32) []byte {
	return binary.BigEndian.AppendUint32(dst, uint32(v)^(1<<31))
}

func appendInt64(dst []byte, v int64) []byte {
	return binary.BigEndian.AppendUint64(dst, uint64(v)^(1<<63))
}

// appendFloat32 appends the order-preserving bits of v: -0 is written as +0,
// every NaN as the canonical NaN; a non-negative value gets its sign bit set,
// a negative one has every bit inverted.
func appendFloat32(dst []byte, v float32) []byte {
	var b uint32
	switch {
	case v != v:
		b = canonicalNaN32
	case v == 0:
		b = 0
	default:
		b = math.Float32bits(v)
	}
	if b&(1<<31) == 0 {
		b ^= 1 << 31
	} else {
		b = ^b
	}
	return binary.BigEndian.AppendUint32(dst, b)
}

// appendFloat64 is appendFloat32 for float64.
func appendFloat64(dst []byte, v float64) []byte {
	var b uint64
	switch {
	case v != v:
		b = canonicalNaN64
	case v == 0:
		b = 0
	default:
		b = math.Float64bits(v)
	}
	if b&(1<<63) == 0 {
		b ^= 1 << 63
	} else {
		b = ^b
	}
	return binary.BigEndian.AppendUint64(dst, b)
}

// appendDecimal appends the 128-bit two's complement value big-endian with
// the sign bit flipped.
func appendDecimal(dst []byte, v decimal128.Num) []byte {
	dst = binary.BigEndian.AppendUint64(dst, uint64(v.HighBits())^(1<<63))
	return binary.BigEndian.AppendUint64(dst, v.LowBits())
}

func appendInterval(dst []byte, v arrow.MonthDayNanoInterval) []byte {
	dst = appendInt32(dst, v.Months)
	dst = appendInt32(dst, v.Days)
	return appendInt64(dst, v.Nanoseconds)
}

// appendEscapedString appends s with each 0x00 written as 0x00 0xFF, then
// the terminator 0x00 0x01.
func appendEscapedString(dst []byte, s string) []byte {
	for {
		j := strings.IndexByte(s, 0)
		if j < 0 {
			dst = append(dst, s...)
			return append(dst, strEscape, strTerminator)
		}
		dst = append(dst, s[:j]...)
		dst = append(dst, strEscape, strEscaped0)
		s = s[j+1:]
	}
}

// appendEscapedBytes is appendEscapedString for a byte slice.
func appendEscapedBytes(dst []byte, s []byte) []byte {
	for {
		j := bytes.IndexByte(s, 0)
		if j < 0 {
			dst = append(dst, s...)
			return append(dst, strEscape, strTerminator)
		}
		dst = append(dst, s[:j]...)
		dst = append(dst, strEscape, strEscaped0)
		s = s[j+1:]
	}
}

func invert(b []byte) {
	for i := range b {
		b[i] = ^b[i]
	}
}

// DecodeValue decodes one ascending-encoded value of type t from src,
// appending it to b (a builder of t.ArrowType(); TEXT and JSONB also accept
// a *array.BinaryBuilder), and returns the rest of src. On error nothing is
// appended to b. DecodeValue accepts exactly the bytes AppendValue produces:
// re-encoding a decoded value gives back the bytes it consumed.
func DecodeValue(src []byte, t types.T, b array.Builder) ([]byte, error) {
	return decodeValue(src, t, 0, b, nil)
}

// DecodeValueDesc decodes one value written by AppendValueDesc.
func DecodeValueDesc(src []byte, t types.T, b array.Builder) ([]byte, error) {
	return decodeValue(src, t, 0xFF, b, nil)
}

// SkipValue returns src after one ascending-encoded value of type t, checking
// it as DecodeValue does.
func SkipValue(src []byte, t types.T) ([]byte, error) {
	return decodeValue(src, t, 0, nil, nil)
}

// SkipValueDesc returns src after one value written by AppendValueDesc.
func SkipValueDesc(src []byte, t types.T) ([]byte, error) {
	return decodeValue(src, t, 0xFF, nil, nil)
}

func corrupt(t types.T, format string, args ...any) error {
	return fmt.Errorf("statestore: decoding %s: %s: %w", t, fmt.Sprintf(format, args...), ErrCorrupt)
}

// decodeValue decodes one value whose bytes are XORed with mask (0 for the
// ascending encoding, 0xFF for the descending one). A nil b only checks and
// skips the value. scratch, when not nil, is reused for unescaped strings.
func decodeValue(src []byte, t types.T, mask byte, b array.Builder, scratch *[]byte) ([]byte, error) {
	if len(src) == 0 {
		return nil, corrupt(t, "no bytes left")
	}
	switch src[0] ^ mask {
	case markerNull:
		if b != nil {
			b.AppendNull()
		}
		return src[1:], nil
	case markerValue:
	default:
		return nil, corrupt(t, "bad marker byte %#x", src[0])
	}
	src = src[1:]
	var w int // width of a fixed-width value
	switch t.Family {
	case types.Bool:
		w = 1
	case types.Int16:
		w = 2
	case types.Int32, types.Float32, types.Date:
		w = 4
	case types.Int64, types.Float64, types.Timestamp, types.TimestampTZ:
		w = 8
	case types.Numeric, types.Interval:
		w = 16
	case types.Text, types.JSONB, types.Bytea:
		return decodeBytes(src, t, mask, b, scratch)
	case types.Array:
		return decodeArray(src, t, mask, b, scratch)
	default:
		return nil, corrupt(t, "type has no non-null values")
	}
	if len(src) < w {
		return nil, corrupt(t, "want %d bytes, have %d", w, len(src))
	}
	var buf [16]byte
	for i := range w {
		buf[i] = src[i] ^ mask
	}
	rest := src[w:]
	var err error
	switch t.Family {
	case types.Bool:
		if buf[0] > 1 {
			return nil, corrupt(t, "bad boolean byte %#x", buf[0])
		}
		err = appendTo(t, b, func(b *array.BooleanBuilder) { b.Append(buf[0] == 1) })
	case types.Int16:
		v := int16(binary.BigEndian.Uint16(buf[:]) ^ (1 << 15))
		err = appendTo(t, b, func(b *array.Int16Builder) { b.Append(v) })
	case types.Int32:
		v := int32(binary.BigEndian.Uint32(buf[:]) ^ (1 << 31))
		err = appendTo(t, b, func(b *array.Int32Builder) { b.Append(v) })
	case types.Date:
		v := arrow.Date32(binary.BigEndian.Uint32(buf[:]) ^ (1 << 31))
		err = appendTo(t, b, func(b *array.Date32Builder) { b.Append(v) })
	case types.Int64:
		v := int64(binary.BigEndian.Uint64(buf[:]) ^ (1 << 63))
		err = appendTo(t, b, func(b *array.Int64Builder) { b.Append(v) })
	case types.Timestamp, types.TimestampTZ:
		v := arrow.Timestamp(binary.BigEndian.Uint64(buf[:]) ^ (1 << 63))
		err = appendTo(t, b, func(b *array.TimestampBuilder) { b.Append(v) })
	case types.Float32:
		bits := binary.BigEndian.Uint32(buf[:])
		if bits&(1<<31) != 0 {
			bits ^= 1 << 31
		} else {
			bits = ^bits
		}
		v := math.Float32frombits(bits)
		if (v == 0 && bits != 0) || (v != v && bits != canonicalNaN32) {
			return nil, corrupt(t, "non-canonical float bits %#x", bits)
		}
		err = appendTo(t, b, func(b *array.Float32Builder) { b.Append(v) })
	case types.Float64:
		bits := binary.BigEndian.Uint64(buf[:])
		if bits&(1<<63) != 0 {
			bits ^= 1 << 63
		} else {
			bits = ^bits
		}
		v := math.Float64frombits(bits)
		if (v == 0 && bits != 0) || (v != v && bits != canonicalNaN64) {
			return nil, corrupt(t, "non-canonical float bits %#x", bits)
		}
		err = appendTo(t, b, func(b *array.Float64Builder) { b.Append(v) })
	case types.Numeric:
		v := decimal128.New(int64(binary.BigEndian.Uint64(buf[:])^(1<<63)), binary.BigEndian.Uint64(buf[8:]))
		err = appendTo(t, b, func(b *array.Decimal128Builder) { b.Append(v) })
	case types.Interval:
		v := arrow.MonthDayNanoInterval{
			Months:      int32(binary.BigEndian.Uint32(buf[:]) ^ (1 << 31)),
			Days:        int32(binary.BigEndian.Uint32(buf[4:]) ^ (1 << 31)),
			Nanoseconds: int64(binary.BigEndian.Uint64(buf[8:]) ^ (1 << 63)),
		}
		err = appendTo(t, b, func(b *array.MonthDayNanoIntervalBuilder) { b.Append(v) })
	}
	if err != nil {
		return nil, err
	}
	return rest, nil
}

// appendTo calls fn with b as the builder type B, unless b is nil (skipping).
func appendTo[B array.Builder](t types.T, b array.Builder, fn func(B)) error {
	if b == nil {
		return nil
	}
	tb, ok := b.(B)
	if !ok {
		return fmt.Errorf("statestore: cannot decode %s into a %T", t, b)
	}
	fn(tb)
	return nil
}

// decodeBytes decodes an escaped, terminated string (src is after the marker).
func decodeBytes(src []byte, t types.T, mask byte, b array.Builder, scratch *[]byte) ([]byte, error) {
	var bb *array.BinaryBuilder
	switch x := b.(type) {
	case nil:
	case *array.StringBuilder:
		if t.Family == types.Bytea {
			return nil, fmt.Errorf("statestore: cannot decode %s into a %T", t, b)
		}
		bb = x.BinaryBuilder
	case *array.BinaryBuilder:
		bb = x
	default:
		return nil, fmt.Errorf("statestore: cannot decode %s into a %T", t, b)
	}
	esc := strEscape ^ mask
	// Fast path: the ascending encoding of a value without 0x00 bytes.
	j := bytes.IndexByte(src, esc)
	if j < 0 || j+1 >= len(src) {
		return nil, corrupt(t, "unterminated string")
	}
	if mask == 0 && src[j+1] == strTerminator {
		if bb != nil {
			bb.Append(src[:j])
		}
		return src[j+2:], nil
	}
	var out []byte
	if scratch != nil {
		out = (*scratch)[:0]
	}
	for {
		if j < 0 || j+1 >= len(src) {
			return nil, corrupt(t, "unterminated string")
		}
		for _, c := range src[:j] {
			out = append(out, c^mask)
		}
		switch src[j+1] ^ mask {
		case strTerminator:
			if bb != nil {
				bb.Append(out)
			}
			if scratch != nil {
				*scratch = out
			}
			return src[j+2:], nil
		case strEscaped0:
			out = append(out, 0)
			src = src[j+2:]
			j = bytes.IndexByte(src, esc)
		default:
			return nil, corrupt(t, "bad escape byte %#x", src[j+1])
		}
	}
}

// DecodeInt decodes the ascending encoding of one value of an integer-like
// type (smallint, integer, bigint, date, timestamp, timestamptz) from the
// whole of src, without a builder: its value as an int64 (days for a date,
// microseconds for a timestamp), or isNull.
func DecodeInt(src []byte, t types.T) (v int64, isNull bool, err error) {
	if len(src) == 1 && src[0] == markerNull {
		return 0, true, nil
	}
	var w int
	switch t.Family {
	case types.Int16:
		w = 2
	case types.Int32, types.Date:
		w = 4
	case types.Int64, types.Timestamp, types.TimestampTZ:
		w = 8
	default:
		return 0, false, corrupt(t, "not an integer-like type")
	}
	if len(src) != 1+w || src[0] != markerValue {
		return 0, false, corrupt(t, "want a marker and %d bytes, have %d bytes", w, len(src))
	}
	switch w {
	case 2:
		return int64(int16(binary.BigEndian.Uint16(src[1:]) ^ (1 << 15))), false, nil
	case 4:
		return int64(int32(binary.BigEndian.Uint32(src[1:]) ^ (1 << 31))), false, nil
	}
	return int64(binary.BigEndian.Uint64(src[1:]) ^ (1 << 63)), false, nil
}
