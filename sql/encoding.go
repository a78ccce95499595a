package sql

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// characterNotInRepertoire is SQLSTATE 22021, Postgres' code for text that
// is not valid in the database encoding (UTF8).
const characterNotInRepertoire = "22021"

// InvalidText finds the first sequence of s that is not valid UTF-8, or a
// NUL byte, which Postgres refuses in text too. It returns the sequence's
// byte offset and its bytes as Postgres prints them ("0xe2 0x28 0xa1": as
// many as a sequence starting with its first byte would hold); found is
// false when s is valid.
func InvalidText(s string) (pos int, bytes string, found bool) {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 1 && c < utf8.RuneSelf {
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		if c != 0 && (r != utf8.RuneError || w > 1) {
			i += w
			continue
		}
		return i, badSequence(s[i:]), true
	}
	return 0, "", false
}

func badSequence(s string) string {
	n := 1
	switch c := s[0]; {
	case c >= 0xf8:
	case c >= 0xf0:
		n = 4
	case c >= 0xe0:
		n = 3
	case c >= 0xc0:
		n = 2
	}
	n = min(n, len(s))
	parts := make([]string, n)
	for i := range n {
		parts[i] = fmt.Sprintf("0x%02x", s[i])
	}
	return strings.Join(parts, " ")
}

// checkText returns the 22021 error for s at pos (the position of the text
// s came from) when s is not valid text.
func checkText(s string, pos int) error {
	if _, seq, found := InvalidText(s); found {
		return &Error{Pos: Pos(pos), Code: characterNotInRepertoire,
			Msg: "invalid byte sequence for encoding \"UTF8\": " + seq}
	}
	return nil
}
