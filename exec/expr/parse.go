package expr

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// inputTypeName is the type name Postgres uses in input errors.
func inputTypeName(t types.T) string {
	switch t.Family {
	case types.Timestamp:
		return "timestamp"
	case types.Numeric:
		return "numeric"
	case types.Text:
		return "text"
	}
	return t.String()
}

// invalidInput returns `invalid input syntax for type T: "s"`: 22007 for
// date/time types, 22P02 otherwise.
func invalidInput(t types.T, s string) *sqlstate.Error {
	code := sqlstate.InvalidTextRepresentation
	if t.IsTemporal() || t.Family == types.Interval {
		code = sqlstate.InvalidDatetimeFormat
	}
	return sqlstate.Errorf(code, "invalid input syntax for type %s: %q", inputTypeName(t), s)
}

// parseValue parses s with Postgres' input function for t and returns the
// canonical value.
func parseValue(s string, t types.T) (any, error) {
	trimmed := strings.TrimSpace(s)
	switch t.Family {
	case types.Bool:
		switch strings.ToLower(trimmed) {
		case "t", "true", "tr", "tru", "y", "ye", "yes", "on", "1":
			return true, nil
		case "f", "false", "fa", "fal", "fals", "n", "no", "off", "of", "0":
			return false, nil
		}
		return nil, invalidInput(t, s)
	case types.Int16, types.Int32, types.Int64:
		x, err := strconv.ParseInt(strings.ReplaceAll(trimmed, "_", ""), 10, 64)
		if err != nil {
			if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
				return nil, sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "value %q is out of range for type %s", s, t)
			}
			return nil, invalidInput(t, s)
		}
		if checkIntRange(x, t) != nil {
			return nil, sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "value %q is out of range for type %s", s, t)
		}
		return x, nil
	case types.Float32, types.Float64:
		bits := 64
		if t.Family == types.Float32 {
			bits = 32
		}
		switch strings.ToLower(trimmed) {
		case "nan":
			return math.NaN(), nil
		case "infinity", "inf", "+infinity", "+inf":
			return math.Inf(1), nil
		case "-infinity", "-inf":
			return math.Inf(-1), nil
		}
		f, err := strconv.ParseFloat(trimmed, bits)
		if err != nil {
			if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
				return nil, sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "%q is out of range for type %s", s, t)
			}
			return nil, invalidInput(t, s)
		}
		return f, nil
	case types.Numeric:
		return parseNumeric(s, t)
	case types.Text:
		return s, nil
	case types.JSONB:
		norm, err := normalizeJSONB(s)
		if err != nil {
			return nil, sqlstate.Errorf(sqlstate.InvalidTextRepresentation, "invalid input syntax for type json").
				WithDetail(fmt.Sprintf("Token %q is invalid.", s))
		}
		return norm, nil
	case types.Bytea:
		return parseBytea(s)
	case types.Date:
		d, err := parseDate(trimmed)
		if err != nil {
			return nil, datetimeInputError(t, s, err)
		}
		return d, nil
	case types.Timestamp, types.TimestampTZ:
		us, err := parseTimestamp(trimmed, t.Family == types.TimestampTZ)
		if err != nil {
			return nil, datetimeInputError(t, s, err)
		}
		return us, nil
	case types.Interval:
		iv, err := parseInterval(trimmed)
		if err != nil {
			return nil, invalidInput(t, s)
		}
		return iv, nil
	case types.Array:
		return parseArray(s, t.ElemType())
	}
	return nil, invalidInput(t, s)
}

// datetimeInputError is the error for s, which does not parse as t: 22008
// when a field is out of range (month 13, February 30), 22007 otherwise.
func datetimeInputError(t types.T, s string, err error) *sqlstate.Error {
	var pe *time.ParseError
	if errors.As(err, &pe) && strings.Contains(pe.Message, "out of range") {
		return sqlstate.Errorf(sqlstate.DatetimeFieldOverflow, "date/time field value out of range: %q", s)
	}
	return invalidInput(t, s)
}

