package logictest

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
)

// MatchError checks err against an expected error: nil when err is non-nil
// and has the expected SQLSTATE (when one is given) and a message matching the
// expected regex (when one is given). The regex is matched against the
// server's message (pgconn.PgError.Message), or against err.Error() for
// errors that did not come from the server.
func MatchError(exp *ErrorExpectation, err error) error {
	if err == nil {
		return fmt.Errorf("expected an error matching %q, but it succeeded", exp.String())
	}
	code, msg := "", err.Error()
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		code, msg = pgErr.Code, pgErr.Message
	}
	if exp.Code != "" && code != exp.Code {
		return fmt.Errorf("expected SQLSTATE %s, got %s: %s", exp.Code, describeCode(code), msg)
	}
	if exp.Regex != nil && !exp.Regex.MatchString(msg) {
		return fmt.Errorf("expected an error matching %q, got %s: %s", exp.Regex.String(), describeCode(code), msg)
	}
	return nil
}

// DescribeError returns err as SQLSTATE plus message, for reports.
func DescribeError(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code + ": " + pgErr.Message
	}
	return err.Error()
}

func describeCode(code string) string {
	if code == "" {
		return "a client-side error"
	}
	return "SQLSTATE " + code
}
