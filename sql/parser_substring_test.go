package sql

import "testing"

// TestSubstringFromFor parses SUBSTRING's standard forms into the call.
func TestSubstringFromFor(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`substring(c_phone FROM 1 FOR 2)`, `substring(c_phone, 1, 2)`},
		{`SUBSTRING(s from n + 1)`, `substring(s, n + 1)`},
		{`substring(s FOR 3)`, `substring(s, 1, 3)`},
		{`substring(s FOR 3 FROM 2)`, `substring(s, 2, 3)`},
		{`substring(s, 2, 3)`, `substring(s, 2, 3)`},
	} {
		e, err := ParseExpr(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if got := String(e); got != c.want {
			t.Errorf("%s = %s, want %s", c.in, got, c.want)
		}
	}
	if _, err := ParseExpr(`substring(s FROM 1 FOR)`); err == nil {
		t.Errorf("substring(s FROM 1 FOR) parsed")
	}
}
