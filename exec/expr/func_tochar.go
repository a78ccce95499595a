package expr

import (
	"strconv"
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
	if c, ok := cargs[1].(*Const); ok && !c.IsNull() {
		// A constant format (the usual case) is scanned once.
		if format, ok := c.Value().(string); ok {
			steps := compileToChar(format)
			return strictFunc(types.TextType, cargs, func(vs []any) (any, error) {
				return formatToChar(time.UnixMicro(vs[0].(int64)).UTC(), steps), nil
			}), nil
		}
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

// toCharStep is one piece of a scanned to_char format: literal text, or a
// pattern (as written, and in upper case) with its FM flag.
type toCharStep struct {
	lit      string
	pat, key string
	fm       bool
}

// compileToChar scans a to_char format into its steps.
func compileToChar(format string) []toCharStep {
	var steps []toCharStep
	var lit []byte
	flush := func() {
		if len(lit) > 0 {
			steps = append(steps, toCharStep{lit: string(lit)})
			lit = lit[:0]
		}
	}
	scanToChar(format, func(b byte) { lit = append(lit, b) }, func(p string, fm bool) {
		flush()
		steps = append(steps, toCharStep{pat: p, key: strings.ToUpper(p), fm: fm})
	})
	flush()
	return steps
}

// toChar returns to_char(tm, format).
func toChar(tm time.Time, format string) string {
	return formatToChar(tm, compileToChar(format))
}

// formatToChar writes tm as the scanned format steps say.
func formatToChar(tm time.Time, steps []toCharStep) string {
	buf := make([]byte, 0, 32)
	num := func(v, width int, fm bool) {
		if fm || v < 0 {
			buf = strconv.AppendInt(buf, int64(v), 10)
			return
		}
		for w, n := 1, v; w < width; w++ {
			if n /= 10; n == 0 {
				buf = append(buf, '0')
			}
		}
		buf = strconv.AppendInt(buf, int64(v), 10)
	}
	name := func(s string, p string, fm bool) {
		switch {
		case p == strings.ToUpper(p):
			s = strings.ToUpper(s)
		case p == strings.ToLower(p):
			s = strings.ToLower(s)
		}
		buf = append(buf, s...)
		if !fm && len(p) > 3 || !fm && (p == "DAY" || p == "Day" || p == "day") {
			for i := len(s); i < 9; i++ {
				buf = append(buf, ' ')
			}
		}
	}
	for _, st := range steps {
		if st.pat == "" {
			buf = append(buf, st.lit...)
			continue
		}
		fm := st.fm
		switch st.key {
		case "YYYY":
			num(tm.Year(), 4, fm)
		case "YYY":
			num(tm.Year()%1000, 3, fm)
		case "YY":
			num(tm.Year()%100, 2, fm)
		case "Y":
			num(tm.Year()%10, 1, fm)
		case "MM":
			num(int(tm.Month()), 2, fm)
		case "DD":
			num(tm.Day(), 2, fm)
		case "DDD":
			num(tm.YearDay(), 3, fm)
		case "D":
			num(int(tm.Weekday())+1, 1, fm)
		case "Q":
			num((int(tm.Month())-1)/3+1, 1, fm)
		case "HH24":
			num(tm.Hour(), 2, fm)
		case "HH12", "HH":
			h12 := tm.Hour() % 12
			if h12 == 0 {
				h12 = 12
			}
			num(h12, 2, fm)
		case "MI":
			num(tm.Minute(), 2, fm)
		case "SS":
			num(tm.Second(), 2, fm)
		case "MS":
			num(tm.Nanosecond()/1e6, 3, fm)
		case "US":
			num(tm.Nanosecond()/1e3, 6, fm)
		case "AM", "PM":
			m := "AM"
			if tm.Hour() >= 12 {
				m = "PM"
			}
			if st.pat == strings.ToLower(st.pat) {
				m = strings.ToLower(m)
			}
			buf = append(buf, m...)
		case "MONTH":
			name(tm.Month().String(), st.pat, fm)
		case "MON":
			name(tm.Month().String()[:3], st.pat, fm)
		case "DAY":
			name(tm.Weekday().String(), st.pat, fm)
		case "DY":
			name(tm.Weekday().String()[:3], st.pat, fm)
		}
	}
	return string(buf)
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
