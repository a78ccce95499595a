package expr

import (
	"fmt"
	"strings"
	"time"

	"github.com/weir-stream/weir/sql/types"
)

var _ = addFuncs(map[string]*funcDef{
	"to_char": {resolve: resolveToChar},
})

// resolveToChar resolves to_char(timestamp, format) (a date is a timestamp
// at midnight) with Postgres' template patterns:
//
//	YYYY YYY YY Y  year (all its digits, the last 3, 2, 1)
//	MM DD DDD D Q  month, day of month, day of year, day of week (Sunday 1), quarter
//	HH24 HH12 HH MI SS MS US  hour, hour of 12, minute, second, milli-, microsecond
//	AM PM am pm  meridiem
//	Month MONTH month Mon MON mon  month name (Month padded to 9)
//	Day DAY day Dy DY dy  day name (Day padded to 9)
//
// FM before a pattern drops its padding and leading zeros; "text" is copied
// as it is, \ escapes the next character, and anything else is copied.
// Numeric patterns are recognised in any case, as in Postgres.
func resolveToChar(name string, args []Expr) (*funcExpr, error) {
	if len(args) != 2 {
		return nil, funcError(name, args)
	}
	t := args[0].Type()
	switch t.Family {
	case types.Timestamp:
	case types.Date, types.Unknown:
		t = types.TSType
	default:
		return nil, funcError(name, args)
	}
	cargs, err := coerceArgs(name, args, t, types.TextType)
	if err != nil {
		return nil, err
	}
	return strictFunc(types.TextType, cargs, func(vs []any) (any, error) {
		return toChar(time.UnixMicro(vs[0].(int64)).UTC(), vs[1].(string)), nil
	}), nil
}

// toCharPatterns are the patterns, longest first where one begins another.
// Those marked exact match in their case only (the name patterns, whose case
// is the case of the output); the others in any case.
var toCharPatterns = []struct {
	p     string
	exact bool
}{
	{"HH24", false}, {"HH12", false}, {"HH", false},
	{"YYYY", false}, {"YYY", false}, {"YY", false}, {"Y", false},
	{"MONTH", true}, {"Month", true}, {"month", true},
	{"MON", true}, {"Mon", true}, {"mon", true},
	{"MM", false}, {"MI", false}, {"MS", false},
	{"DAY", true}, {"Day", true}, {"day", true},
	{"DY", true}, {"Dy", true}, {"dy", true},
	{"DDD", false}, {"DD", false}, {"D", false},
	{"SS", false}, {"US", false},
	{"AM", true}, {"PM", true}, {"am", true}, {"pm", true},
	{"Q", false},
}

// scanToChar splits a to_char format into literal text (lit) and patterns
// (pat, fm when FM came before it).
func scanToChar(format string, lit func(b byte), pat func(p string, fm bool)) {
	fm := false
	for i := 0; i < len(format); {
		rest := format[i:]
		if len(rest) >= 2 && strings.EqualFold(rest[:2], "FM") {
			fm = true
			i += 2
			continue
		}
		if rest[0] == '"' {
			j := i + 1
			for j < len(format) && format[j] != '"' {
				if format[j] == '\\' && j+1 < len(format) {
					j++
				}
				lit(format[j])
				j++
			}
			i = j + 1
			fm = false
			continue
		}
		if rest[0] == '\\' && len(rest) > 1 {
			lit(rest[1])
			i += 2
			fm = false
			continue
		}
		matched := ""
		for _, c := range toCharPatterns {
			if len(rest) >= len(c.p) && (rest[:len(c.p)] == c.p || !c.exact && strings.EqualFold(rest[:len(c.p)], c.p)) {
				matched = c.p
				break
			}
		}
		if matched == "" {
			lit(rest[0])
			i++
			fm = false
			continue
		}
		pat(matched, fm)
		i += len(matched)
		fm = false
	}
}

