package sql

import "fmt"

// Postgres' bounds on the width of a statement, which weir keeps too: wider
// statements fail at parse time instead of building huge plans and results
// (a row description holds at most 65535 columns).
const (
	// MaxSelectItems bounds a SELECT list (54011).
	MaxSelectItems = 1664
	// MaxColumns bounds the columns of CREATE TABLE / STREAM (54011).
	MaxColumns = 1600
	// MaxFuncArgs bounds a function call's arguments (54023).
	MaxFuncArgs = 100
)

// SQLSTATE codes of the width bounds (too_many_columns, too_many_arguments).
const (
	tooManyColumns   = "54011"
	tooManyArguments = "54023"
)

// tooWide returns the error of a statement past one of the bounds above, at pos.
func tooWide(pos int, code, format string, args ...any) error {
	return &Error{Pos: Pos(pos), Code: code, Msg: fmt.Sprintf(format, args...)}
}
