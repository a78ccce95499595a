package sql

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// intervalField is one field of an interval qualifier (INTERVAL '…' DAY TO
// SECOND), from the largest to the smallest.
type intervalField int

const (
	fieldYear intervalField = iota
	fieldMonth
	fieldDay
	fieldHour
	fieldMinute
	fieldSecond
	fieldNone intervalField = -1
)

// intervalFieldWords are the key words of the qualifier's fields.
var intervalFieldWords = map[string]intervalField{
	"year": fieldYear, "month": fieldMonth, "day": fieldDay,
	"hour": fieldHour, "minute": fieldMinute, "second": fieldSecond,
}

// intervalQualifier is the qualifier of an SQL-standard interval literal:
// the fields from first to last, and last's precision when it is SECOND(p).
type intervalQualifier struct {
	first, last intervalField
	precision   int // fractional digits of the seconds kept: 0-6
}

// SQLSTATE codes of interval input (invalid_datetime_format,
// interval_field_overflow).
const (
	invalidDatetimeFormat = "22007"
	intervalFieldOverflow = "22015"
)

// parseIntervalQualifier parses the qualifier after INTERVAL 'text', if one
// follows: YEAR, MONTH, DAY, HOUR, MINUTE, SECOND [(p)], YEAR TO MONTH,
// DAY TO HOUR|MINUTE|SECOND [(p)], HOUR TO MINUTE|SECOND [(p)] or MINUTE
// TO SECOND [(p)].
func (p *parser) parseIntervalQualifier() (intervalQualifier, bool, error) {
	t := p.peek()
	first, ok := intervalFieldWords[t.val]
	if t.kind != tkIdent || t.quoted || !ok {
		return intervalQualifier{}, false, nil
	}
	p.i++
	q := intervalQualifier{first: first, last: first, precision: 6}
	if p.acceptKw("to") {
		t := p.peek()
		last, ok := intervalFieldWords[t.val]
		if t.kind != tkIdent || t.quoted || !ok || last <= first || first == fieldMonth ||
			first == fieldYear && last != fieldMonth || first != fieldYear && last == fieldMonth {
			return q, false, p.errUnexpected()
		}
		p.i++
		q.last = last
	}
	if q.last == fieldSecond && p.acceptOp("(") {
		t := p.peek()
		n, err := strconv.Atoi(t.val)
		if t.kind != tkInteger || err != nil {
			return q, false, p.errUnexpected()
		}
		p.i++
		if err := p.expectOp(")"); err != nil {
			return q, false, err
		}
		q.precision = min(n, 6)
	}
	return q, true, nil
}

// intervalUnits are the unit words of Postgres' interval input, each as
// its months, days or microseconds.
var intervalUnits = map[string]struct{ months, days, micros float64 }{
	"microsecond": {micros: 1}, "microseconds": {micros: 1}, "us": {micros: 1}, "usec": {micros: 1}, "usecs": {micros: 1},
	"millisecond": {micros: 1e3}, "milliseconds": {micros: 1e3}, "ms": {micros: 1e3}, "msec": {micros: 1e3}, "msecs": {micros: 1e3},
	"second": {micros: 1e6}, "seconds": {micros: 1e6}, "s": {micros: 1e6}, "sec": {micros: 1e6}, "secs": {micros: 1e6},
	"minute": {micros: 60e6}, "minutes": {micros: 60e6}, "m": {micros: 60e6}, "min": {micros: 60e6}, "mins": {micros: 60e6},
	"hour": {micros: 3600e6}, "hours": {micros: 3600e6}, "h": {micros: 3600e6}, "hr": {micros: 3600e6}, "hrs": {micros: 3600e6},
	"day": {days: 1}, "days": {days: 1}, "d": {days: 1},
	"week": {days: 7}, "weeks": {days: 7}, "w": {days: 7},
	"month": {months: 1}, "months": {months: 1}, "mon": {months: 1}, "mons": {months: 1},
	"year": {months: 12}, "years": {months: 12}, "y": {months: 12}, "yr": {months: 12}, "yrs": {months: 12},
	"decade": {months: 120}, "decades": {months: 120},
	"century": {months: 1200}, "centuries": {months: 1200},
	"millennium": {months: 12000}, "millennia": {months: 12000},
}

