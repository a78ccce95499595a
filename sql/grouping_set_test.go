package sql

import "testing"

// TestGroupingSetsRoundTrip parses GROUPING SETS, ROLLUP, CUBE and () and
// prints them back.
func TestGroupingSetsRoundTrip(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`SELECT a, b, sum(x) FROM t GROUP BY GROUPING SETS ((a, b), (a), ())`,
			`SELECT a, b, sum(x) FROM t GROUP BY GROUPING SETS ((a, b), (a), ())`},
		{`select a from t group by rollup (a, (b, c)), cube(d, e)`,
			`SELECT a FROM t GROUP BY ROLLUP (a, (b, c)), CUBE (d, e)`},
		{`SELECT grouping(a, b) FROM t GROUP BY a, GROUPING SETS (a, ROLLUP (b), (a + 1) * 2, ())`,
			`SELECT grouping(a, b) FROM t GROUP BY a, GROUPING SETS (a, ROLLUP (b), (a + 1) * 2, ())`},
		{`SELECT count(*) FROM t GROUP BY ()`, `SELECT count(*) FROM t GROUP BY ()`},
		{`SELECT cube(a) FROM t GROUP BY cube`, `SELECT cube(a) FROM t GROUP BY cube`},
	} {
		st, err := ParseOne(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if got := String(st); got != c.want {
			t.Errorf("%s printed as\n%s\nwant\n%s", c.in, got, c.want)
			continue
		}
		again, err := ParseOne(c.want)
		if err != nil || !EqualIgnoringPos(st, again) {
			t.Errorf("%s does not parse back to the same tree (%v)", c.want, err)
		}
	}
	for _, in := range []string{
		`SELECT a FROM t GROUP BY ROLLUP ()`,
		`SELECT a FROM t GROUP BY GROUPING SETS ()`,
		`SELECT a FROM t GROUP BY CUBE (a`,
	} {
		if _, err := ParseOne(in); err == nil {
			t.Errorf("%s parsed", in)
		}
	}
}
