package dml

import (
	"errors"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// Coerce converts e, a value stored into col by INSERT or UPDATE, to col's
// type, with Postgres' assignment error (42804) when the types do not
// convert implicitly, and limits it to col's VARCHAR(n) or CHAR(n) length:
// a longer value fails with 22001 when it is evaluated (trailing spaces
// past n are cut, as in Postgres).
func Coerce(e expr.Expr, col catalog.Column) (expr.Expr, error) {
	out, err := expr.Coerce(e, col.Type)
	var se *sqlstate.Error
	if errors.As(err, &se) && se.Code == sqlstate.DatatypeMismatch {
		return nil, sqlstate.Errorf(sqlstate.DatatypeMismatch, "column \"%s\" is of type %s but expression is of type %s", col.Name, col.Type, e.Type()).
			WithHint("You will need to rewrite or cast the expression.")
	}
	if err != nil || col.Length == 0 {
		return out, err
	}
	return expr.CharLength(out, int(col.Length), col.Fixed, false), nil
}
