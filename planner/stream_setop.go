package planner

import (
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/types"
)

// planSetOp plans INTERSECT or EXCEPT [ALL] n for a view over the operators
// a union and an aggregate are: the rows of both inputs, each marked with
// its side, are counted per distinct row (NULLs equal, as set operations
// compare rows), and a row is kept by its counts — INTERSECT while both are
// positive, EXCEPT while only the left one is. The ALL forms keep
// least(left, right) or left - right copies of each row (StreamReplicate).
// Every change to either input moves only its row's counts, so the view
// stays exact under inserts, updates and deletes on both sides.
func planSetOp(n *SetOp) (StreamNode, error) {
	m := len(n.Cols)
	cols := make([]Col, m)
	for i, c := range n.Cols {
		cols[i] = Col{Name: c.Name, Type: c.Type}
	}
	firstCols := func(in []Col) []expr.Expr {
		out := make([]expr.Expr, m)
		for i := range out {
			out[i] = expr.Column(i, in[i].Name, in[i].Type)
		}
		return out
	}
	constant := func(v int64) expr.Expr {
		c, err := expr.Constant(v, types.Int64Type)
		if err != nil {
			panic(err) // a bigint constant is always valid
		}
		return c
	}
	binary := func(op sql.BinaryOp, l, r expr.Expr) expr.Expr {
		e, err := expr.Binary(op, l, r)
		if err != nil {
			panic(err) // bigint operands always resolve
		}
		return e
	}
	sideCol := Col{Name: "_side", Type: types.Int64Type}
	side := func(in Node, s int64) Node {
		return &Project{Input: in, Exprs: append(firstCols(in.Columns()), constant(s)), Cols: append(cols[:m:m], sideCol)}
	}
	union := &Union{Inputs: []Node{side(n.Left, 0), side(n.Right, 1)}, Cols: append(cols[:m:m], sideCol)}
	sideRef := expr.Column(m, sideCol.Name, sideCol.Type)
	count := func(s int64) expr.Aggregate {
		a, err := expr.ResolveAggregate("count", nil, true, false)
		if err != nil {
			panic(err) // count(*) always resolves
		}
		a.Filter = binary(sql.OpEq, sideRef, constant(s))
		return a
	}
	agg := &Aggregate{Input: union, NumGroup: m, Aggs: []expr.Aggregate{count(0), count(1)},
		Cols: append(cols[:m:m], Col{Name: "_left", Type: types.Int64Type}, Col{Name: "_right", Type: types.Int64Type})}
	left, right, zero := expr.Column(m, "_left", types.Int64Type), expr.Column(m+1, "_right", types.Int64Type), constant(0)
	var keep, copies expr.Expr
	switch n.Op {
	case sql.SetIntersect:
		keep = expr.And([]expr.Expr{binary(sql.OpGt, left, zero), binary(sql.OpGt, right, zero)})
		least, err := expr.Case(nil, [][2]expr.Expr{{binary(sql.OpLt, left, right), left}}, right)
		if err != nil {
			return nil, err
		}
		copies = least
	default: // sql.SetExcept
		if n.All {
			keep = binary(sql.OpGt, left, right)
		} else {
			keep = expr.And([]expr.Expr{binary(sql.OpGt, left, zero), binary(sql.OpEq, right, zero)})
		}
		copies = binary(sql.OpSub, left, right)
	}
	kept := &Filter{Input: agg, Pred: keep}
	if !n.All {
		return planNode(&Project{Input: kept, Exprs: firstCols(agg.Cols), Cols: cols})
	}
	counted, err := planNode(&Project{Input: kept, Exprs: append(firstCols(agg.Cols), copies), Cols: append(cols[:m:m], Col{Name: "_copies", Type: types.Int64Type})})
	if err != nil {
		return nil, err
	}
	rep := &StreamReplicate{Input: counted, Count: m}
	return NewStreamProject(rep, firstCols(rep.Columns()), cols), nil
}
