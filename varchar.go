package weir

import (
	"fmt"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/planner/catalog"
)

// withLength limits e, the value stored into col, to col's VARCHAR(n) or
// CHAR(n) length: a longer value fails with 22001 (trailing spaces past n
// are cut, as in Postgres). err passes through.
func withLength(e expr.Expr, err error, col catalog.Column) (expr.Expr, error) {
	if err != nil || col.Length == 0 {
		return e, err
	}
	return expr.CharLength(e, int(col.Length), col.Fixed, false), nil
}

// columnTypeName is col's type as Postgres' format_type prints it, with the
// length of VARCHAR(n) and CHAR(n).
func columnTypeName(col catalog.Column) string {
	switch {
	case col.Length == 0:
		return col.Type.String()
	case col.Fixed:
		return fmt.Sprintf("character(%d)", col.Length)
	}
	return fmt.Sprintf("%s(%d)", col.Type, col.Length)
}
