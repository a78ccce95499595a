package expr

import "testing"

func TestNormalizeJSONB(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"a":1}`, `{"a": 1}`},
		{` {"bb": [true,null, "x<y"], "a": {"z":1.50,"y":-2e3}} `, `{"a": {"y": -2e3, "z": 1.50}, "bb": [true, null, "x<y"]}`},
		{`{"k": 1, "k": 2}`, `{"k": 2}`},
		{`"\u00e9"`, `"é"`},
		{`[]`, `[]`},
	}
	for _, c := range cases {
		got, err := normalizeJSONB(c.in)
		if err != nil || got != c.want {
			t.Errorf("normalizeJSONB(%s) = %s, %v; want %s", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{`{"a":}`, `{"a":1} x`, ``, `[1,]`} {
		if got, err := normalizeJSONB(bad); err == nil {
			t.Errorf("normalizeJSONB(%q) = %s, want an error", bad, got)
		}
	}
}