func toChar(tm time.Time, format string) string {
	var sb strings.Builder
	var fm bool
	num := func(v, width int) {
		if fm {
			fmt.Fprintf(&sb, "%d", v)
		} else {
			fmt.Fprintf(&sb, "%0*d", width, v)
		}
	}
	name := func(s string, p string) {
		switch {
		case p == strings.ToUpper(p):
			s = strings.ToUpper(s)
		case p == strings.ToLower(p):
			s = strings.ToLower(s)
		}
		if !fm && len(p) > 3 || !fm && (p == "DAY" || p == "Day" || p == "day") {
			s = fmt.Sprintf("%-9s", s)
		}
		sb.WriteString(s)
	}
	scanToChar(format, func(b byte) { sb.WriteByte(b) }, func(matched string, patFM bool) {
		fm = patFM
		h12 := tm.Hour() % 12
		if h12 == 0 {
			h12 = 12
		}
		switch strings.ToUpper(matched) {
		case "YYYY":
			num(tm.Year(), 4)
		case "YYY":
			num(tm.Year()%1000, 3)
		case "YY":
			num(tm.Year()%100, 2)
		case "Y":
			num(tm.Year()%10, 1)
		case "MM":
			num(int(tm.Month()), 2)
		case "DD":
			num(tm.Day(), 2)
		case "DDD":
			num(tm.YearDay(), 3)
		case "D":
			num(int(tm.Weekday())+1, 1)
		case "Q":
			num((int(tm.Month())-1)/3+1, 1)
		case "HH24":
			num(tm.Hour(), 2)
		case "HH12", "HH":
			num(h12, 2)
		case "MI":
			num(tm.Minute(), 2)
		case "SS":
			num(tm.Second(), 2)
		case "MS":
			num(tm.Nanosecond()/1e6, 3)
		case "US":
			num(tm.Nanosecond()/1e3, 6)
		case "AM", "PM":
			m := "AM"
			if tm.Hour() >= 12 {
				m = "PM"
			}
			if matched == strings.ToLower(matched) {
				m = strings.ToLower(m)
			}
			sb.WriteString(m)
		case "MONTH":
			name(tm.Month().String(), matched)
		case "MON":
			name(tm.Month().String()[:3], matched)
		case "DAY":
			name(tm.Weekday().String(), matched)
		case "DY":
			name(tm.Weekday().String()[:3], matched)
		}
	})
	return sb.String()
}

// strftimeOf maps the patterns DuckDB's strftime writes the same way.
var strftimeOf = map[string]string{
	"YYYY": "%Y", "FMYYYY": "%Y", "YY": "%y",
	"MM": "%m", "FMMM": "%-m", "DD": "%d", "FMDD": "%-d", "DDD": "%j", "FMDDD": "%-j",
	"HH24": "%H", "FMHH24": "%-H", "HH12": "%I", "FMHH12": "%-I", "HH": "%I", "FMHH": "%-I",
	"MI": "%M", "FMMI": "%-M", "SS": "%S", "FMSS": "%-S", "MS": "%g", "US": "%f",
	"AM": "%p", "PM": "%p", "FMMonth": "%B", "Mon": "%b", "FMMon": "%b",
	"FMDay": "%A", "Dy": "%a", "FMDy": "%a",
}

// ToCharStrftime returns DuckDB's strftime format that writes what
// to_char(ts, format) does, or false when format has a pattern strftime
// does not write the same way.
func ToCharStrftime(format string) (string, bool) {
	var sb strings.Builder
	ok := true
	scanToChar(format, func(b byte) {
		if b == '%' {
			sb.WriteByte('%')
		}
		sb.WriteByte(b)
	}, func(p string, fm bool) {
		key := strings.ToUpper(p)
		if _, exact := map[string]bool{"MONTH": true, "MON": true, "DAY": true, "DY": true, "AM": true, "PM": true}[key]; exact {
			key = p
		}
		if fm {
			key = "FM" + key
		}
		f, found := strftimeOf[key]
		if !found {
			ok = false
		}
		sb.WriteString(f)
	})
	return sb.String(), ok
}
