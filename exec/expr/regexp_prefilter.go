package expr

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// litRegexp is a compiled regular expression with a literal every match
// contains, found by a byte search before the regular expression runs: a
// text without the literal has no match, and a match cannot begin more
// than before bytes ahead of the literal's first occurrence, so the search
// starts there. RE2 does this only for a literal the pattern begins with;
// Nexmark q21's (&|^)channel_id=([^&]*) begins with an alternation.
type litRegexp struct {
	re  *regexp.Regexp
	lit string
	// before is the most bytes a match spans ahead of lit.
	before int
	// suffix is re for a search from inside the text: re with ^ matching
	// nowhere, whose matches in a suffix of the text are re's there. nil
	// when re looks at the text before a match (\b, \B, a multiline ^),
	// and the search always starts at the beginning.
	suffix *regexp.Regexp
}

// newLitRegexp returns re (compiled from pattern, flags included) with the
// literal its matches contain, or nil when no literal is known.
func newLitRegexp(re *regexp.Regexp, pattern string) *litRegexp {
	tree, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil
	}
	lit, before, ok := requiredLiteral(tree)
	if !ok {
		return nil
	}
	l := &litRegexp{re: re, lit: lit, before: before}
	if !looksBehind(tree) {
		noBeginText(tree)
		if s, err := regexp.Compile(tree.String()); err == nil && s.NumSubexp() == re.NumSubexp() {
			l.suffix = s
		}
	}
	return l
}

// requiredLiteral returns a literal (case-sensitive, of at least one
// byte) that every match of t contains and the most bytes a match spans
// ahead of it, when t is such a literal or a concatenation with one after
// parts of bounded width (the longest such).
func requiredLiteral(t *syntax.Regexp) (string, int, bool) {
	isLit := func(t *syntax.Regexp) bool {
		return t.Op == syntax.OpLiteral && t.Flags&syntax.FoldCase == 0 && len(t.Rune) > 0
	}
	if isLit(t) {
		return string(t.Rune), 0, true
	}
	if t.Op != syntax.OpConcat {
		return "", 0, false
	}
	// The longest literal after parts of bounded width.
	lit, litBefore, before := "", 0, 0
	for _, sub := range t.Sub {
		if isLit(sub) && len(string(sub.Rune)) > len(lit) {
			lit, litBefore = string(sub.Rune), before
		}
		w, bounded := maxWidth(sub)
		if !bounded {
			break
		}
		before += w
	}
	return lit, litBefore, lit != ""
}

// maxWidth returns the most bytes t matches, or false when unbounded.
func maxWidth(t *syntax.Regexp) (int, bool) {
	switch t.Op {
	case syntax.OpEmptyMatch, syntax.OpNoMatch, syntax.OpBeginLine, syntax.OpEndLine,
		syntax.OpBeginText, syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return 0, true
	case syntax.OpLiteral:
		if t.Flags&syntax.FoldCase != 0 {
			// A folded letter may match a longer encoding (k, the Kelvin sign).
			return len(t.Rune) * utf8.UTFMax, true
		}
		n := 0
		for _, r := range t.Rune {
			n += utf8.RuneLen(r)
		}
		return n, true
	case syntax.OpCharClass:
		if len(t.Rune) == 0 {
			return 0, true
		}
		hi := t.Rune[len(t.Rune)-1]
		if hi > utf8.MaxRune {
			return utf8.UTFMax, true
		}
		return max(1, utf8.RuneLen(hi)), true
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return utf8.UTFMax, true
	case syntax.OpCapture, syntax.OpQuest:
		return maxWidth(t.Sub[0])
	case syntax.OpRepeat:
		if t.Max < 0 {
			return 0, false
		}
		w, ok := maxWidth(t.Sub[0])
		return w * t.Max, ok
	case syntax.OpConcat, syntax.OpAlternate:
		total := 0
		for _, sub := range t.Sub {
			w, ok := maxWidth(sub)
			if !ok {
				return 0, false
			}
			if t.Op == syntax.OpConcat {
				total += w
			} else {
				total = max(total, w)
			}
		}
		return total, true
	}
	return 0, false
}

// looksBehind says whether t has an assertion that reads the byte before
// where it is tried.
func looksBehind(t *syntax.Regexp) bool {
	switch t.Op {
	case syntax.OpBeginLine, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return true
	}
	for _, sub := range t.Sub {
		if looksBehind(sub) {
			return true
		}
	}
	return false
}

// noBeginText makes t's beginning-of-text assertions match nowhere.
func noBeginText(t *syntax.Regexp) {
	if t.Op == syntax.OpBeginText {
		*t = syntax.Regexp{Op: syntax.OpNoMatch}
		return
	}
	for _, sub := range t.Sub {
		noBeginText(sub)
	}
}

// start returns where in s a search must begin, or false when s has no
// match.
func (l *litRegexp) start(s string) (int, bool) {
	k := strings.Index(s, l.lit)
	if k < 0 {
		return 0, false
	}
	if l.suffix == nil || k <= l.before {
		return 0, true
	}
	return k - l.before, true
}

// FindStringSubmatchIndex is regexp's FindStringSubmatchIndex.
func (l *litRegexp) FindStringSubmatchIndex(s string) []int {
	from, ok := l.start(s)
	if !ok {
		return nil
	}
	if from == 0 {
		return l.re.FindStringSubmatchIndex(s)
	}
	m := l.suffix.FindStringSubmatchIndex(s[from:])
	for i := range m {
		if m[i] >= 0 {
			m[i] += from
		}
	}
	return m
}

// MatchString is regexp's MatchString.
func (l *litRegexp) MatchString(s string) bool {
	from, ok := l.start(s)
	if !ok {
		return false
	}
	if from == 0 {
		return l.re.MatchString(s)
	}
	return l.suffix.MatchString(s[from:])
}
