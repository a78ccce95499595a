package expr

import (
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

var _ = addFuncs(map[string]*funcDef{
	"age":              {resolve: resolveAge},
	"date_bin":         {resolve: resolveDateBin},
	"make_timestamptz": {resolve: resolveMakeTimestampTZ},
})

// timestampArgType is the type age and date_bin compute in for args:
// timestamp with time zone when any argument has one, else timestamp
// (a date or an untyped literal is a timestamp).
func timestampArgType(args []Expr) types.T {
	for _, a := range args {
		if a.Type().Family == types.TimestampTZ {
			return types.TSTZType
		}
	}
	return types.TSType
}

// resolveAge resolves age(a, b), the interval from b to a in years, months
// and days as Postgres counts them (43 years 9 mons 27 days), and age(a),
// the interval from today's midnight (UTC) to a. age(a) reads the clock, so
// it is volatile as now() is.
func resolveAge(name string, args []Expr) (*funcExpr, error) {
	if len(args) != 1 && len(args) != 2 {
		return nil, funcError(name, args)
	}
	for _, a := range args {
		if f := a.Type().Family; f != types.Timestamp && f != types.TimestampTZ && f != types.Date && f != types.Unknown {
			return nil, funcError(name, args)
		}
	}
	t := timestampArgType(args)
	ts := make([]types.T, len(args))
	for i := range ts {
		ts[i] = t
	}
	cargs, err := coerceArgs(name, args, ts...)
	if err != nil {
		return nil, err
	}
	if len(args) == 1 {
		f := strictFunc(types.IntervalT, cargs, func(vs []any) (any, error) {
			today := time.Now().UTC().Truncate(24 * time.Hour).UnixMicro()
			return timestampAge(today, vs[0].(int64)), nil
		})
		f.volatile = true
		return f, nil
	}
	return strictFunc(types.IntervalT, cargs, func(vs []any) (any, error) {
		return timestampAge(vs[0].(int64), vs[1].(int64)), nil
	}), nil
}

// timestampAge is Postgres' age(a, b) of two timestamps in microseconds:
// the field-by-field difference, each negative field borrowing from the
// next larger one (a day borrows the length of the earlier timestamp's
// month), computed on the absolute difference and signed after.
func timestampAge(a, b int64) arrow.MonthDayNanoInterval {
	ta, tb := time.UnixMicro(a).UTC(), time.UnixMicro(b).UTC()
	neg := a < b
	us := int64(ta.Nanosecond()/1000 - tb.Nanosecond()/1000)
	sec := int64(ta.Second() - tb.Second())
	mi := int64(ta.Minute() - tb.Minute())
	h := int64(ta.Hour() - tb.Hour())
	d := int64(ta.Day() - tb.Day())
	mo := int64(ta.Month() - tb.Month())
	y := int64(ta.Year() - tb.Year())
	if neg {
		us, sec, mi, h, d, mo, y = -us, -sec, -mi, -h, -d, -mo, -y
	}
	for ; us < 0; sec-- {
		us += 1e6
	}
	for ; sec < 0; mi-- {
		sec += 60
	}
	for ; mi < 0; h-- {
		mi += 60
	}
	for ; h < 0; d-- {
		h += 24
	}
	for d < 0 {
		ref := tb
		if neg {
			ref = ta
		}
		d += int64(daysIn(int64(ref.Year()), int64(ref.Month())))
		mo--
	}
	for ; mo < 0; y-- {
		mo += 12
	}
	if neg {
		us, sec, mi, h, d, mo, y = -us, -sec, -mi, -h, -d, -mo, -y
	}
	return arrow.MonthDayNanoInterval{Months: int32(y*12 + mo), Days: int32(d),
		Nanoseconds: (((h*60+mi)*60+sec)*1e6 + us) * 1000}
}

// resolveDateBin resolves date_bin(stride, source, origin): the start of
// the stride-wide bin source falls in, bins counted from origin. A stride
// with months or years is 0A000, one not positive 22023, as in Postgres.
func resolveDateBin(name string, args []Expr) (*funcExpr, error) {
	if len(args) != 3 {
		return nil, funcError(name, args)
	}
	t := timestampArgType(args[1:])
	cargs, err := coerceArgs(name, args, types.IntervalT, t, t)
	if err != nil {
		return nil, err
	}
	return strictFunc(t, cargs, func(vs []any) (any, error) {
		iv, src, origin := vs[0].(arrow.MonthDayNanoInterval), vs[1].(int64), vs[2].(int64)
		if iv.Months != 0 {
			return nil, sqlstate.Errorf(sqlstate.FeatureNotSupported, "timestamps cannot be binned into intervals containing months or years")
		}
		stride := int64(iv.Days)*86400e6 + iv.Nanoseconds/1000
		if stride <= 0 {
			return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue, "stride must be greater than zero")
		}
		diff := src - origin
		if (src < origin) != (diff < 0) {
			return nil, sqlstate.Errorf(sqlstate.DatetimeFieldOverflow, "interval out of range")
		}
		delta := diff - diff%stride
		if diff < 0 && diff%stride != 0 {
			delta -= stride
		}
		return origin + delta, nil
	}), nil
}

// resolveMakeTimestampTZ resolves make_timestamptz(year, month, day, hour,
// min, sec[, zone]): make_timestamp's fields read in zone (a name such as
// 'America/New_York' or an offset such as '+2'), UTC without one.
func resolveMakeTimestampTZ(name string, args []Expr) (*funcExpr, error) {
	if len(args) != 6 && len(args) != 7 {
		return nil, funcError(name, args)
	}
	mk, err := resolveMakeTimestamp(name, args[:6])
	if err != nil {
		return nil, err
	}
	mk.t = types.TSTZType
	if len(args) == 6 {
		return mk, nil
	}
	zone, err := coerceArgs(name, args[6:], types.TextType)
	if err != nil {
		return nil, err
	}
	fields := mk.args
	return strictFunc(types.TSTZType, append(fields[:6:6], zone[0]), func(vs []any) (any, error) {
		local, err := mk.row(vs[:6])
		if err != nil {
			return nil, err
		}
		return inZone(local.(int64), vs[6].(string))
	}), nil
}

// ZoneOffset returns the seconds east of UTC of zone when it is an offset
// (Z, UTC, [+-]HH[:MM]) rather than a zone name.
func ZoneOffset(zone string) (int64, bool) {
	off, err := parseZone(zone)
	return off, err == nil
}

// inZone returns the instant wall-clock time us (microseconds, read as UTC)
// is in zone: a time zone name or a [+-]HH[:MM] offset east of UTC.
func inZone(us int64, zone string) (int64, error) {
	if off, err := parseZone(zone); err == nil {
		return us - off*1e6, nil
	}
	loc, err := time.LoadLocation(zone)
	if err != nil || zone == "" || strings.EqualFold(zone, "local") {
		return 0, sqlstate.Errorf(sqlstate.InvalidParameterValue, "time zone \"%s\" not recognized", zone)
	}
	wall := time.UnixMicro(us).UTC()
	at := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), wall.Nanosecond(), loc)
	return at.UnixMicro(), nil
}