// parseNumeric parses a decimal number (with optional exponent) into t's
// scale, rounding half away from zero, and checks t's precision.
func parseNumeric(s string, t types.T) (any, error) {
	str := strings.TrimSpace(s)
	if str == "" {
		return nil, invalidInput(t, s)
	}
	neg := false
	if str[0] == '+' || str[0] == '-' {
		neg = str[0] == '-'
		str = str[1:]
	}
	exp := 0
	if i := strings.IndexAny(str, "eE"); i >= 0 {
		e, err := strconv.Atoi(str[i+1:])
		if err != nil || e > 1000 || e < -1000 {
			return nil, invalidInput(t, s)
		}
		exp = e
		str = str[:i]
	}
	intPart, frac, _ := strings.Cut(str, ".")
	digits := intPart + frac
	if digits == "" {
		return nil, invalidInput(t, s)
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return nil, invalidInput(t, s)
		}
	}
	// value = digits * 10^(exp - len(frac)); we want value * 10^scale.
	shift := exp - len(frac) + int(t.Scale)
	n, _ := new(big.Int).SetString(digits, 10)
	n = shiftRound(n, shift)
	if neg {
		n.Neg(n)
	}
	return numericFromBig(n, t)
}

// shiftRound returns n*10^shift, rounding half away from zero when shift < 0.
func shiftRound(n *big.Int, shift int) *big.Int {
	ten := big.NewInt(10)
	if shift >= 0 {
		return n.Mul(n, new(big.Int).Exp(ten, big.NewInt(int64(shift)), nil))
	}
	div := new(big.Int).Exp(ten, big.NewInt(int64(-shift)), nil)
	q, r := new(big.Int).QuoRem(n, div, new(big.Int))
	r.Abs(r).Mul(r, big.NewInt(2))
	if r.Cmp(div) >= 0 {
		if n.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q
}

var maxDecimal38 = new(big.Int).Sub(new(big.Int).Exp(big.NewInt(10), big.NewInt(38), nil), big.NewInt(1))

// numericFromBig returns the scaled integer n as a value of t, checking t's
// precision.
func numericFromBig(n *big.Int, t types.T) (any, error) {
	if new(big.Int).Abs(n).Cmp(maxDecimal38) > 0 {
		return nil, numericOverflow(t)
	}
	d := decimal128.FromBigInt(n)
	if !d.FitsInPrecision(t.Precision) {
		return nil, numericOverflow(t)
	}
	return d, nil
}

func numericFromInt(x int64, t types.T) (any, error) {
	if t.Scale >= 0 && t.Scale <= 18 {
		// |x| · 10^18 < 2^63 · 2^60: within 128 bits, so the product of
		// 128-bit words is exact.
		v := decimal128.FromI64(x).Mul(decimal128.GetScaleMultiplier(int(t.Scale)))
		if !v.FitsInPrecision(t.Precision) {
			return numericFromBig(v.BigInt(), t) // its overflow error
		}
		return v, nil
	}
	return numericFromBig(shiftRound(big.NewInt(x), int(t.Scale)), t)
}

func numericFromFloat(f float64, t types.T) (any, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, sqlstate.Errorf(sqlstate.FeatureNotSupported, "cannot convert %s to numeric", formatFloat(f, 64))
	}
	// Go through the shortest decimal representation, as Postgres does.
	return parseNumeric(strconv.FormatFloat(f, 'g', -1, 64), t)
}

func parseBytea(s string) (any, error) {
	if strings.HasPrefix(s, `\x`) {
		b, err := hex.DecodeString(strings.ReplaceAll(s[2:], " ", ""))
		if err != nil {
			return nil, invalidInput(types.ByteaType, s)
		}
		return b, nil
	}
	var out []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		if i+1 < len(s) && s[i+1] == '\\' {
			out = append(out, '\\')
			i++
			continue
		}
		if i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				out = append(out, byte(v))
				i += 3
				continue
			}
		}
		return nil, invalidInput(types.ByteaType, s)
	}
	if out == nil {
		out = []byte{}
	}
	return out, nil
}

