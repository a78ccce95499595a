package format

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

var (
	errBadDate      = errors.New("invalid date")
	errBadTimestamp = errors.New("invalid timestamp")
	errBadInterval  = errors.New("invalid interval")
)

const microsPerDay = 86400 * 1000 * 1000

// digits parses s[i:i+n] as a decimal number.
func digits(s []byte, i, n int) (int, bool) {
	if i+n > len(s) {
		return 0, false
	}
	v := 0
	for _, c := range s[i : i+n] {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// parseYMD parses "YYYY-MM-DD" at the start of s.
func parseYMD(s []byte) (y, m, d int, ok bool) {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return 0, 0, 0, false
	}
	y, ok1 := digits(s, 0, 4)
	m, ok2 := digits(s, 5, 2)
	d, ok3 := digits(s, 8, 2)
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, 0, 0, false
	}
	return y, m, d, true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns the days since 1970-01-01 of a proleptic Gregorian date.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// parseDate parses "YYYY-MM-DD" into days since the Unix epoch.
func parseDate(s []byte) (int32, error) {
	y, m, d, ok := parseYMD(s)
	if !ok || len(s) != 10 {
		return 0, errBadDate
	}
	return int32(daysFromCivil(y, m, d)), nil
}

// parseTimestamp parses "YYYY-MM-DD HH:MM:SS[.ffffff]" (or with a 'T'), with
// an optional zone ("Z", "+02", "+02:00", "-0530"), into microseconds since
// the epoch. A zoned value is converted to UTC when utc is set (TIMESTAMPTZ)
// and keeps its wall-clock time otherwise (TIMESTAMP ignores the zone, as in
// Postgres). A bare date means midnight. Digits past microseconds are
// rounded.
func parseTimestamp(s []byte, utc bool) (int64, error) {
	y, mo, d, ok := parseYMD(s)
	if !ok {
		return 0, errBadTimestamp
	}
	days := daysFromCivil(y, mo, d)
	if len(s) == 10 {
		return days * microsPerDay, nil
	}
	if s[10] != ' ' && s[10] != 'T' {
		return 0, errBadTimestamp
	}
	if len(s) < 19 || s[13] != ':' || s[16] != ':' {
		return 0, errBadTimestamp
	}
	h, ok1 := digits(s, 11, 2)
	mi, ok2 := digits(s, 14, 2)
	sec, ok3 := digits(s, 17, 2)
	if !ok1 || !ok2 || !ok3 || h > 23 || mi > 59 || sec > 60 {
		return 0, errBadTimestamp
	}
	micros := ((int64(h)*60+int64(mi))*60 + int64(sec)) * 1_000_000
	i := 19
	if i < len(s) && s[i] == '.' {
		i++
		frac, scale := int64(0), int64(100000)
		start := i
		round := false
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			if scale > 0 {
				frac += int64(s[i]-'0') * scale
				scale /= 10
			} else if i == start+6 && s[i] >= '5' {
				round = true
			}
		}
		if i == start {
			return 0, errBadTimestamp
		}
		if round {
			frac++
		}
		micros += frac
	}
	ts := days*microsPerDay + micros
	if i == len(s) {
		return ts, nil
	}
	zone := s[i:]
	if len(zone) > 0 && zone[0] == ' ' {
		zone = zone[1:]
	}
	var off int64
	switch {
	case len(zone) == 1 && (zone[0] == 'Z' || zone[0] == 'z'):
	case string(zone) == "UTC":
	case len(zone) >= 3 && (zone[0] == '+' || zone[0] == '-'):
		oh, ok := digits(zone, 1, 2)
		if !ok {
			return 0, errBadTimestamp
		}
		rest := zone[3:]
		if len(rest) > 0 && rest[0] == ':' {
			rest = rest[1:]
		}
		om := 0
		if len(rest) > 0 {
			if om, ok = digits(rest, 0, 2); !ok || len(rest) != 2 {
				return 0, errBadTimestamp
			}
		}
		if oh > 15 || om > 59 {
			return 0, errBadTimestamp
		}
		off = int64(oh*3600+om*60) * 1_000_000
		if zone[0] == '-' {
			off = -off
		}
	default:
		return 0, errBadTimestamp
	}
	if utc {
		ts -= off
	}
	return ts, nil
}

