package sql

import "testing"

func TestParseObjectName(t *testing.T) {
	for in, want := range map[string]string{"Orders": "orders", `"Orders"`: `"Orders"`, "s.t": "s.t"} {
		n, err := ParseObjectName(in)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if got := String(&Drop{Kind: ObjSink, Name: n}); got != "DROP SINK "+want {
			t.Errorf("%s: %s", in, got)
		}
	}
	for _, bad := range []string{"", "a b", "select", "a;"} {
		if _, err := ParseObjectName(bad); err == nil {
			t.Errorf("%q parsed as a name", bad)
		}
	}
}
