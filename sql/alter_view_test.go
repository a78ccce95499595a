package sql

import "testing"

func TestParseAlterViewResume(t *testing.T) {
	s, err := ParseOne(`ALTER MATERIALIZED VIEW "My View" RESUME`)
	if err != nil {
		t.Fatal(err)
	}
	a, ok := s.(*AlterViewResume)
	if !ok || a.Name.Last().Value != "My View" {
		t.Fatalf("got %#v", s)
	}
	if err := roundTrip(s); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"ALTER MATERIALIZED VIEW v", "ALTER MATERIALIZED VIEW v PAUSE", "ALTER MATERIALIZED v RESUME"} {
		if _, err := ParseOne(bad); err == nil {
			t.Errorf("%s: parsed", bad)
		}
	}
}
