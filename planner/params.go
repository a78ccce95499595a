package planner

import (
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// BindParams replaces every $n of st, a prepared statement's AST, by the
// expression lit returns for it, and returns the function that puts the $n
// back (the statement stays the prepared one, executed again with other
// values). It changes nothing when lit fails. A $n where no expression
// goes is refused (0A000).
func BindParams(st sql.Statement, lit func(p *sql.Param) (sql.Expr, error)) (undo func(), err error) {
	undo, err = sql.RewriteExprs(st, func(e sql.Expr) (sql.Expr, error) {
		if p, ok := e.(*sql.Param); ok {
			return lit(p)
		}
		return e, nil
	})
	if err != nil {
		return nil, err
	}
	// A $n that stands where no expression goes is left: refuse it.
	sql.Walk(st, func(n sql.Node) bool {
		if p, ok := n.(*sql.Param); ok && err == nil {
			err = sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, p.Pos, "a parameter cannot stand here")
		}
		return err == nil
	})
	if err != nil {
		undo()
		return nil, err
	}
	return undo, nil
}

// ParamValues returns the lit of BindParams that gives each $n its value in
// values (text; nil is NULL) as a typed constant of its type in ts:
// CAST('text' AS type), or a typed NULL. A $n beyond values is 42704.
func ParamValues(ts []types.T, values []*string) func(*sql.Param) (sql.Expr, error) {
	return func(p *sql.Param) (sql.Expr, error) {
		n := p.Index
		if n < 1 || n > len(values) {
			return nil, sqlstate.ErrorfAt(sqlstate.UndefinedObject, p.Pos, "there is no parameter $%d", n)
		}
		val := &sql.Literal{Pos: p.Pos, Kind: sql.LitNull}
		if values[n-1] != nil {
			val = &sql.Literal{Pos: p.Pos, Kind: sql.LitString, Value: *values[n-1]}
		}
		return &sql.CastExpr{Pos: p.Pos, Expr: val, Type: sql.TypeName{Pos: p.Pos, Type: ts[n-1]}}, nil
	}
}

// NullParams is the lit of BindParams that makes every $n an untyped NULL
// (how DuckDB describes a statement whose parameters have no values yet);
// *most is raised to the highest n.
func NullParams(most *int) func(*sql.Param) (sql.Expr, error) {
	return func(p *sql.Param) (sql.Expr, error) {
		*most = max(*most, p.Index)
		return &sql.Literal{Pos: p.Pos, Kind: sql.LitNull}, nil
	}
}