var intervalUnits = map[string]func(v float64, iv *arrow.MonthDayNanoInterval){
	"year":   func(v float64, iv *arrow.MonthDayNanoInterval) { iv.Months += int32(v * 12) },
	"month":  func(v float64, iv *arrow.MonthDayNanoInterval) { iv.Months += int32(v) },
	"week":   func(v float64, iv *arrow.MonthDayNanoInterval) { iv.Days += int32(v * 7) },
	"day":    func(v float64, iv *arrow.MonthDayNanoInterval) { iv.Days += int32(v) },
	"hour":   func(v float64, iv *arrow.MonthDayNanoInterval) { iv.Nanoseconds += int64(v * float64(time.Hour)) },
	"minute": func(v float64, iv *arrow.MonthDayNanoInterval) { iv.Nanoseconds += int64(v * float64(time.Minute)) },
	"second": func(v float64, iv *arrow.MonthDayNanoInterval) { iv.Nanoseconds += int64(v * float64(time.Second)) },
	"millisecond": func(v float64, iv *arrow.MonthDayNanoInterval) {
		iv.Nanoseconds += int64(v * float64(time.Millisecond))
	},
	"microsecond": func(v float64, iv *arrow.MonthDayNanoInterval) {
		iv.Nanoseconds += int64(v * float64(time.Microsecond))
	},
}

// unitAliases maps the unit spellings Postgres accepts to intervalUnits' keys.
var unitAliases = map[string]string{
	"year": "year", "yr": "year", "y": "year",
	"month": "month", "mon": "month",
	"week": "week", "w": "week",
	"day": "day", "d": "day",
	"hour": "hour", "hr": "hour", "h": "hour",
	"minute": "minute", "min": "minute", "m": "minute",
	"second": "second", "sec": "second", "s": "second",
	"millisecond": "millisecond", "ms": "millisecond", "msec": "millisecond",
	"microsecond": "microsecond", "us": "microsecond", "usec": "microsecond",
}

// parseInterval parses a Postgres-style interval ("1 year 2 mons 3 days
// 04:05:06.5", "90 minutes", "-2 hours") into months, days and nanoseconds.
func parseInterval(s []byte) (arrow.MonthDayNanoInterval, error) {
	var iv arrow.MonthDayNanoInterval
	fields := strings.Fields(string(s))
	if len(fields) == 0 {
		return iv, errBadInterval
	}
	for k := 0; k < len(fields); k++ {
		f := fields[k]
		if strings.Contains(f, ":") {
			neg := strings.HasPrefix(f, "-")
			parts := strings.Split(strings.TrimLeft(f, "+-"), ":")
			if len(parts) < 2 || len(parts) > 3 {
				return iv, errBadInterval
			}
			var ns int64
			for j, p := range parts {
				v, err := strconv.ParseFloat(p, 64)
				if err != nil || v < 0 || (j < len(parts)-1 && strings.Contains(p, ".")) {
					return iv, errBadInterval
				}
				unit := []time.Duration{time.Hour, time.Minute, time.Second}[j]
				ns += int64(v * float64(unit))
			}
			if neg {
				ns = -ns
			}
			iv.Nanoseconds += ns
			continue
		}
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || k+1 >= len(fields) {
			return iv, errBadInterval
		}
		k++
		unit := strings.ToLower(fields[k])
		if u, ok := unitAliases[unit]; ok {
			unit = u
		} else if u, ok := unitAliases[strings.TrimSuffix(unit, "s")]; ok {
			unit = u
		}
		add, ok := intervalUnits[unit]
		if !ok {
			return iv, errBadInterval
		}
		add(v, &iv)
	}
	return iv, nil
}
