package expr

import (
	"math"
	"time"

	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

var _ = addFuncs(map[string]*funcDef{
	"to_timestamp":   {resolve: resolveToTimestamp},
	"make_timestamp": {resolve: resolveMakeTimestamp},
	"current_date":   {volatile: true, resolve: resolveCurrentDate},
})

// resolveCurrentDate resolves CURRENT_DATE: today's date in UTC, the one
// time zone weir works in.
func resolveCurrentDate(name string, args []Expr) (*funcExpr, error) {
	if len(args) != 0 {
		return nil, funcError(name, args)
	}
	return &funcExpr{t: types.DateType, row: func([]any) (any, error) {
		return int32(time.Now().UTC().Unix() / 86400), nil
	}}, nil
}

// Postgres' timestamp range in seconds from the Unix epoch: from 4714-11-24
// BC, before 294277-01-01.
const (
	minTimestampSecs = -210866803200
	endTimestampSecs = 9224318016000
)

// resolveToTimestamp resolves to_timestamp(seconds since 1970-01-01 UTC),
// timestamp with time zone, rounded to the microsecond. NaN and a value
// out of range are 22008. to_timestamp(text, format) is
// resolveToTimestampText.
func resolveToTimestamp(name string, args []Expr) (*funcExpr, error) {
	if len(args) == 2 {
		return resolveToTimestampText(name, args)
	}
	if len(args) != 1 || !(args[0].Type().IsNumeric() || args[0].Type().Family == types.Unknown) {
		return nil, funcError(name, args)
	}
	cargs, err := coerceArgs(name, args, types.Float64Type)
	if err != nil {
		return nil, err
	}
	return strictFunc(types.TSTZType, cargs, func(vs []any) (any, error) {
		x := vs[0].(float64)
		if math.IsNaN(x) {
			return nil, sqlstate.Errorf(sqlstate.DatetimeFieldOverflow, "timestamp cannot be NaN")
		}
		if x < minTimestampSecs || x >= endTimestampSecs {
			return nil, sqlstate.Errorf(sqlstate.DatetimeFieldOverflow, "timestamp out of range: \"%g\"", x)
		}
		return int64(math.RoundToEven(x * 1e6)), nil
	}), nil
}

// resolveMakeTimestamp resolves make_timestamp(year, month, day, hour, min,
// sec double precision) → timestamp. A negative year is BC; a field out of
// range is 22008 as in Postgres (sec may be 60, hour 24 at 24:00:00).
func resolveMakeTimestamp(name string, args []Expr) (*funcExpr, error) {
	i32 := types.Int32Type
	cargs, err := coerceArgs(name, args, i32, i32, i32, i32, i32, types.Float64Type)
	if err != nil {
		return nil, err
	}
	return strictFunc(types.TSType, cargs, func(vs []any) (any, error) {
		y, mo, d := vs[0].(int64), vs[1].(int64), vs[2].(int64)
		h, mi, sec := vs[3].(int64), vs[4].(int64), vs[5].(float64)
		ay := y // astronomical year: 1 BC is 0
		if y < 0 {
			ay = y + 1
		}
		if y == 0 || mo < 1 || mo > 12 || d < 1 || d > int64(daysIn(ay, mo)) {
			return nil, sqlstate.Errorf(sqlstate.DatetimeFieldOverflow, "date field value out of range: %d-%02d-%02d", y, mo, d)
		}
		if h < 0 || mi < 0 || mi > 59 || !(sec >= 0) || sec > 60 || h > 24 || h == 24 && (mi > 0 || sec > 0) {
			return nil, sqlstate.Errorf(sqlstate.DatetimeFieldOverflow, "time field value out of range: %d:%02d:%02g", h, mi, sec)
		}
		day := time.Date(int(ay), time.Month(mo), int(d), 0, 0, 0, 0, time.UTC).Unix()
		us := int64(math.RoundToEven(sec*1e6)) + (h*3600+mi*60)*1e6
		secs := float64(day) + float64(us)/1e6
		if secs < minTimestampSecs || secs >= endTimestampSecs {
			return nil, sqlstate.Errorf(sqlstate.DatetimeFieldOverflow, "timestamp out of range: %d-%02d-%02d %d:%02d:%02g", y, mo, d, h, mi, sec)
		}
		return day*1e6 + us, nil
	}), nil
}

// daysIn is the number of days of month mo of astronomical year y.
func daysIn(y, mo int64) int {
	return time.Date(int(y), time.Month(mo)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
