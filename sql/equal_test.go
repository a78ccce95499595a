package sql

import "testing"

func TestEqualIgnoringPos(t *testing.T) {
	parse := func(s string) Statement {
		t.Helper()
		st, err := ParseOne(s)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	for _, tc := range []struct {
		a, b  string
		equal bool
	}{
		{"SELECT a+1 FROM t", "  SELECT   a + 1\nFROM t", true},
		{"CREATE TABLE t (a INT4)", "CREATE TABLE t (a INTEGER)", true},
		{"CREATE STREAM s () WITH (x = 1)", "CREATE STREAM s WITH (x = '1')", true},
		{"SELECT a FROM t", "SELECT \"a\" FROM t", false},
		{"SELECT a FROM t", "SELECT (a) FROM t", false},
		{"SELECT 1", "SELECT 1.0", false},
		{"SELECT a::INT", "SELECT CAST(a AS INT)", false},
		{"SELECT a ORDER BY a", "SELECT a ORDER BY a NULLS LAST", false},
	} {
		if got := EqualIgnoringPos(parse(tc.a), parse(tc.b)); got != tc.equal {
			t.Errorf("EqualIgnoringPos(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.equal)
		}
	}
	if !EqualIgnoringPos(nil, nil) || EqualIgnoringPos(parse("FLUSH"), nil) {
		t.Error("nil handling")
	}
}