// fieldUnit is the unit word a bare number stands for under a qualifier
// whose last field is f.
var fieldUnit = [...]string{fieldYear: "year", fieldMonth: "month", fieldDay: "day",
	fieldHour: "hour", fieldMinute: "minute", fieldSecond: "second"}

// intervalWithQualifier returns the interval text s, written under
// qualifier q at pos, in Postgres' unit-word form that means the same
// without the qualifier: a bare number is q's last field ('90' DAY), 'Y-M'
// is years and months, 'H:M' under MINUTE TO SECOND is minutes and seconds,
// 'D H' under DAY TO HOUR is days and hours, and the fields below q's last
// are dropped ('1 day 3 hours' DAY is 1 day). Errors are Postgres': 22007
// for text that is no interval, 22015 for a field out of range.
func intervalWithQualifier(s string, q intervalQualifier, pos Pos) (string, error) {
	bad := func() error {
		return &Error{Pos: pos, Code: invalidDatetimeFormat, Msg: `invalid input syntax for type interval: "` + s + `"`}
	}
	overflow := func() error {
		return &Error{Pos: pos, Code: intervalFieldOverflow, Msg: `interval field value out of range: "` + s + `"`}
	}
	toks := strings.Fields(strings.ToLower(s))
	ago := len(toks) > 0 && toks[len(toks)-1] == "ago"
	if ago {
		toks = toks[:len(toks)-1]
	}
	if len(toks) == 0 {
		return "", bad()
	}
	var months, days, micros float64
	used := map[string]bool{}
	add := func(n float64, unit string) error {
		u := intervalUnits[unit]
		key := strings.TrimSuffix(unit, "s")
		if used[key] {
			return bad()
		}
		used[key] = true
		months += n * u.months
		days += n * u.days
		micros += n * u.micros
		return nil
	}
	pending := ""     // the unit a number before this one is in
	explicit := false // pending is a unit word of s
	for i := len(toks) - 1; i >= 0; i-- {
		t := toks[i]
		if _, ok := intervalUnits[t]; ok {
			if pending != "" && explicit {
				return "", bad()
			}
			pending, explicit = t, true
			continue
		}
		num, unit := splitNumberUnit(t)
		if unit != "" {
			if _, ok := intervalUnits[unit]; !ok || pending != "" && explicit || num == "" {
				return "", bad()
			}
			pending, explicit = unit, true
		}
		switch {
		case strings.Contains(num, ":"):
			if pending != "" && explicit || used["clock"] {
				return "", bad()
			}
			us, err := clockMicros(num, q.first == fieldMinute && q.last == fieldSecond)
			if err != nil {
				if err == errFieldOverflow {
					return "", overflow()
				}
				return "", bad()
			}
			used["clock"] = true
			micros += us
			pending, explicit = "day", false
			continue
		case isYearMonth(num):
			if len(toks) != 1 {
				return "", bad()
			}
			neg := num[0] == '-'
			y, m, _ := strings.Cut(strings.TrimLeft(num, "+-"), "-")
			yn, err1 := strconv.ParseFloat(y, 64)
			mn, err2 := strconv.ParseFloat(m, 64)
			if err1 != nil || err2 != nil {
				return "", bad()
			}
			if mn > 11 {
				return "", overflow()
			}
			if neg {
				yn, mn = -yn, -mn
			}
			months += yn*12 + mn
			continue
		}
		n, err := strconv.ParseFloat(num, 64)
		if err != nil || !isDecimal(num) {
			return "", bad()
		}
		u := pending
		pending, explicit = "", false
		if u == "" {
			if i != len(toks)-1 {
				return "", bad()
			}
			u = fieldUnit[q.last]
			if q.first == fieldDay && q.last == fieldHour {
				pending = "day"
			}
		}
		if math.Abs(n) > math.MaxInt32 && intervalUnits[u].micros == 0 {
			return "", overflow()
		}
		if err := add(n, u); err != nil {
			return "", err
		}
	}
	if pending != "" && explicit {
		return "", bad()
	}
	// Fractions spill into the smaller units as in Postgres: a month is 30 days.
	wholeMonths := math.Trunc(months)
	days += (months - wholeMonths) * 30
	wholeDays := math.Trunc(days)
	micros = math.Round(micros + (days-wholeDays)*86400e6)
	if math.Abs(wholeMonths) > math.MaxInt32 || math.Abs(wholeDays) > math.MaxInt32 || math.Abs(micros) > 1<<62 {
		return "", overflow()
	}
	m, d, us := int64(wholeMonths), int64(wholeDays), int64(micros)
	if ago {
		m, d, us = -m, -d, -us
	}
	switch q.last {
	case fieldYear:
		m, d, us = m/12*12, 0, 0
	case fieldMonth:
		d, us = 0, 0
	case fieldDay:
		us = 0
	case fieldHour:
		us = us / 3600e6 * 3600e6
	case fieldMinute:
		us = us / 60e6 * 60e6
	case fieldSecond:
		if q.precision < 6 {
			scale := int64(math.Pow10(6 - q.precision))
			if us >= 0 {
				us = (us + scale/2) / scale * scale
			} else {
				us = -((-us + scale/2) / scale * scale)
			}
		}
	}
	return intervalText(m, d, us), nil
}

