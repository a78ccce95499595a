package expr

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestLitRegexpMatchesRegexp checks that searching from a required
// literal finds what the whole search does, over random texts made of the
// patterns' pieces.
func TestLitRegexpMatchesRegexp(t *testing.T) {
	cases := []struct {
		pattern string
		ci      bool
		// lit is the literal the search starts from ("": none is found);
		// suffix whether it may search from inside the text.
		lit    string
		suffix bool
	}{
		{`(&|^)channel_id=([^&]*)`, false, "channel_id=", true},
		{`channel_id`, false, "channel_id", true},
		{`^ab`, false, "ab", true},
		{`a.?b{1,2}cd(e|f)`, false, "cd", true},
		{`x?yz$`, false, "yz", true},
		{`(é|ab)?cd`, false, "cd", true},
		{`\bcd`, false, "cd", false},
		{`(?m)^cd`, false, "cd", false},
		{`.*cd`, false, "", false},
		{`a+cd`, false, "", false},
		{`cd`, true, "", false},
		{`(a|b)(?i:c)d`, false, "d", true},
		{`(^|&)(a)?=(b*)`, false, "=", true},
		{`(x|\A)yz`, false, "yz", true},
		{`[^&]{0,2}cd`, false, "cd", true},
		{`(cd|x)?cd`, false, "cd", true},
	}
	r := rand.New(rand.NewPCG(5, 6))
	pieces := []string{"a", "b", "c", "d", "e", "f", "x", "y", "z", "&", "=", "\n", " ", "é", "cd", "ab", "yz",
		"channel_id=", "channel_id", "Cd", "?"}
	for _, c := range cases {
		re, err := regexp.Compile(regexSource(c.pattern, c.ci))
		if err != nil {
			t.Fatal(err)
		}
		l := newLitRegexp(re, regexSource(c.pattern, c.ci))
		if c.lit == "" {
			if l != nil {
				t.Fatalf("%s: literal %q found, want none", c.pattern, l.lit)
			}
			continue
		}
		if l == nil || l.lit != c.lit || (l.suffix != nil) != c.suffix {
			t.Fatalf("%s: got %+v, want literal %q (suffix search %v)", c.pattern, l, c.lit, c.suffix)
		}
		for range 20_000 {
			var sb strings.Builder
			for range r.IntN(12) {
				sb.WriteString(pieces[r.IntN(len(pieces))])
			}
			s := sb.String()
			if got, want := l.FindStringSubmatchIndex(s), re.FindStringSubmatchIndex(s); !slices.Equal(got, want) {
				t.Fatalf("%s over %q: %v, regexp says %v", c.pattern, s, got, want)
			}
			if got, want := l.MatchString(s), re.MatchString(s); got != want {
				t.Fatalf("%s ~ %q: %v, regexp says %v", c.pattern, s, got, want)
			}
		}
	}
}
