package wire

import (
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/session"
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
	if _, seq, found := sql.InvalidText(s); found {
		return sqlstate.Errorf(sqlstate.CharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\": %s", seq)
	}
	return nil
}

// checkStatement refuses a statement text longer than the server's bound
// (54000) before it is parsed; text that is not valid UTF-8 the lexer
// refuses (22021, with its position).
func (c *conn) checkStatement(text string) error {
	if max := c.srv.opts.MaxStatementSize; len(text) > max {
		return sqlstate.Errorf(sqlstate.ProgramLimitExceeded,
			"statement is too long: %d bytes, the limit is %d", len(text), max).
			WithHint("The server's limit is server.max_statement_bytes in its config file.")
	}
	return nil
}

// checkParams refuses bound parameter values whose text is not valid UTF-8
// or holds a NUL byte (22021).
func checkParams(params []session.Param) error {
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
	_, err := session.ClientEncoding(v)
	return err
}
