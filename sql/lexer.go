package sql

import (
	"strings"
	"unicode/utf8"
)

// tokenKind is the lexical class of a token.
type tokenKind uint8

const (
	tkEOF     tokenKind = iota
	tkIdent             // identifier or keyword; val is folded (unquoted) or as written (quoted)
	tkString            // string literal; val is the unescaped text
	tkInteger           // digits; val is the text
	tkDecimal           // digits with a point or an exponent; val is the text
	tkParam             // $n; val is the digits
	tkOp                // operator or punctuation; val is its text
)

// token is one lexical token of a statement text. pos and end are byte offsets
// of the token's first byte and of the byte after its last one.
type token struct {
	kind   tokenKind
	val    string
	quoted bool // tkIdent written with double quotes
	pos    int
	end    int
}

// lexer splits a text into tokens. It is used by one goroutine at a time.
type lexer struct {
	text string
	i    int
}

// lex returns the tokens of text, ending with a tkEOF token positioned at
// len(text), or the first lexical error.
func lex(text string) ([]token, error) {
	if pos, _, found := InvalidText(text); found {
		return nil, checkText(text[pos:], pos)
	}
	l := lexer{text: text}
	var toks []token
	for {
		t, err := l.next()
		if err != nil {
			return nil, err
		}
		toks = append(toks, t)
		if t.kind == tkEOF {
			return foldCatalogSyntax(toks)
		}
	}
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}

