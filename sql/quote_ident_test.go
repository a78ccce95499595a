package sql

import "testing"

func TestQuoteIdent(t *testing.T) {
	for _, c := range []struct{ name, want string }{
		{"users", "users"},
		{"users_2$", "users_2$"},
		{"Mixed Case", `"Mixed Case"`},
		{"Users", `"Users"`},
		{"select", `"select"`},
		{"order", `"order"`},
		{`say "hi"`, `"say ""hi"""`},
		{"2nd", `"2nd"`},
		{"", `""`},
	} {
		if got := QuoteIdent(c.name); got != c.want {
			t.Errorf("QuoteIdent(%q) = %s, want %s", c.name, got, c.want)
		}
		if c.name == "" {
			continue
		}
		// What QuoteIdent prints reads back as the name.
		st, err := ParseOne("SELECT 1 FROM " + QuoteIdent(c.name))
		if err != nil {
			t.Errorf("%s: %v", QuoteIdent(c.name), err)
			continue
		}
		if got := st.(*Select).From[0].(*TableName).Name.Last().Value; got != c.name {
			t.Errorf("%s reads back as %q, want %q", QuoteIdent(c.name), got, c.name)
		}
	}
}
