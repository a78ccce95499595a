package sql

import "testing"

// TestCopyRoundTrip parses COPY in its spellings and prints it back with
// the options parenthesized.
func TestCopyRoundTrip(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`copy t from stdin`, `COPY t FROM STDIN`},
		{`COPY s.t (a, "B") FROM STDIN WITH (FORMAT csv, HEADER match, DELIMITER ';', NULL '')`, `COPY s.t (a, "B") FROM STDIN WITH (format 'csv', header 'match', delimiter ';', null '')`},
		{`copy "t" ( "a" ) from stdin binary;`, `COPY "t" ("a") FROM STDIN WITH (format 'binary')`},
		{`COPY t FROM STDIN WITH CSV HEADER DELIMITER AS '|' QUOTE '''' ESCAPE '\'`, `COPY t FROM STDIN WITH (format 'csv', header, delimiter '|', quote '''', escape '\')`},
		{`COPY (SELECT a FROM t WHERE a > 1) TO STDOUT (FORMAT binary)`, `COPY (SELECT a FROM t WHERE a > 1) TO STDOUT WITH (format 'binary')`},
		{`COPY t (a) TO STDOUT WITH (HEADER)`, `COPY t (a) TO STDOUT WITH (header)`},
	} {
		st, err := ParseOne(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		got := String(st)
		if got != c.want {
			t.Errorf("%s printed as %s, want %s", c.in, got, c.want)
		}
		if again, err := ParseOne(got); err != nil || String(again) != got {
			t.Errorf("%s reparsed: %v, %v", got, err, again)
		}
	}
	for _, bad := range []string{`COPY t FROM '/etc/passwd'`, `COPY t TO '/tmp/x'`, `COPY (SELECT 1) FROM STDIN`, `COPY t STDIN`} {
		if _, err := ParseOne(bad); err == nil {
			t.Errorf("%s parsed", bad)
		}
	}
}
