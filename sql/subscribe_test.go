package sql

import (
	"testing"
)

// TestParseSubscribe parses SUBSCRIBE in Materialize's spellings, prints it
// back, and checks the errors of its options.
func TestParseSubscribe(t *testing.T) {
	for _, tc := range []struct {
		text, printed      string
		snapshot, progress bool
		query              bool
	}{
		{`SUBSCRIBE v`, `SUBSCRIBE TO v`, true, false, false},
		{`SUBSCRIBE TO public.v`, `SUBSCRIBE TO public.v`, true, false, false},
		{`subscribe to "V" with (snapshot = false)`, `SUBSCRIBE TO "V" WITH (SNAPSHOT = false)`, false, false, false},
		{`SUBSCRIBE v WITH (PROGRESS)`, `SUBSCRIBE TO v WITH (PROGRESS = true)`, true, true, false},
		{`SUBSCRIBE v WITH (SNAPSHOT off, PROGRESS = 'on')`, `SUBSCRIBE TO v WITH (SNAPSHOT = false, PROGRESS = true)`, false, true, false},
		{`SUBSCRIBE v WITH (SNAPSHOT = true, PROGRESS = 0)`, `SUBSCRIBE TO v`, true, false, false},
		{`SUBSCRIBE (SELECT a, count(*) FROM t GROUP BY a)`, `SUBSCRIBE TO (SELECT a, count(*) FROM t GROUP BY a)`, true, false, true},
		{`SUBSCRIBE TO (SELECT * FROM t WHERE a > 1) WITH (SNAPSHOT = FALSE)`, `SUBSCRIBE TO (SELECT * FROM t WHERE a > 1) WITH (SNAPSHOT = false)`, false, false, true},
	} {
		st, err := ParseOne(tc.text)
		if err != nil {
			t.Fatalf("%s: %v", tc.text, err)
		}
		s, ok := st.(*Subscribe)
		if !ok {
			t.Fatalf("%s: parsed as %T", tc.text, st)
		}
		if s.Snapshot != tc.snapshot || s.Progress != tc.progress || (s.Query != nil) != tc.query {
			t.Errorf("%s: snapshot %v progress %v query %v", tc.text, s.Snapshot, s.Progress, s.Query != nil)
		}
		if got := String(st); got != tc.printed {
			t.Errorf("%s: printed %q, want %q", tc.text, got, tc.printed)
		}
		again, err := ParseOne(String(st))
		if err != nil || String(again) != tc.printed {
			t.Errorf("%s: the printed form parses to %v, %v", tc.text, again, err)
		}
		if StatementName(st) != "SUBSCRIBE" {
			t.Errorf("%s: named %q", tc.text, StatementName(st))
		}
	}
	for _, tc := range []struct{ text, code, msg string }{
		{`SUBSCRIBE v WITH (snapshot = maybe)`, "22023", "SNAPSHOT requires a Boolean value"},
		{`SUBSCRIBE v WITH (progress = 2)`, "22023", "PROGRESS requires a Boolean value"},
		{`SUBSCRIBE v WITH (fetch_size = 10)`, "42601", `option "fetch_size" not recognized`},
		{`SUBSCRIBE v WITH (snapshot, snapshot = false)`, "42601", "conflicting or redundant options"},
		{`SUBSCRIBE v WITH snapshot`, "", `syntax error at or near "snapshot"`},
		{`SUBSCRIBE v AS OF 10`, "", `syntax error at or near "AS"`},
		{`SUBSCRIBE (INSERT INTO t VALUES (1))`, "", `syntax error at or near "INSERT"`},
		{`SUBSCRIBE`, "", "syntax error at end of input"},
	} {
		_, err := ParseOne(tc.text)
		e, ok := err.(*Error)
		if !ok || e.Code != tc.code || e.Msg != tc.msg {
			t.Errorf("%s: error %#v, want %s %q", tc.text, err, tc.code, tc.msg)
		}
	}
}
