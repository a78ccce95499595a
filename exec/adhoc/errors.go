//go:build duckdb_arrow

package adhoc

import (
	"context"
	"errors"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// translateError turns an error DuckDB returned for sqlText into a
// *sqlstate.Error with the code and wording Postgres would use (pgWording),
// with the relations' names in DuckDB replaced by names' values. Errors
// that are not DuckDB's (context cancellation, weir's own) are returned
// unchanged.
func translateError(err error, sqlText string, names map[string]string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var se *sqlstate.Error
	if errors.As(err, &se) {
		return err
	}
	var de *duckdb.Error
	if !errors.As(err, &de) {
		return &sqlstate.Error{Code: sqlstate.Internal, Message: renameInternal(err.Error(), names), Position: -1}
	}
	if se, ok := markedError(de.Msg); ok {
		return se
	}
	msg, detail := splitDuckDBMessage(de.Msg)
	out := &sqlstate.Error{Code: codeOf(de.Type, msg), Message: msg, Detail: detail, Position: -1}
	if pos, ok := errorPosition(de.Msg, sqlText); ok {
		out.Position = pos
	}
	pgWording(out, names)
	return out
}

// codeOf picks the SQLSTATE code for a DuckDB error type and message.
func codeOf(t duckdb.ErrorType, msg string) string {
	lower := strings.ToLower(msg)
	switch t {
	case duckdb.ErrorTypeParser, duckdb.ErrorTypeSyntax:
		return sqlstate.SyntaxError
	case duckdb.ErrorTypeCatalog:
		switch {
		case strings.Contains(lower, "function"):
			return sqlstate.UndefinedFunction
		case strings.Contains(lower, "column"):
			return sqlstate.UndefinedColumn
		case strings.Contains(lower, "does not exist"):
			return sqlstate.UndefinedTable
		case strings.Contains(lower, "already exists"):
			return sqlstate.DuplicateTable
		}
		return sqlstate.UndefinedObject
	case duckdb.ErrorTypeBinder:
		switch {
		case strings.Contains(lower, "column") && (strings.Contains(lower, "not found") || strings.Contains(lower, "does not have")):
			return sqlstate.UndefinedColumn
		case strings.Contains(lower, "ambiguous"):
			return sqlstate.AmbiguousColumn
		case strings.Contains(lower, "group by"):
			return sqlstate.GroupingError
		case strings.Contains(lower, "function"):
			return sqlstate.UndefinedFunction
		case strings.Contains(lower, "type"):
			return sqlstate.DatatypeMismatch
		}
		return sqlstate.SyntaxError
	case duckdb.ErrorTypeConversion:
		return sqlstate.InvalidTextRepresentation
	case duckdb.ErrorTypeOutOfRange, duckdb.ErrorTypeDecimal:
		return sqlstate.NumericValueOutOfRange
	case duckdb.ErrorTypeDivideByZero:
		return sqlstate.DivisionByZero
	case duckdb.ErrorTypeMismatchType, duckdb.ErrorTypeInvalidType:
		return sqlstate.DatatypeMismatch
	case duckdb.ErrorTypeInvalidInput:
		return sqlstate.InvalidParameterValue
	case duckdb.ErrorTypeConstraint:
		if strings.Contains(lower, "not null") {
			return sqlstate.NotNullViolation
		}
		return sqlstate.UniqueViolation
	case duckdb.ErrorTypeNotImplemented:
		return sqlstate.FeatureNotSupported
	case duckdb.ErrorTypeInterrupt:
		return sqlstate.QueryCanceled
	case duckdb.ErrorTypeOutOfMemory:
		return sqlstate.OutOfMemory
	}
	return sqlstate.Internal
}

// splitDuckDBMessage strips DuckDB's "<Kind> Error: " prefix and splits the
// first line (the message) from the rest (the detail: DuckDB's "LINE 1:"
// excerpt or its suggestions).
func splitDuckDBMessage(m string) (msg, detail string) {
	if prefix, rest, ok := strings.Cut(m, ": "); ok && strings.HasSuffix(prefix, "Error") && !strings.Contains(prefix, "\n") {
		m = rest
	}
	msg, detail, _ = strings.Cut(m, "\n")
	return strings.TrimSpace(msg), strings.TrimSpace(detail)
}

// errorPosition finds the byte offset DuckDB points at: its messages end with
// "LINE n: <text>" and a caret line under the offending token. The text may be
// an excerpt of the statement, so the caret column is mapped back through the
// excerpt's place in sqlText. ok is false when the message has no position or
// the excerpt cannot be found.
func errorPosition(m, sqlText string) (int, bool) {
	lines := strings.Split(m, "\n")
	for i := 0; i+1 < len(lines); i++ {
		l := lines[i]
		if !strings.HasPrefix(l, "LINE ") {
			continue
		}
		colon := strings.Index(l, ": ")
		if colon < 0 {
			continue
		}
		excerpt := l[colon+2:]
		caret := strings.Index(lines[i+1], "^")
		if caret < colon+2 {
			continue
		}
		col := caret - (colon + 2)
		trimmed := strings.TrimPrefix(excerpt, "...")
		col -= len(excerpt) - len(trimmed)
		trimmed = strings.TrimSuffix(trimmed, "...")
		if col < 0 || trimmed == "" {
			continue
		}
		at := strings.Index(sqlText, trimmed)
		if at < 0 {
			// DuckDB prints the statement with its newlines turned into
			// spaces; match against the same shape.
			at = strings.Index(strings.ReplaceAll(sqlText, "\n", " "), trimmed)
		}
		if at < 0 {
			return 0, false
		}
		return at + col, true
	}
	return 0, false
}
