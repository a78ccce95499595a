package wire

import (
	"encoding/binary"
	"math"
	"strconv"

	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// maxNumericDigits bounds the base-10000 digits of a binary numeric
// parameter (Postgres' NUMERIC_MAX_PRECISION is 1000 decimal digits).
const maxNumericDigits = 1000 / 4

// decodeParams turns Bind's parameter values into the text form the session
// takes. Text values pass through; binary ones are decoded according to the
// statement's parameter types. formats has 0 (all text), 1 (applies to all)
// or len(values) entries.
func decodeParams(paramTypes []types.T, formats []int16, values [][]byte) ([]*string, error) {
	if len(values) != len(paramTypes) {
		return nil, sqlstate.Errorf(sqlstate.ProtocolViolation,
			"bind message supplies %d parameters, but prepared statement requires %d", len(values), len(paramTypes))
	}
	if len(formats) > 1 && len(formats) != len(values) {
		return nil, sqlstate.Errorf(sqlstate.ProtocolViolation,
			"bind message has %d parameter formats but %d parameters", len(formats), len(values))
	}
	out := make([]*string, len(values))
	for i, v := range values {
		if v == nil {
			continue
		}
		f := formatText
		if len(formats) == 1 {
			f = formats[0]
		} else if len(formats) > 1 {
			f = formats[i]
		}
		var s string
		switch f {
		case formatText:
			s = string(v)
		case formatBinary:
			b, err := binaryParamToText(nil, paramTypes[i], v)
			if err != nil {
				return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue,
					"incorrect binary data format in bind parameter %d: %v", i+1, err)
			}
			s = string(b)
		default:
			return nil, sqlstate.Errorf(sqlstate.ProtocolViolation, "unsupported format code: %d", f)
		}
		out[i] = &s
	}
	return out, nil
}

type paramError string

func (e paramError) Error() string { return string(e) }

// binaryParamToText appends the text form of src, a value of type t in
// Postgres' binary format.
func binaryParamToText(dst []byte, t types.T, src []byte) ([]byte, error) {
	need := func(n int) error {
		if len(src) != n {
			return paramError("expected " + strconv.Itoa(n) + " bytes for " + t.String() + ", got " + strconv.Itoa(len(src)))
		}
		return nil
	}
	switch t.Family {
	case types.Bool:
		if err := need(1); err != nil {
			return nil, err
		}
		return appendBoolText(dst, src[0] != 0), nil
	case types.Int16:
		if err := need(2); err != nil {
			return nil, err
		}
		return strconv.AppendInt(dst, int64(int16(binary.BigEndian.Uint16(src))), 10), nil
	case types.Int32:
		if err := need(4); err != nil {
			return nil, err
		}
		return strconv.AppendInt(dst, int64(int32(binary.BigEndian.Uint32(src))), 10), nil
	case types.Int64:
		if err := need(8); err != nil {
			return nil, err
		}
		return strconv.AppendInt(dst, int64(binary.BigEndian.Uint64(src)), 10), nil
	case types.Float32:
		if err := need(4); err != nil {
			return nil, err
		}
		return appendFloatText(dst, float64(math.Float32frombits(binary.BigEndian.Uint32(src))), 32), nil
	case types.Float64:
		if err := need(8); err != nil {
			return nil, err
		}
		return appendFloatText(dst, math.Float64frombits(binary.BigEndian.Uint64(src)), 64), nil
	case types.Numeric:
		return numericBinaryToText(dst, src)
	case types.Text:
		return append(dst, src...), nil
	case types.JSONB:
		if len(src) < 1 || src[0] != 1 {
			return nil, paramError("unsupported jsonb version")
		}
		return append(dst, src[1:]...), nil
	case types.Bytea:
		return appendByteaText(dst, src), nil
	case types.Date:
		if err := need(4); err != nil {
			return nil, err
		}
		d := int32(binary.BigEndian.Uint32(src))
		switch d {
		case math.MaxInt32:
			return appendDateText(dst, dateInfinity), nil
		case math.MinInt32:
			return appendDateText(dst, dateNegInfinity), nil
		}
		return appendDateText(dst, int64(d)+pgEpochDays), nil
	case types.Timestamp, types.TimestampTZ:
		if err := need(8); err != nil {
			return nil, err
		}
		us := int64(binary.BigEndian.Uint64(src))
		if us != math.MaxInt64 && us != math.MinInt64 {
			if us > math.MaxInt64-pgEpochMicros {
				return nil, paramError("timestamp out of range")
			}
			us += pgEpochMicros
		}
		return appendTimestampText(dst, us, t.Family == types.TimestampTZ), nil
	case types.Interval:
		if err := need(16); err != nil {
			return nil, err
		}
		return appendIntervalText(dst, interval{
			micros: int64(binary.BigEndian.Uint64(src)),
			days:   int32(binary.BigEndian.Uint32(src[8:])),
			months: int32(binary.BigEndian.Uint32(src[12:])),
		}), nil
	case types.Array:
		return binaryArrayParamToText(dst, t, src)
	}
	return nil, paramError("binary format is not supported for type " + t.String())
}

// numericBinaryToText decodes Postgres' binary numeric into its text form.
func numericBinaryToText(dst []byte, src []byte) ([]byte, error) {
	if len(src) < 8 {
		return nil, paramError("numeric too short")
	}
	ndigits := int(int16(binary.BigEndian.Uint16(src)))
	weight := int(int16(binary.BigEndian.Uint16(src[2:])))
	sign := binary.BigEndian.Uint16(src[4:])
	dscale := int(int16(binary.BigEndian.Uint16(src[6:])))
	switch sign {
	case 0xC000:
		return append(dst, "NaN"...), nil
	case 0xD000:
		return append(dst, "Infinity"...), nil
	case 0xF000:
		return append(dst, "-Infinity"...), nil
	case 0, 0x4000:
	default:
		return nil, paramError("invalid numeric sign")
	}
	if ndigits < 0 || ndigits > maxNumericDigits || len(src) != 8+2*ndigits {
		return nil, paramError("invalid numeric length")
	}
	if dscale < 0 || dscale > 1000 || weight > maxNumericDigits || weight < -maxNumericDigits {
		return nil, paramError("numeric out of range")
	}
	digit := func(k int) int64 { // base-10000 digit k, 0 beyond the stored ones
		if k < 0 || k >= ndigits {
			return 0
		}
		d := int64(binary.BigEndian.Uint16(src[8+2*k:]))
		return d
	}
	for k := range ndigits {
		if digit(k) > 9999 {
			return nil, paramError("invalid numeric digit")
		}
	}
	if sign == 0x4000 && ndigits > 0 {
		dst = append(dst, '-')
	}
	if weight < 0 {
		dst = append(dst, '0')
	} else {
		dst = strconv.AppendInt(dst, digit(0), 10)
		for k := 1; k <= weight; k++ {
			dst = appendPadded(dst, digit(k), 4)
		}
	}
	if dscale > 0 {
		dst = append(dst, '.')
		start := len(dst)
		for k := weight + 1; len(dst)-start < dscale; k++ {
			dst = appendPadded(dst, digit(k), 4)
		}
		dst = dst[:start+dscale]
	}
	return dst, nil
}
