package sql

import "strings"

// lexDollarString lexes a dollar-quoted string, $tag$…$tag$ with an empty
// or identifier-like tag (l.i at the first $), as Postgres does; its text
// is taken as written, without escapes. ok is false, and l.i unchanged,
// when the $ starts no dollar quote (a parameter $n, or junk).
func (l *lexer) lexDollarString(start int) (t token, ok bool, err error) {
	i := start + 1
	if i < len(l.text) && isIdentStart(l.text[i]) {
		for i < len(l.text) && isIdentCont(l.text[i]) && l.text[i] != '$' {
			i++
		}
	}
	if i >= len(l.text) || l.text[i] != '$' {
		return token{}, false, nil
	}
	delim := l.text[start : i+1]
	body := i + 1
	end := strings.Index(l.text[body:], delim)
	if end < 0 {
		return token{}, true, l.errorNear("unterminated dollar-quoted string", start, len(l.text))
	}
	l.i = body + end + len(delim)
	return token{kind: tkString, val: l.text[body : body+end], pos: start, end: l.i}, true, nil
}
