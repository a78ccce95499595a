package sql

import (
	"testing"
)

// TestParseSubscribeCursor parses Materialize's cursor form: DECLARE …
// CURSOR FOR SUBSCRIBE and FETCH … WITH (TIMEOUT).
func TestParseSubscribeCursor(t *testing.T) {
	st, err := ParseOne(`DECLARE c CURSOR FOR SUBSCRIBE TO v WITH (PROGRESS)`)
	if err != nil {
		t.Fatal(err)
	}
	d := st.(*DeclareCursor)
	if d.Subscribe == nil || d.Subscribe.Query != nil || !d.Subscribe.Progress || !d.Subscribe.Snapshot ||
		String(d.Query) != "SELECT * FROM v" || d.Subscribe.Name.Last().Value != "v" {
		t.Fatalf("DECLARE … FOR SUBSCRIBE: %#v %#v", d, d.Subscribe)
	}
	st, err = ParseOne(`DECLARE c CURSOR FOR SUBSCRIBE (SELECT a FROM t) WITH (SNAPSHOT = false)`)
	if err != nil {
		t.Fatal(err)
	}
	if d := st.(*DeclareCursor); d.Subscribe == nil || d.Subscribe.Snapshot || String(d.Query) != "SELECT a FROM t" {
		t.Fatalf("DECLARE … FOR SUBSCRIBE (query): %#v", d)
	}
	for text, timeout := range map[string]string{
		`FETCH ALL c WITH (timeout = '1s')`:      "1s",
		`FETCH 10 FROM c WITH (TIMEOUT '100ms')`: "100ms",
		`FETCH c WITH (timeout = 0)`:             "0",
		`FETCH c`:                                "",
	} {
		st, err := ParseOne(text)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		if got := st.(*FetchCursor).Timeout; got != timeout {
			t.Errorf("%s: timeout %q, want %q", text, got, timeout)
		}
	}
	for text, msg := range map[string]string{
		`FETCH c WITH (wait = '1s')`:           `option "wait" not recognized`,
		`FETCH c WITH (timeout = '')`:          "TIMEOUT requires a value",
		`DECLARE c CURSOR FOR SUBSCRIBE`:       "syntax error at end of input",
		`DECLARE c CURSOR FOR SUBSCRIBE v foo`: `syntax error at or near "foo"`,
	} {
		if _, err := ParseOne(text); err == nil || err.Error() != msg {
			t.Errorf("%s: %v, want %s", text, err, msg)
		}
	}
}

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
		if s.Snapshot != tc.snapshot || s.Progress != tc.progress || (len(s.Name.Parts) == 0) != tc.query || s.Query == nil {
			t.Errorf("%s: snapshot %v progress %v query %v", tc.text, s.Snapshot, s.Progress, s.Query)
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
