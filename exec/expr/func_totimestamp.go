package expr

import (
	"strconv"
	"strings"
	"time"

	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// toTimestampDigits is how many digits each numeric pattern of
// to_timestamp(text, format) reads at most.
var toTimestampDigits = map[string]int{"YYYY": 4, "YY": 2, "MM": 2, "DD": 2, "HH24": 2, "HH12": 2, "HH": 2,
	"MI": 2, "SS": 2, "MS": 3, "US": 6}

// resolveToTimestampText resolves to_timestamp(text, format): text read
// with Postgres' template patterns YYYY YY (70-99 the 1900s, 00-69 the
// 2000s) MM DD HH24 HH12 HH MI SS MS US AM PM and the month names (Month,
// Mon in any case), FM, "text" and separators (a space in the format skips
// the input's spaces, another separator one non-alphanumeric character),
// as a timestamp with time zone (UTC). Text after the format is ignored,
// as in Postgres. The other patterns are 0A000; a value that does not fit
// its pattern 22007, a field out of range 22008, as Postgres words them.
func resolveToTimestampText(name string, args []Expr) (*funcExpr, error) {
	cargs, err := coerceArgs(name, args, types.TextType, types.TextType)
	if err != nil {
		return nil, err
	}
	if c, ok := cargs[1].(*Const); ok && !c.IsNull() {
		// A constant format's patterns are checked once, here.
		if format, ok := c.Value().(string); ok {
			if p := unsupportedToTimestampPattern(format); p != "" {
				return nil, toTimestampPatternError(p)
			}
		}
	}
	return strictFunc(types.TSTZType, cargs, func(vs []any) (any, error) {
		return toTimestampText(vs[0].(string), vs[1].(string))
	}), nil
}

// unsupportedToTimestampPattern returns the first pattern of format
// to_timestamp does not read, or "".
func unsupportedToTimestampPattern(format string) string {
	bad := ""
	scanToChar(format, func(byte) {}, func(p string, _ bool) {
		u := strings.ToUpper(p)
		if _, ok := toTimestampDigits[u]; !ok && bad == "" && u != "AM" && u != "PM" && u != "MON" && u != "MONTH" {
			bad = p
		}
	})
	return bad
}

// toTimestampPatternError is 0A000 for pattern p of to_timestamp's format.
func toTimestampPatternError(p string) *sqlstate.Error {
	return sqlstate.Errorf(sqlstate.FeatureNotSupported, "to_timestamp does not support the pattern \"%s\"", p)
}

// toTimestampText reads s with format (see resolveToTimestampText).
func toTimestampText(s, format string) (any, error) {
	type step struct {
		lit byte
		pat string
	}
	var steps []step
	scanToChar(format, func(b byte) { steps = append(steps, step{lit: b}) },
		func(p string, _ bool) { steps = append(steps, step{pat: p}) })
	year, month, day, hour, minute, sec, us := 0, 1, 1, 0, 0, 0, 0
	hour12, pm := false, -1
	pos := 0
	invalid := func(pat string) *sqlstate.Error {
		v := s[pos:min(len(s), pos+len(pat))]
		return sqlstate.Errorf(sqlstate.InvalidDatetimeFormat, "invalid value \"%s\" for \"%s\"", v, pat)
	}
	for _, st := range steps {
		if st.pat == "" {
			switch {
			case st.lit == ' ':
				for pos < len(s) && s[pos] == ' ' {
					pos++
				}
			case pos < len(s) && !isAlnum(s[pos]):
				pos++
			}
			continue
		}
		for pos < len(s) && s[pos] == ' ' {
			pos++
		}
		pat := strings.ToUpper(st.pat)
		if n, ok := toTimestampDigits[pat]; ok {
			end := pos
			for end < len(s) && end-pos < n && s[end] >= '0' && s[end] <= '9' {
				end++
			}
			if end == pos {
				return nil, invalid(st.pat).WithDetail("Value must be an integer.")
			}
			v, _ := strconv.Atoi(s[pos:end])
			digits := end - pos
			pos = end
			switch pat {
			case "YYYY":
				year = v
			case "YY":
				year = 2000 + v
				if v >= 70 {
					year = 1900 + v
				}
			case "MM":
				month = v
			case "DD":
				day = v
			case "HH24":
				hour = v
			case "HH12", "HH":
				hour, hour12 = v, true
			case "MI":
				minute = v
			case "SS":
				sec = v
			case "MS":
				for ; digits < 3; digits++ {
					v *= 10
				}
				us = v * 1000
			case "US":
				for ; digits < 6; digits++ {
					v *= 10
				}
				us = v
			}
			continue
		}
		switch pat {
		case "AM", "PM":
			if pos+2 > len(s) || !strings.EqualFold(s[pos:pos+2], "AM") && !strings.EqualFold(s[pos:pos+2], "PM") {
				return nil, invalid(st.pat).WithDetail("The given value did not match any of the allowed values for this field.")
			}
			pm = 0
			if strings.EqualFold(s[pos:pos+2], "PM") {
				pm = 1
			}
			pos += 2
		case "MONTH", "MON":
			found := false
			for m := time.January; m <= time.December; m++ {
				full := m.String()
				if pat == "MON" {
					full = full[:3]
				}
				if len(s)-pos >= len(full) && strings.EqualFold(s[pos:pos+len(full)], full) {
					month, found = int(m), true
					pos += len(full)
					break
				}
			}
			if !found {
				end := pos
				for end < len(s) && isAlnum(s[end]) {
					end++
				}
				return nil, sqlstate.Errorf(sqlstate.InvalidDatetimeFormat, "invalid value \"%s\" for \"%s\"", s[pos:end], st.pat).
					WithDetail("The given value did not match any of the allowed values for this field.")
			}
		default:
			return nil, toTimestampPatternError(st.pat)
		}
	}
	if hour12 {
		if hour < 1 || hour > 12 {
			return nil, sqlstate.Errorf(sqlstate.InvalidDatetimeFormat, "hour \"%d\" is invalid for the 12-hour clock", hour).
				WithHint("Use the 24-hour clock, or give an hour between 1 and 12.")
		}
		hour %= 12
	}
	if pm == 1 {
		hour += 12
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(int64(year), int64(month)) || hour > 24 || minute > 59 || sec > 60 {
		return nil, sqlstate.Errorf(sqlstate.DatetimeFieldOverflow, "date/time field value out of range: \"%s\"", s)
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, us*1000, time.UTC).UnixMicro(), nil
}

// isAlnum reports whether b is an ASCII letter or digit.
func isAlnum(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// strptimeOf maps the patterns of to_timestamp(text, format) that DuckDB's
// strptime reads the same way (in any case: to_timestamp reads names in
// any case too).
var strptimeOf = map[string]string{"YYYY": "%Y", "YY": "%y", "MM": "%m", "DD": "%d", "HH24": "%H", "HH12": "%I",
	"HH": "%I", "MI": "%M", "SS": "%S", "US": "%f", "AM": "%p", "PM": "%p", "MON": "%b", "MONTH": "%B"}

// ToTimestampStrptime returns DuckDB's strptime format that reads what
// to_timestamp(text, format) does, or false when format has a pattern
// strptime does not read the same way.
func ToTimestampStrptime(format string) (string, bool) {
	var sb strings.Builder
	ok := true
	scanToChar(format, func(b byte) {
		if b == '%' {
			sb.WriteByte('%')
		}
		sb.WriteByte(b)
	}, func(p string, _ bool) {
		f, found := strptimeOf[strings.ToUpper(p)]
		ok = ok && found
		sb.WriteString(f)
	})
	return sb.String(), ok
}
