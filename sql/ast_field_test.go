package sql

import "testing"

// TestFieldSelect parses Postgres' selection of a composite value's field,
// (expr).field, as pgjdbc writes it, and prints it so that it parses back
// the same.
func TestFieldSelect(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"SELECT (information_schema._pg_expandarray(con.conkey)).n FROM con", "SELECT (_pg_expandarray(con.conkey)).n FROM con"},
		{"SELECT (r.keys).x FROM r WHERE (r.keys).x = 1", "SELECT (r.keys).x FROM r WHERE (r.keys).x = 1"},
		{`SELECT (a).b."C" FROM t`, `SELECT ((a).b)."C" FROM t`},
		{"SELECT (a + 1) FROM t", "SELECT (a + 1) FROM t"},
	} {
		st, err := ParseOne(c.in)
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		got := String(st)
		if got != c.want {
			t.Errorf("%s: printed %s, want %s", c.in, got, c.want)
		}
		again, err := ParseOne(got)
		if err != nil || String(again) != got {
			t.Errorf("%s: printed text does not parse back the same: %v", got, err)
		}
	}
}
