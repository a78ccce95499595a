package sql

import (
	"errors"
	"testing"
)

// TestIntervalQualifier checks SQL-standard interval literals against
// Postgres 15's answers (in comments) and its errors.
func TestIntervalQualifier(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`INTERVAL '90' DAY`, `90 days`},                       // 90 days
		{`INTERVAL '3' MONTH`, `3 months`},                     // 3 mons
		{`INTERVAL '1-2' YEAR TO MONTH`, `1 year 2 months`},    // 1 year 2 mons
		{`INTERVAL '-1-2' YEAR TO MONTH`, `-1 year -2 months`}, // -1 years -2 mons
		{`INTERVAL '1 2:03:04' DAY TO SECOND`, `1 day 2 hours 3 minutes 4 seconds`},
		{`INTERVAL '1 2:03:04.5' DAY TO SECOND`, `1 day 2 hours 3 minutes 4.5 seconds`},
		{`INTERVAL '10' HOUR`, `10 hours`},                           // 10:00:00
		{`INTERVAL '2:30' HOUR TO MINUTE`, `2 hours 30 minutes`},     // 02:30:00
		{`INTERVAL '-2:30' HOUR TO MINUTE`, `-2 hours -30 minutes`},  // -02:30:00
		{`INTERVAL '2:30' MINUTE TO SECOND`, `2 minutes 30 seconds`}, // 00:02:30
		{`INTERVAL '1:2:3' MINUTE TO SECOND`, `1 hour 2 minutes 3 seconds`},
		{`INTERVAL '2:30:15' HOUR TO MINUTE`, `2 hours 30 minutes`}, // 02:30:00
		{`INTERVAL '2' DAY TO SECOND`, `2 seconds`},                 // 00:00:02
		{`INTERVAL '1 2' DAY TO HOUR`, `1 day 2 hours`},             // 1 day 02:00:00
		{`INTERVAL '1.5 2' DAY TO HOUR`, `1 day 14 hours`},          // 1 day 14:00:00
		{`INTERVAL '1 day 3 hours' DAY`, `1 day`},
		{`INTERVAL '1 day 5' DAY TO HOUR`, `1 day 5 hours`},
		{`INTERVAL '1 hour 30 minutes' MINUTE TO SECOND`, `1 hour 30 minutes`},
		{`INTERVAL '1.5' YEAR`, `1 year`},   // 1 year
		{`INTERVAL '1.5' MONTH`, `1 month`}, // 1 mon
		{`INTERVAL '1.5' HOUR`, `1 hour`},   // 01:00:00
		{`INTERVAL '1-2' YEAR`, `1 year`},
		{`INTERVAL '1-2' DAY`, `1 year 2 months`},
		{`INTERVAL '1 day' YEAR`, `0 seconds`}, // 00:00:00
		{`INTERVAL '1 year' MONTH`, `1 year`},
		{`INTERVAL '90' SECOND`, `1 minute 30 seconds`}, // 00:01:30
		{`INTERVAL '1.23456789' SECOND`, `1.234568 seconds`},
		{`INTERVAL '1:2:3.123' SECOND(1)`, `1 hour 2 minutes 3.1 seconds`},
		{`INTERVAL '1 -2:03' DAY TO MINUTE`, `1 day -2 hours -3 minutes`}, // 1 day -02:03:00
		{`INTERVAL '2 days ago' DAY`, `-2 days`},
		{`interval '1 day'`, `1 day`}, // no qualifier: the text as written
	} {
		e, err := ParseExpr(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		lit, ok := e.(*Literal)
		if !ok || lit.Kind != LitTyped || lit.Value != c.want {
			t.Errorf("%s = %#v, want %q", c.in, e, c.want)
		}
	}
	for _, c := range []struct{ in, code, msg string }{
		{`INTERVAL '1-13' YEAR TO MONTH`, "22015", `interval field value out of range: "1-13"`},
		{`INTERVAL '1:60' HOUR TO MINUTE`, "22015", `interval field value out of range: "1:60"`},
		{`INTERVAL '99999999999' DAY`, "22015", `interval field value out of range: "99999999999"`},
		{`INTERVAL 'abc' DAY`, "22007", `invalid input syntax for type interval: "abc"`},
		{`INTERVAL '' DAY`, "22007", `invalid input syntax for type interval: ""`},
		{`INTERVAL '1 2' DAY TO MINUTE`, "22007", `invalid input syntax for type interval: "1 2"`},
		{`INTERVAL '1-2 3' YEAR TO MONTH`, "22007", `invalid input syntax for type interval: "1-2 3"`},
		{`INTERVAL '2.5:30' HOUR TO MINUTE`, "22007", `invalid input syntax for type interval: "2.5:30"`},
		{`INTERVAL '1 day 2 days' DAY`, "22007", `invalid input syntax for type interval: "1 day 2 days"`},
		{`INTERVAL '1' YEAR TO SECOND`, "42601", `syntax error at or near "SECOND"`},
		{`INTERVAL '1' MONTH TO DAY`, "42601", `syntax error at or near "DAY"`},
	} {
		_, err := ParseExpr(c.in)
		var se *Error
		if !errors.As(err, &se) || se.Code != c.code && !(c.code == "42601" && se.Code == "") {
			t.Errorf("%s: error %v, want %s %s", c.in, err, c.code, c.msg)
			continue
		}
		if c.code != "42601" && (se.Msg != c.msg || se.Pos != 9) {
			t.Errorf("%s: error %q at %d, want %q at 9", c.in, se.Msg, se.Pos, c.msg)
		}
	}
}
