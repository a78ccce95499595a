package planner

import (
	"fmt"

	"github.com/weir-stream/weir/exec/expr"
)

// A join whose condition has no equality between its two sides (`a JOIN b
// ON a.x < b.y`, a CROSS JOIN, a comma join whose WHERE relates the sides
// otherwise, an outer join on such a condition) is a nested-loop join: a
// StreamHashJoin whose one key is the constant 0 on both sides, so every
// row of a side has the same key, each change meets every row of the other
// side, and the condition is the residual. Each side's rows are kept in
// state as a hash join keeps them (with their degree where padding must be
// retracted); the work of a change grows with the other side's rows, and a
// side with very many rows is reported as a hot key.

// NestedLoop reports whether n pairs every row of one side with every row
// of the other: its key is a constant on both sides, each of which may
// hold many rows (not the one row of a global aggregate, a scalar
// subquery's), and it keeps the other side's rows (not a semi or anti
// join without residual, which keeps their count).
func (n *StreamHashJoin) NestedLoop() bool {
	if len(n.LeftKeys) != 1 || n.LeftOnly() && n.Residual == nil {
		return false
	}
	if len(n.Left.StreamKey()) == 0 || len(n.Right.StreamKey()) == 0 {
		return false
	}
	return constantColumn(n.Left, n.LeftKeys[0]) && constantColumn(n.Right, n.RightKeys[0])
}

// constantColumn reports whether column k of in is a constant a
// projection computes.
func constantColumn(in StreamNode, k int) bool {
	p, ok := in.(*StreamProject)
	return ok && k < len(p.Exprs) && expr.IsConstant(p.Exprs[k])
}

// explainNestedLoop is EXPLAIN's line for a nested-loop join: its
// condition, and what a change costs.
func (n *StreamHashJoin) explainNestedLoop() string {
	cond := "true"
	if n.Residual != nil {
		cond = n.Residual.String()
	}
	return fmt.Sprintf("StreamNestedLoopJoin { type: %s, condition: %s, cost: each change meets every row of the other side }", n.Kind, cond)
}

// nestedLoopState is the state of a nested-loop join: each side's rows
// under the one key.
func nestedLoopState() []StateTable {
	return []StateTable{
		{Role: "left", Key: "0 (no equality: one key) | left stream key", Value: "degree (outer side) | row"},
		{Role: "right", Key: "0 (no equality: one key) | right stream key", Value: "degree (outer side) | row"},
	}
}