func isIdentCont(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9' || c == '$'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// errorNear returns a lexical error whose message names the text from pos on,
// as Postgres does ("unterminated quoted string at or near "'abc"").
func (l *lexer) errorNear(msg string, pos, end int) error {
	return &Error{Pos: Pos(pos), Msg: msg + " at or near \"" + l.text[pos:end] + "\""}
}

// skipSpace skips white space and comments.
func (l *lexer) skipSpace() error {
	for l.i < len(l.text) {
		c := l.text[l.i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			l.i++
		case c == '-' && strings.HasPrefix(l.text[l.i:], "--"):
			nl := strings.IndexByte(l.text[l.i:], '\n')
			if nl < 0 {
				l.i = len(l.text)
			} else {
				l.i += nl + 1
			}
		case c == '/' && strings.HasPrefix(l.text[l.i:], "/*"):
			start := l.i
			depth := 0
			for {
				if l.i >= len(l.text) {
					return l.errorNear("unterminated /* comment", start, len(l.text))
				}
				if strings.HasPrefix(l.text[l.i:], "/*") {
					depth++
					l.i += 2
				} else if strings.HasPrefix(l.text[l.i:], "*/") {
					depth--
					l.i += 2
					if depth == 0 {
						break
					}
				} else {
					l.i++
				}
			}
		default:
			return nil
		}
	}
	return nil
}

// next returns the next token.
func (l *lexer) next() (token, error) {
	if err := l.skipSpace(); err != nil {
		return token{}, err
	}
	start := l.i
	if l.i >= len(l.text) {
		return token{kind: tkEOF, pos: start, end: start}, nil
	}
	c := l.text[l.i]
	switch {
	case (c == 'e' || c == 'E') && l.i+1 < len(l.text) && l.text[l.i+1] == '\'':
		l.i++
		return l.lexString(start, true)
	case isIdentStart(c):
		for l.i < len(l.text) && isIdentCont(l.text[l.i]) {
			l.i++
		}
		return token{kind: tkIdent, val: foldIdent(l.text[start:l.i]), pos: start, end: l.i}, nil
	case c == '"':
		return l.lexQuotedIdent(start)
	case c == '\'':
		return l.lexString(start, false)
	case isDigit(c) || c == '.' && l.i+1 < len(l.text) && isDigit(l.text[l.i+1]):
		return l.lexNumber(start)
	case c == '$':
		if t, ok, err := l.lexDollarString(start); ok || err != nil {
			return t, err
		}
		l.i++
		for l.i < len(l.text) && isDigit(l.text[l.i]) {
			l.i++
		}
		if l.i < len(l.text) && isIdentCont(l.text[l.i]) {
			for l.i < len(l.text) && isIdentCont(l.text[l.i]) {
				l.i++
			}
			return token{}, l.errorNear("trailing junk after parameter", start, l.i)
		}
		if l.i == start+1 {
			return token{}, l.errorNear("syntax error", start, l.i)
		}
		return token{kind: tkParam, val: l.text[start+1 : l.i], pos: start, end: l.i}, nil
	}
	for _, op := range [...]string{"<>", "!=", "<=", ">=", "||", "::", "!~*", "!~", "~*"} {
		if strings.HasPrefix(l.text[l.i:], op) {
			l.i += len(op)
			return token{kind: tkOp, val: op, pos: start, end: l.i}, nil
		}
	}
	if c < utf8.RuneSelf {
		l.i++
	} else {
		_, n := utf8.DecodeRuneInString(l.text[l.i:])
		l.i += n
	}
	// Characters that are no operator still become tokens, so that the
	// parser reports them as "syntax error at or near", as Postgres does.
	return token{kind: tkOp, val: l.text[start:l.i], pos: start, end: l.i}, nil
}

// foldIdent lower-cases the ASCII letters of an unquoted identifier, as Postgres does.
func foldIdent(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func (l *lexer) lexQuotedIdent(start int) (token, error) {
	var b strings.Builder
	l.i++
	for {
		if l.i >= len(l.text) {
			return token{}, l.errorNear("unterminated quoted identifier", start, len(l.text))
		}
		c := l.text[l.i]
		l.i++
		if c == '"' {
			if l.i < len(l.text) && l.text[l.i] == '"' {
				b.WriteByte('"')
				l.i++
				continue
			}
			break
		}
		b.WriteByte(c)
	}
	if b.Len() == 0 {
		return token{}, l.errorNear("zero-length delimited identifier", start, l.i)
	}
	return token{kind: tkIdent, val: b.String(), quoted: true, pos: start, end: l.i}, nil
}

// lexString lexes '…' (l.i at the quote) with ” as an escaped quote and, for
// E'…', backslash escapes.
func (l *lexer) lexString(start int, escapes bool) (token, error) {
	var b strings.Builder
	l.i++ // opening quote
	for {
		if l.i >= len(l.text) {
			return token{}, l.errorNear("unterminated quoted string", start, len(l.text))
		}
		c := l.text[l.i]
		switch {
		case c == '\'':
			l.i++
			if l.i < len(l.text) && l.text[l.i] == '\'' {
				b.WriteByte('\'')
				l.i++
				continue
			}
			v := b.String()
			if escapes {
				// Escapes (E'\xff') can spell bytes that are not UTF-8.
				if err := checkText(v, start); err != nil {
					return token{}, err
				}
			}
			return token{kind: tkString, val: v, pos: start, end: l.i}, nil
		case c == '\\' && escapes:
			if err := l.lexEscape(&b, start); err != nil {
				return token{}, err
			}
		default:
			b.WriteByte(c)
			l.i++
		}
	}
}

// lexEscape decodes one backslash escape of an E'…' string; l.i is at the backslash.
func (l *lexer) lexEscape(b *strings.Builder, start int) error {
	esc := l.i
	l.i++
	if l.i >= len(l.text) {
		return l.errorNear("unterminated quoted string", start, len(l.text))
	}
	c := l.text[l.i]
	l.i++
	switch c {
	case 'b':
		b.WriteByte('\b')
	case 'f':
		b.WriteByte('\f')
	case 'n':
		b.WriteByte('\n')
	case 'r':
		b.WriteByte('\r')
	case 't':
		b.WriteByte('\t')
	case 'x':
		v, n := l.hexDigits(2)
		if n == 0 {
			b.WriteByte('x')
			return nil
		}
		if v == 0 {
			return &Error{Pos: Pos(esc), Code: characterNotInRepertoire, Msg: "invalid byte sequence for encoding \"UTF8\": 0x00"}
		}
		b.WriteByte(byte(v))
	case 'u', 'U':
		width := 4
		if c == 'U' {
			width = 8
		}
		v, n := l.hexDigits(width)
		if n != width || v == 0 || v > utf8.MaxRune || v >= 0xD800 && v <= 0xDFFF {
			return l.errorNear("invalid Unicode escape value", esc, l.i)
		}
		b.WriteRune(rune(v))
	default:
		if c >= '0' && c <= '7' {
			v := int(c - '0')
			for k := 0; k < 2 && l.i < len(l.text) && l.text[l.i] >= '0' && l.text[l.i] <= '7'; k++ {
				v = v*8 + int(l.text[l.i]-'0')
				l.i++
			}
			if v == 0 {
				return &Error{Pos: Pos(esc), Code: characterNotInRepertoire, Msg: "invalid byte sequence for encoding \"UTF8\": 0x00"}
			}
			b.WriteByte(byte(v))
			return nil
		}
		b.WriteByte(c)
	}
	return nil
}

// hexDigits reads up to max hex digits and returns their value and count.
func (l *lexer) hexDigits(max int) (int, int) {
	v, n := 0, 0
	for n < max && l.i < len(l.text) {
		d := hexVal(l.text[l.i])
		if d < 0 {
			break
		}
		v = v*16 + d
		n++
		l.i++
	}
	return v, n
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// lexNumber lexes 12, 1.5, .5, 1., 1e10, 1.5E-3. A number directly followed
// by identifier characters is an error, as in Postgres 15 and later.
func (l *lexer) lexNumber(start int) (token, error) {
	kind := tkInteger
	for l.i < len(l.text) && isDigit(l.text[l.i]) {
		l.i++
	}
	if l.i < len(l.text) && l.text[l.i] == '.' && !strings.HasPrefix(l.text[l.i:], "..") {
		kind = tkDecimal
		l.i++
		for l.i < len(l.text) && isDigit(l.text[l.i]) {
			l.i++
		}
	}
	if l.i < len(l.text) && (l.text[l.i] == 'e' || l.text[l.i] == 'E') {
		j := l.i + 1
		if j < len(l.text) && (l.text[j] == '+' || l.text[j] == '-') {
			j++
		}
		if j < len(l.text) && isDigit(l.text[j]) {
			kind = tkDecimal
			for j < len(l.text) && isDigit(l.text[j]) {
				j++
			}
			l.i = j
		} else {
			l.i = j
			return token{}, l.junk(start)
		}
	}
	if l.i < len(l.text) && isIdentStart(l.text[l.i]) {
		return token{}, l.junk(start)
	}
	return token{kind: kind, val: l.text[start:l.i], pos: start, end: l.i}, nil
}

func (l *lexer) junk(start int) error {
	for l.i < len(l.text) && isIdentCont(l.text[l.i]) {
		l.i++
	}
	return l.errorNear("trailing junk after numeric literal", start, l.i)
}