// parseDate parses YYYY-MM-DD (optionally followed by a time, which is
// dropped) into days since the epoch.
func parseDate(s string) (int32, error) {
	if strings.EqualFold(s, "epoch") {
		return 0, nil
	}
	if len(s) > 10 && (s[10] == ' ' || s[10] == 'T') {
		us, err := parseTimestamp(s, false)
		if err != nil {
			return 0, err
		}
		return int32(floorDiv(us, 86400e6)), nil
	}
	tm, err := time.Parse("2006-01-02", s)
	if err != nil {
		return 0, err
	}
	return int32(floorDiv(tm.Unix(), 86400)), nil
}

// parseTimestamp parses 'YYYY-MM-DD[ T]HH:MM[:SS[.ffffff]][zone]' into
// microseconds. A zone offset is applied for TIMESTAMPTZ and ignored for
// TIMESTAMP, as Postgres does.
func parseTimestamp(s string, tz bool) (int64, error) {
	if strings.EqualFold(s, "epoch") {
		return 0, nil
	}
	if len(s) == 10 {
		d, err := parseDate(s)
		return int64(d) * 86400e6, err
	}
	if len(s) < 16 || (s[10] != ' ' && s[10] != 'T') {
		return 0, fmt.Errorf("bad timestamp")
	}
	datePart, rest := s[:10], s[11:]
	// Split the zone off the clock.
	zone := ""
	if i := strings.IndexAny(rest, "+-Zz"); i >= 0 {
		zone, rest = strings.TrimSpace(rest[i:]), strings.TrimSpace(rest[:i])
	} else if i := strings.IndexByte(rest, ' '); i >= 0 {
		zone, rest = strings.TrimSpace(rest[i:]), rest[:i]
	}
	layout := "2006-01-02 15:04"
	if strings.Count(rest, ":") == 2 {
		layout = "2006-01-02 15:04:05"
	}
	frac := ""
	if i := strings.IndexByte(rest, '.'); i >= 0 {
		frac, rest = rest[i+1:], rest[:i]
	}
	tm, err := time.Parse(layout, datePart+" "+rest)
	if err != nil {
		return 0, err
	}
	us := tm.UnixMicro()
	if frac != "" {
		if len(frac) > 9 {
			return 0, fmt.Errorf("bad fraction")
		}
		f, err := strconv.ParseUint(frac, 10, 64)
		if err != nil {
			return 0, err
		}
		// Round to microseconds, half away from zero.
		ns := int64(f) * int64(math.Pow10(9-len(frac)))
		us += (ns + 500) / 1000
	}
	if zone != "" && tz {
		off, err := parseZone(zone)
		if err != nil {
			return 0, err
		}
		us -= off * 1e6
	} else if zone != "" {
		if _, err := parseZone(zone); err != nil {
			return 0, err
		}
	}
	return us, nil
}

// parseZone parses Z, UTC, +HH, +HHMM or +HH:MM into seconds east of UTC.
func parseZone(z string) (int64, error) {
	switch strings.ToUpper(z) {
	case "Z", "UTC", "GMT":
		return 0, nil
	}
	if len(z) < 2 || (z[0] != '+' && z[0] != '-') {
		return 0, fmt.Errorf("bad zone")
	}
	sign := int64(1)
	if z[0] == '-' {
		sign = -1
	}
	body := strings.ReplaceAll(z[1:], ":", "")
	var h, m int64
	var err error
	switch len(body) {
	case 1, 2:
		h, err = strconv.ParseInt(body, 10, 64)
	case 4:
		h, err = strconv.ParseInt(body[:2], 10, 64)
		if err == nil {
			m, err = strconv.ParseInt(body[2:], 10, 64)
		}
	default:
		return 0, fmt.Errorf("bad zone")
	}
	if err != nil {
		return 0, err
	}
	return sign * (h*3600 + m*60), nil
}