// errFieldOverflow is clockMicros' error for a minute or second past 59.
var errFieldOverflow = fmt.Errorf("interval field value out of range")

// clockMicros parses [+-]H:M[:S[.f]] (M:S[.f] when minSec) into microseconds.
func clockMicros(s string, minSec bool) (float64, error) {
	sign := 1.0
	if s != "" && (s[0] == '-' || s[0] == '+') {
		if s[0] == '-' {
			sign = -1
		}
		s = s[1:]
	}
	parts := strings.Split(s, ":")
	if len(parts) > 3 {
		return 0, fmt.Errorf("bad clock")
	}
	if len(parts) == 2 && minSec {
		parts = append([]string{"0"}, parts...)
	}
	for len(parts) < 3 {
		parts = append(parts, "0")
	}
	var f [3]float64
	for i, p := range parts {
		if p == "" || !isDecimal(p) || i < 2 && strings.Contains(p, ".") {
			return 0, fmt.Errorf("bad clock")
		}
		f[i], _ = strconv.ParseFloat(p, 64)
	}
	if f[1] > 59 || f[2] >= 60 {
		return 0, errFieldOverflow
	}
	return sign * (f[0]*3600e6 + f[1]*60e6 + f[2]*1e6), nil
}

// splitNumberUnit splits "5days" into "5" and "days"; a token without
// letters is all number.
func splitNumberUnit(t string) (string, string) {
	j := 0
	for j < len(t) && strings.IndexByte("+-.:0123456789", t[j]) >= 0 {
		j++
	}
	return t[:j], t[j:]
}

// isDecimal reports whether s is [+-]digits[.digits] (digits on at least one side).
func isDecimal(s string) bool {
	s = strings.TrimLeft(s, "+-")
	whole, frac, _ := strings.Cut(s, ".")
	return whole+frac != "" && strings.Trim(whole+frac, "0123456789") == ""
}

// isYearMonth reports whether s is [+-]Y-M.
func isYearMonth(s string) bool {
	y, m, ok := strings.Cut(strings.TrimLeft(s, "+-"), "-")
	return ok && y != "" && m != "" && strings.Trim(y+m, "0123456789") == ""
}

// intervalText writes months, days and microseconds as interval input both
// Postgres and DuckDB read: "1 year 2 months 3 days 4 hours 5 minutes
// 6.5 seconds", the zero interval as "0 seconds".
func intervalText(months, days, micros int64) string {
	var parts []string
	unit := func(n int64, one string) {
		if n == 0 {
			return
		}
		if n == 1 || n == -1 {
			parts = append(parts, fmt.Sprintf("%d %s", n, one))
		} else {
			parts = append(parts, fmt.Sprintf("%d %ss", n, one))
		}
	}
	unit(months/12, "year")
	unit(months%12, "month")
	unit(days, "day")
	unit(micros/3600e6, "hour")
	unit(micros%3600e6/60e6, "minute")
	if us := micros % 60e6; us != 0 || len(parts) == 0 {
		sec := strconv.FormatFloat(float64(us)/1e6, 'f', -1, 64)
		if us%1e6 == 0 {
			unit(us/1e6, "second")
			if us == 0 {
				parts = append(parts, "0 seconds")
			}
		} else {
			parts = append(parts, sec+" seconds")
		}
	}
	return strings.Join(parts, " ")
}
