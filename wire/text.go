package wire

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/weir-stream/weir"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// DefaultMaxStatementSize is the default bound on a statement's text
// (Options.MaxStatementSize), well below DefaultMaxMessageSize.
const DefaultMaxStatementSize = 16 << 20

// checkText refuses text that is not valid UTF-8 or holds a NUL byte, as
// Postgres refuses it in a UTF8 database: SQLSTATE 22021 naming the bytes of
// the first bad sequence. Everything a client sends as text (statements and
// text parameters) passes here, so no such text reaches the engine, its
// tables or DuckDB.
func checkText(s string) error {
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
		return sqlstate.Errorf(sqlstate.CharacterNotInRepertoire,
			"invalid byte sequence for encoding \"UTF8\": %s", badBytes(s[i:]))
	}
	return nil
}

// badBytes formats the bytes of the invalid sequence at the start of s as
// Postgres does ("0xe2 0x28 0xa1"): as many as a sequence starting with its
// first byte would hold, at most what s has.
func badBytes(s string) string {
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

// checkStatement refuses a statement text longer than the server's bound
// (54000) or not valid UTF-8 (22021), before it is parsed.
func (c *conn) checkStatement(text string) error {
	if max := c.srv.opts.MaxStatementSize; len(text) > max {
		return sqlstate.Errorf(sqlstate.ProgramLimitExceeded,
			"statement is too long: %d bytes, the limit is %d", len(text), max).
			WithHint("The server's limit is server.max_statement_bytes in its config file.")
	}
	return checkText(text)
}

// checkParams refuses bound parameter values whose text is not valid UTF-8
// or holds a NUL byte (22021).
func checkParams(params []weir.Param) error {
	for _, p := range params {
		if p == nil {
			continue
		}
		if err := checkText(*p); err != nil {
			return err
		}
	}
	return nil
}

// checkStartupEncoding refuses a startup packet whose client_encoding is not
// UTF8 (or one of its names), since weir converts no other encoding.
func checkStartupEncoding(params map[string]string) error {
	v, ok := params["client_encoding"]
	if !ok {
		return nil
	}
	_, err := weir.ClientEncoding(v)
	return err
}
