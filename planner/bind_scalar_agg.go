package planner

import (
	"strings"

	"github.com/weir-stream/weir/sql"
)

// scalarAggregate returns the aggregate call a correlated scalar subquery's
// select item computes with: the item itself when it is one, or the one
// aggregate call of arithmetic over it and constants (0.2 * avg(x), TPC-H's
// Q17), when that call is not count: over a key without rows such an
// aggregate is NULL and so is the arithmetic, which the left join's padding
// gives too. false otherwise.
func scalarAggregate(e sql.Expr) (*sql.FuncCall, bool) {
	if call, ok := e.(*sql.FuncCall); ok {
		return call, isPlainAggregate(call)
	}
	var found *sql.FuncCall
	var arith func(e sql.Expr) bool
	arith = func(e sql.Expr) bool {
		switch e := e.(type) {
		case *sql.ParenExpr:
			return arith(e.Expr)
		case *sql.Literal:
			return e.Kind == sql.LitInteger || e.Kind == sql.LitDecimal
		case *sql.UnaryExpr:
			return e.Op == sql.OpNeg && arith(e.Operand)
		case *sql.BinaryExpr:
			switch e.Op {
			case sql.OpAdd, sql.OpSub, sql.OpMul, sql.OpDiv:
				return arith(e.Left) && arith(e.Right)
			}
		case *sql.FuncCall:
			if found == nil && isPlainAggregate(e) && !strings.EqualFold(e.Name.Value, "count") {
				found = e
				return true
			}
		}
		return false
	}
	if !arith(e) || found == nil {
		return nil, false
	}
	return found, true
}

// comparedInWhere reports whether sq is an operand of a comparison (=, <>,
// <, <=, >, >=) that is one of s's WHERE conjuncts: a row where sq is NULL
// does not pass s's WHERE.
func comparedInWhere(s *sql.Select, sq *sql.SubqueryExpr) bool {
	if s.Where == nil {
		return false
	}
	bare := func(e sql.Expr) sql.Expr {
		for {
			p, ok := e.(*sql.ParenExpr)
			if !ok {
				return e
			}
			e = p.Expr
		}
	}
	for _, t := range andTerms(s.Where) {
		c, ok := bare(t).(*sql.BinaryExpr)
		if !ok {
			continue
		}
		switch c.Op {
		case sql.OpEq, sql.OpNe, sql.OpLt, sql.OpLe, sql.OpGt, sql.OpGe:
			if bare(c.Left) == sql.Expr(sq) || bare(c.Right) == sql.Expr(sq) {
				return true
			}
		}
	}
	return false
}
