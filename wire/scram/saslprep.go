package scram

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Normalize prepares a password as Postgres does before deriving its
// verifier (SASLprep, RFC 4013, which libpq applies on the client side
// too): non-ASCII spaces become ASCII spaces, characters commonly mapped to
// nothing are dropped, and the result is NFKC-normalized. An ASCII password
// is kept as it is, and so is one SASLprep refuses (invalid UTF-8, or a
// prohibited character such as a control or private-use one), as Postgres
// falls back to the raw bytes then. Bidirectional and unassigned-code-point
// checks are not made; such passwords are normalized all the same.
func Normalize(password string) string {
	ascii := true
	for i := 0; i < len(password); i++ {
		if password[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii || !utf8.ValidString(password) {
		return password
	}
	mapped := make([]rune, 0, len(password))
	for _, r := range password {
		switch {
		case mappedToNothing(r):
		case r != ' ' && unicode.Is(unicode.Zs, r):
			mapped = append(mapped, ' ')
		default:
			mapped = append(mapped, r)
		}
	}
	out := norm.NFKC.String(string(mapped))
	for _, r := range out {
		if prohibited(r) {
			return password
		}
	}
	return out
}

// mappedToNothing is RFC 3454 table B.1.
func mappedToNothing(r rune) bool {
	switch {
	case r == 0x00AD, r == 0x034F, r == 0x1806, r == 0x2060, r == 0xFEFF,
		r >= 0x180B && r <= 0x180D, r >= 0x200B && r <= 0x200D, r >= 0xFE00 && r <= 0xFE0F:
		return true
	}
	return false
}

// prohibited is RFC 4013's prohibited output: control, private-use,
// non-character, surrogate, display-changing and tagging code points
// (RFC 3454 tables C.2 to C.9).
func prohibited(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7F && r <= 0x9F, // C.2 controls
		r == 0x06DD, r == 0x070F, r == 0x180E, r == 0x2028, r == 0x2029,
		r >= 0x2060 && r <= 0x2063, r >= 0xFFF9 && r <= 0xFFFD, r >= 0x1D173 && r <= 0x1D17A,
		r >= 0xE000 && r <= 0xF8FF, r >= 0xF0000 && r <= 0xFFFFD, r >= 0x100000 && r <= 0x10FFFD, // C.3 private use
		r >= 0xFDD0 && r <= 0xFDEF, r&0xFFFE == 0xFFFE, // C.4 non-characters
		r >= 0xD800 && r <= 0xDFFF,                                                                                 // C.5 surrogates
		r >= 0x2FF0 && r <= 0x2FFB,                                                                                 // C.7
		r == 0x0340, r == 0x0341, r == 0x200E, r == 0x200F, r >= 0x202A && r <= 0x202E, r >= 0x206A && r <= 0x206F, // C.8
		r == 0xE0001, r >= 0xE0020 && r <= 0xE007F: // C.9 tagging
		return true
	}
	return false
}