// parseInterval parses Postgres' interval input: a sequence of
// `<number> <unit>` and an optional `[-]HH:MM[:SS[.ffffff]]`, with an optional
// trailing `ago`. Fractional units spill into smaller ones as in Postgres
// (1.5 months = 1 mon 15 days).
func parseInterval(s string) (arrow.MonthDayNanoInterval, error) {
	var iv arrow.MonthDayNanoInterval
	fields := strings.Fields(strings.ToLower(s))
	if len(fields) == 0 {
		return iv, fmt.Errorf("empty interval")
	}
	ago := false
	if fields[len(fields)-1] == "ago" {
		ago = true
		fields = fields[:len(fields)-1]
	}
	var months, days float64
	var nanos float64
	seen := false
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		if strings.Contains(f, ":") {
			ns, err := parseClock(f)
			if err != nil {
				return iv, err
			}
			nanos += float64(ns)
			seen = true
			continue
		}
		numStr, unit := f, ""
		// Allow "1day" and "1 day".
		j := 0
		for j < len(f) && (f[j] == '-' || f[j] == '+' || f[j] == '.' || (f[j] >= '0' && f[j] <= '9')) {
			j++
		}
		if j < len(f) {
			numStr, unit = f[:j], f[j:]
		} else if i+1 < len(fields) {
			unit = fields[i+1]
			i++
		}
		n, err := strconv.ParseFloat(numStr, 64)
		if err != nil {
			return iv, err
		}
		switch strings.TrimSuffix(unit, "s") {
		case "microsecond", "u", "usec", "us":
			nanos += n * 1e3
		case "millisecond", "m", "msec", "ms":
			if unit == "m" {
				nanos += n * 60e9
			} else {
				nanos += n * 1e6
			}
		case "second", "sec", "":
			nanos += n * 1e9
		case "minute", "min":
			nanos += n * 60e9
		case "hour", "hr", "h":
			nanos += n * 3600e9
		case "day", "d":
			days += n
		case "week", "w":
			days += n * 7
		case "month", "mon":
			months += n
		case "year", "yr", "y":
			months += n * 12
		case "decade":
			months += n * 120
		case "century", "centurie":
			months += n * 1200
		default:
			return iv, fmt.Errorf("bad unit %q", unit)
		}
		seen = true
	}
	if !seen {
		return iv, fmt.Errorf("empty interval")
	}
	wholeMonths := math.Trunc(months)
	days += (months - wholeMonths) * 30
	wholeDays := math.Trunc(days)
	nanos += (days - wholeDays) * 86400e9
	if math.Abs(wholeMonths) > math.MaxInt32 || math.Abs(wholeDays) > math.MaxInt32 || math.Abs(nanos) > math.MaxInt64/2 {
		return iv, fmt.Errorf("interval out of range")
	}
	iv = arrow.MonthDayNanoInterval{Months: int32(wholeMonths), Days: int32(wholeDays), Nanoseconds: int64(math.Round(nanos/1e3)) * 1e3}
	if ago {
		iv = arrow.MonthDayNanoInterval{Months: -iv.Months, Days: -iv.Days, Nanoseconds: -iv.Nanoseconds}
	}
	return iv, nil
}

// parseClock parses [-]H:MM[:SS[.frac]] into nanoseconds.
func parseClock(s string) (int64, error) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, fmt.Errorf("bad clock")
	}
	h, err1 := strconv.ParseInt(parts[0], 10, 64)
	m, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil || m >= 60 {
		return 0, fmt.Errorf("bad clock")
	}
	ns := (h*3600 + m*60) * 1e9
	if len(parts) == 3 {
		sec, err := strconv.ParseFloat(parts[2], 64)
		if err != nil || sec >= 60 {
			return 0, fmt.Errorf("bad clock")
		}
		ns += int64(math.Round(sec*1e6)) * 1e3
	}
	if neg {
		ns = -ns
	}
	return ns, nil
}

// ParseDuration parses a length of time written as a Go duration ('90s',
// '1h30m') or as a Postgres interval without months ('1 hour', '2 days',
// '00:30:00'); a day is 24 hours. Options such as a view's ttl use it.
func ParseDuration(s string) (time.Duration, error) {
	if d, err := time.ParseDuration(strings.ReplaceAll(strings.TrimSpace(s), " ", "")); err == nil {
		return d, nil
	}
	iv, err := parseInterval(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration ('90s', '1h30m', '2 days')", s)
	}
	if iv.Months != 0 {
		return 0, fmt.Errorf("%q has months, whose length varies: give days", s)
	}
	return time.Duration(iv.Days)*24*time.Hour + time.Duration(iv.Nanoseconds), nil
}
