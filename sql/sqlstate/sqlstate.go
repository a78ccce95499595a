// Package sqlstate is the one place where a user-facing error gets its
// Postgres SQLSTATE code. Packages below wire return *Error (or a *sql.Error for
// syntax errors); wire calls From to turn any error into what it sends.
package sqlstate

import (
	"context"
	"errors"
	"fmt"

	"github.com/weir-stream/weir/sql"
)

// Codes used by weir, named as in Postgres' errcodes.txt.
const (
	SyntaxError                  = "42601"
	UndefinedTable               = "42P01"
	UndefinedColumn              = "42703"
	UndefinedFunction            = "42883"
	DuplicateFunction            = "42723"
	AmbiguousFunction            = "42725"
	InvalidFunctionDefinition    = "42P13"
	UndefinedObject              = "42704"
	DuplicateTable               = "42P07"
	DuplicateObject              = "42710"
	DuplicateColumn              = "42701"
	DuplicateAlias               = "42712"
	AmbiguousColumn              = "42702"
	DatatypeMismatch             = "42804"
	GroupingError                = "42803"
	WindowingError               = "42P20"
	InvalidParameterValue        = "22023"
	CharacterNotInRepertoire     = "22021"
	InvalidColumnReference       = "42P10"
	InvalidTableDefinition       = "42P16"
	InvalidObjectDefinition      = "42P17"
	InvalidRowCountInLimit       = "2201W"
	InvalidRowCountInOffset      = "2201X"
	InvalidTextRepresentation    = "22P02"
	InvalidDatetimeFormat        = "22007"
	DatetimeFieldOverflow        = "22008"
	NumericValueOutOfRange       = "22003"
	DivisionByZero               = "22012"
	InvalidArgumentForLogarithm  = "2201E"
	InvalidRegularExpression     = "2201B"
	StringDataRightTruncation    = "22001"
	NotNullViolation             = "23502"
	UniqueViolation              = "23505"
	DependentObjectsStillExist   = "2BP01"
	WrongObjectType              = "42809"
	IndeterminateDatatype        = "42P18"
	FeatureNotSupported          = "0A000"
	InvalidParameterCount        = "08P01"
	ProtocolViolation            = "08P01"
	QueryCanceled                = "57014"
	AdminShutdown                = "57P01"
	ObjectNotInPrerequisiteState = "55000"
	ObjectInUse                  = "55006"
	CantChangeRuntimeParam       = "55P02"
	InsufficientResources        = "53000"
	OutOfMemory                  = "53200"
	TooManyConnections           = "53300"
	ProgramLimitExceeded         = "54000"
	StatementTooComplex          = "54001"
	TooManyArguments             = "54023"
	ConfigFileError              = "F0000"
	Warning                      = "01000"
	UnableToConnect              = "08001" // sqlclient_unable_to_establish_sqlconnection
	SystemError                  = "58000"
	UndefinedFile                = "58P01"
	CardinalityViolation         = "21000"
	InsufficientPrivilege        = "42501"
	ReservedName                 = "42939"
	InvalidAuthorization         = "28000"
	InvalidPassword              = "28P01"
	Internal                     = "XX000"
	// The transaction states of class 25 and 40.
	ActiveSQLTransaction   = "25001"
	NoActiveSQLTransaction = "25P01"
	InFailedSQLTransaction = "25P02"
	ReadOnlySQLTransaction = "25006"
	SerializationFailure   = "40001"
	InvalidName            = "42602"
	// The cursors' (DECLARE, FETCH, CLOSE).
	InvalidCursorName = "34000"
	// InvalidSQLStatementName is DEALLOCATE's of no such statement.
	InvalidSQLStatementName = "26000"
	DuplicateCursor         = "42P03"
	// The window functions' arguments and frame offsets.
	InvalidArgumentForNtile         = "22014"
	InvalidArgumentForNthValue      = "22016"
	InvalidPrecedingOrFollowingSize = "22013"
	NullValueNotAllowed             = "22004"
)

// Error is an error with a SQLSTATE code. Position is a byte offset into the
// statement text, or -1 when the error has no position.
type Error struct {
	Code     string
	Message  string
	Detail   string
	Hint     string
	Position int
	// Where is the error's CONTEXT line ("COPY t, line 3, column b: …").
	Where string
	cause error
}

func (e *Error) Error() string { return e.Message }

// Unwrap returns the error this one wraps, if any.
func (e *Error) Unwrap() error { return e.cause }

// Errorf returns an *Error with code and no position.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Position: -1}
}

// ErrorfAt returns an *Error with code at position pos.
func ErrorfAt(code string, pos sql.Pos, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Position: int(pos)}
}

// Wrap returns an *Error with code whose message is msg: cause.
func Wrap(code string, cause error, msg string) *Error {
	return &Error{Code: code, Message: msg + ": " + cause.Error(), Position: -1, cause: cause}
}

// WithDetail returns a copy of e with Detail set.
func (e *Error) WithDetail(detail string) *Error { c := *e; c.Detail = detail; return &c }

// WithWhere returns a copy of e with Where set.
func (e *Error) WithWhere(where string) *Error { c := *e; c.Where = where; return &c }

// WithHint returns a copy of e with Hint set.
func (e *Error) WithHint(hint string) *Error { c := *e; c.Hint = hint; return &c }

// At returns a copy of e with Position pos, unless it already has one.
func (e *Error) At(pos sql.Pos) *Error {
	if e.Position >= 0 {
		return e
	}
	c := *e
	c.Position = int(pos)
	return &c
}

// From returns the *Error to report for err: err itself when it is one (or
// wraps one), 42601 for syntax errors, 57014 for a cancelled query, and XX000
// for anything else.
func From(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var se *sql.Error
	if errors.As(err, &se) {
		code := SyntaxError
		if se.Code != "" {
			code = se.Code
		}
		return &Error{Code: code, Message: se.Msg, Hint: se.Hint, Position: int(se.Pos), cause: err}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &Error{Code: QueryCanceled, Message: "canceling statement due to user request", Position: -1, cause: err}
	}
	return &Error{Code: Internal, Message: err.Error(), Position: -1, cause: err}
}
