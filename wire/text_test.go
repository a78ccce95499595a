package wire

import (
	"testing"

	"github.com/weir-stream/weir/sql/sqlstate"
)

// TestCheckText checks that text which is not valid UTF-8 or holds a NUL is
// refused with 22021 naming the bad bytes, as Postgres words it.
func TestCheckText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain ascii", ""},
		{"héllo wörld ✓ 𝄞", ""},
		{"bad \xff byte", `invalid byte sequence for encoding "UTF8": 0xff`},
		{"cut \xe2\x82", `invalid byte sequence for encoding "UTF8": 0xe2 0x82`},
		{"\xe2\x28\xa1", `invalid byte sequence for encoding "UTF8": 0xe2 0x28 0xa1`},
		{"nul \x00 inside", `invalid byte sequence for encoding "UTF8": 0x00`},
		{"surrogate \xed\xa0\x80", `invalid byte sequence for encoding "UTF8": 0xed 0xa0 0x80`},
	} {
		err := checkText(c.in)
		if c.want == "" {
			if err != nil {
				t.Errorf("%q: %v", c.in, err)
			}
			continue
		}
		e := sqlstate.From(err)
		if err == nil || e.Code != sqlstate.CharacterNotInRepertoire || e.Message != c.want {
			t.Errorf("%q: got %v, want 22021 %s", c.in, err, c.want)
		}
	}
}

// TestCheckStartupEncoding checks client_encoding in the startup packet.
func TestCheckStartupEncoding(t *testing.T) {
	for v, code := range map[string]string{"UTF8": "", "utf-8": "", "unicode": "", "SQL_ASCII": "",
		"LATIN1": sqlstate.FeatureNotSupported, "WIN1252": sqlstate.FeatureNotSupported, "nonsense": sqlstate.InvalidParameterValue} {
		err := checkStartupEncoding(map[string]string{"client_encoding": v})
		switch {
		case code == "" && err != nil:
			t.Errorf("%s: %v", v, err)
		case code != "" && sqlstate.From(err).Code != code:
			t.Errorf("%s: got %v, want %s", v, err, code)
		}
	}
}
