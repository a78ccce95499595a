package sql

import "testing"

// TestTableFuncRoundTrip parses a function call in FROM and prints it back.
func TestTableFuncRoundTrip(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`SELECT * FROM generate_series(1, 3)`, `SELECT * FROM generate_series(1, 3)`},
		{`select n from generate_series(1, 10, 2) g(n), t`, `SELECT n FROM generate_series(1, 10, 2) AS g (n), t`},
	} {
		st, err := ParseOne(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if got := String(st); got != c.want {
			t.Errorf("%s printed as %s, want %s", c.in, got, c.want)
		}
	}
}
