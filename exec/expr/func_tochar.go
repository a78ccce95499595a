package expr

import (
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/sql/sqlstate"
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
			f := strictFunc(types.TextType, cargs, func(vs []any) (any, error) {
				var f civilTime
				f.set(vs[0].(int64))
				return string(appendToChar(nil, &f, steps)), nil
			})
			f.columnar = toCharColumnar(steps)
			return f, nil
		}
	}
	return strictFunc(types.TextType, cargs, func(vs []any) (any, error) {
		return toChar(vs[0].(int64), vs[1].(string)), nil
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

// toCharOp is what a step of a scanned to_char format writes.
type toCharOp uint8

const (
	toCharLit toCharOp = iota
	toCharYYYY
	toCharYYY
	toCharYY
	toCharY
	toCharMM
	toCharDD
	toCharDDD
	toCharD
	toCharQ
	toCharHH24
	toCharHH12
	toCharMI
	toCharSS
	toCharMS
	toCharUS
	toCharMeridiem
	toCharMonthName
	toCharDayName
)

// toCharOps maps the upper-case patterns to their steps' operations.
var toCharOps = map[string]toCharOp{
	"YYYY": toCharYYYY, "YYY": toCharYYY, "YY": toCharYY, "Y": toCharY,
	"MM": toCharMM, "DD": toCharDD, "DDD": toCharDDD, "D": toCharD, "Q": toCharQ,
	"HH24": toCharHH24, "HH12": toCharHH12, "HH": toCharHH12,
	"MI": toCharMI, "SS": toCharSS, "MS": toCharMS, "US": toCharUS,
	"AM": toCharMeridiem, "PM": toCharMeridiem,
	"MONTH": toCharMonthName, "MON": toCharMonthName, "DAY": toCharDayName, "DY": toCharDayName,
}

// toCharStep is one piece of a scanned to_char format: literal text, a
// number (with its FM flag), or a name written from names, which holds the
// pattern's names already cased and padded (the months from January, the
// days from Sunday, or AM then PM).
type toCharStep struct {
	op    toCharOp
	lit   string
	fm    bool
	names []string
}

// compileToChar scans a to_char format into its steps.
func compileToChar(format string) []toCharStep {
	var steps []toCharStep
	var lit []byte
	flush := func() {
		if len(lit) > 0 {
			steps = append(steps, toCharStep{op: toCharLit, lit: string(lit)})
			lit = lit[:0]
		}
	}
	scanToChar(format, func(b byte) { lit = append(lit, b) }, func(p string, fm bool) {
		flush()
		key := strings.ToUpper(p)
		st := toCharStep{op: toCharOps[key], fm: fm}
		switch key {
		case "MONTH", "MON":
			for m := time.January; m <= time.December; m++ {
				st.names = append(st.names, toCharName(m.String(), p, fm))
			}
		case "DAY", "DY":
			for d := time.Sunday; d <= time.Saturday; d++ {
				st.names = append(st.names, toCharName(d.String(), p, fm))
			}
		case "AM", "PM":
			if p == strings.ToLower(p) {
				st.names = []string{"am", "pm"}
			} else {
				st.names = []string{"AM", "PM"}
			}
		}
		steps = append(steps, st)
	})
	flush()
	return steps
}

// toCharName returns the name s as pattern p writes it: cut to three
// letters for MON and DY, in p's case (upper, lower or as written), and
// padded to 9 for the full names without FM.
func toCharName(s, p string, fm bool) string {
	if len(p) <= 3 && !strings.EqualFold(p, "DAY") {
		s = s[:3]
	}
	switch {
	case p == strings.ToUpper(p):
		s = strings.ToUpper(s)
	case p == strings.ToLower(p):
		s = strings.ToLower(s)
	}
	if !fm && (len(p) > 3 || strings.EqualFold(p, "DAY")) {
		s += strings.Repeat(" ", max(0, 9-len(s)))
	}
	return s
}

// toCharMaxLen bounds the bytes steps write for one timestamp.
func toCharMaxLen(steps []toCharStep) int {
	n := 0
	for _, st := range steps {
		switch {
		case st.op == toCharLit:
			n += len(st.lit)
		case st.names != nil:
			n += 9
		default:
			n += 20
		}
	}
	return n
}

// toChar returns to_char(ts, format) of the timestamp ts (microseconds).
func toChar(ts int64, format string) string {
	var f civilTime
	f.set(ts)
	return string(appendToChar(nil, &f, compileToChar(format)))
}

// civilTime is a timestamp's calendar fields (proleptic Gregorian, the
// year astronomical: 0 is 1 BC), as time.Time reports them.
type civilTime struct {
	days                         int64
	year, month, day, yday, wday int
	hour, minute, second, micro  int
}

const microsPerDay = 86_400_000_000

// set sets f to the timestamp ts (microseconds since 1970-01-01 00:00),
// reusing the date when ts falls on f's day.
func (f *civilTime) set(ts int64) {
	days, tod := ts/microsPerDay, ts%microsPerDay
	if tod < 0 {
		days, tod = days-1, tod+microsPerDay
	}
	f.hour = int(tod / 3_600_000_000)
	f.minute = int(tod / 60_000_000 % 60)
	f.second = int(tod / 1_000_000 % 60)
	f.micro = int(tod % 1_000_000)
	if days == f.days && f.month != 0 {
		return
	}
	f.days = days
	// The civil date of a day count, counting years from March so that
	// the leap day ends them.
	z := days + 719_468
	era := z / 146_097
	if z < 0 && z%146_097 != 0 {
		era--
	}
	doe := z - era*146_097
	yoe := (doe - doe/1460 + doe/36_524 - doe/146_096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	f.day = int(doy - (153*mp+2)/5 + 1)
	y := int(yoe + era*400)
	if mp < 10 {
		f.month = int(mp + 3)
		leap := 0
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			leap = 1
		}
		f.yday = int(doy) + 60 + leap
	} else {
		f.month = int(mp - 9)
		y++
		f.yday = int(doy) - 305
	}
	f.year = y
	f.wday = int((days%7 + 11) % 7)
}

// appendToCharNum appends v zero-padded to width digits (not with FM, nor
// when negative).
func appendToCharNum(buf []byte, v, width int, fm bool) []byte {
	if fm || v < 0 {
		return strconv.AppendInt(buf, int64(v), 10)
	}
	if width == 2 && v < 100 {
		return append(buf, byte('0'+v/10), byte('0'+v%10))
	}
	if width == 4 && v < 10_000 {
		return append(buf, byte('0'+v/1000), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
	}
	digits := 1
	for n := v / 10; n > 0; n /= 10 {
		digits++
	}
	for ; digits < width; digits++ {
		buf = append(buf, '0')
	}
	return strconv.AppendInt(buf, int64(v), 10)
}

// appendToChar appends f written as the scanned format steps say.
func appendToChar(buf []byte, f *civilTime, steps []toCharStep) []byte {
	for i := range steps {
		st := &steps[i]
		fm := st.fm
		switch st.op {
		case toCharLit:
			buf = append(buf, st.lit...)
		case toCharYYYY:
			buf = appendToCharNum(buf, f.year, 4, fm)
		case toCharYYY:
			buf = appendToCharNum(buf, f.year%1000, 3, fm)
		case toCharYY:
			buf = appendToCharNum(buf, f.year%100, 2, fm)
		case toCharY:
			buf = appendToCharNum(buf, f.year%10, 1, fm)
		case toCharMM:
			buf = appendToCharNum(buf, f.month, 2, fm)
		case toCharDD:
			buf = appendToCharNum(buf, f.day, 2, fm)
		case toCharDDD:
			buf = appendToCharNum(buf, f.yday, 3, fm)
		case toCharD:
			buf = appendToCharNum(buf, f.wday+1, 1, fm)
		case toCharQ:
			buf = appendToCharNum(buf, (f.month-1)/3+1, 1, fm)
		case toCharHH24:
			buf = appendToCharNum(buf, f.hour, 2, fm)
		case toCharHH12:
			h12 := f.hour % 12
			if h12 == 0 {
				h12 = 12
			}
			buf = appendToCharNum(buf, h12, 2, fm)
		case toCharMI:
			buf = appendToCharNum(buf, f.minute, 2, fm)
		case toCharSS:
			buf = appendToCharNum(buf, f.second, 2, fm)
		case toCharMS:
			buf = appendToCharNum(buf, f.micro/1000, 3, fm)
		case toCharUS:
			buf = appendToCharNum(buf, f.micro, 6, fm)
		case toCharMeridiem:
			buf = append(buf, st.names[f.hour/12]...)
		case toCharMonthName:
			buf = append(buf, st.names[f.month-1]...)
		case toCharDayName:
			buf = append(buf, st.names[f.wday]...)
		}
	}
	return buf
}

// toCharColumnar is to_char(ts, format) over a batch for a constant
// format scanned into steps.
func toCharColumnar(steps []toCharStep) *columnarFunc {
	maxLen := toCharMaxLen(steps)
	return &columnarFunc{args: []int{0}, eval: func(mem memory.Allocator, n int, args []arrow.Array) (arrow.Array, error) {
		ts, ok := args[0].(*array.Timestamp)
		if !ok {
			return nil, sqlstate.Errorf(sqlstate.Internal, "to_char over Arrow %s, not a timestamp", args[0].DataType())
		}
		valid := strictValidity(mem, n, ts)
		vals := ts.TimestampValues()
		var f civilTime
		// The first value's length sizes the text for all of them.
		rowLen := 0
		for i := range n {
			if valid.valid(i) {
				f.set(int64(vals[i]))
				var scratch [64]byte
				rowLen = len(appendToChar(scratch[:0], &f, steps))
				break
			}
		}
		out := newTextOut(mem, n, n*rowLen)
		for i := range n {
			if valid.valid(i) {
				f.set(int64(vals[i]))
				out.reserve(maxLen)
				out.bytes = appendToChar(out.bytes, &f, steps)
			}
			out.end(i)
		}
		return out.finish(valid.buf, valid.nulls)
	}}
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
