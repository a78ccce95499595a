package planner

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/types"
)

// JoinExpiry says when a row of one side of a join can no longer pair
// with a row the other side has yet to send, so that the join frees it (a
// window join on window_start, an interval join): every pair satisfies
// other.OtherColumn ≤ own.Column + Offset (Offset in the columns' unit:
// microseconds for timestamps), and the other side sends no change, insert
// or delete, below its watermark on OtherColumn (closedWatermarkColumns).
// Once that watermark is above the row's Column + Offset, the row's pairs
// are all made. A row whose Column is NULL pairs with nothing and is not
// kept at all.
//
// Every kind of join frees so: an outer side's row padded with NULLs is
// emitted when it arrives and retracted when a pair comes (its degree), so
// a row freed with no pair has its padded row out already, and one with
// pairs has its pairs out; a semi or anti join's left row is emitted or
// retracted as its degree moves, which no change to come can move.
type JoinExpiry struct {
	// Side is 0 for Left's rows, 1 for Right's.
	Side int
	// Column is a column of the side's input, OtherColumn one of the
	// other input.
	Column, OtherColumn int
	Offset              int64
	// Counted marks the right side of a semi or anti join without a
	// residual, which keeps a count of rows per join key, not the rows:
	// rows of the key may still come to it, so a count is freed only once
	// the side's own watermark on Column (a key column, Offset 0) has
	// passed it too.
	Counted bool
}

// Expiries returns how each side's rows expire, at most one bound per
// side: from an equality key (other.c = own.s: offset 0) or a conjunct of
// the residual (other.c ≤ or < own.s + k, BETWEEN), where the other side's
// column carries a watermark it sends no change below. Every kind of hash
// join frees rows (inner, outer, semi, anti); a temporal join keeps no
// rows of its stream side, and a nested-loop join frees none.
func (n *StreamHashJoin) Expiries() []JoinExpiry {
	if n.Temporal || n.NestedLoop() {
		return nil
	}
	closed := [2][]bool{closedWatermarkColumns(n.Left), closedWatermarkColumns(n.Right)}
	counted := n.LeftOnly() && n.Residual == nil
	var cands []JoinExpiry
	for i, lk := range n.LeftKeys {
		if n.NullSafeKey(i) {
			continue
		}
		rk := n.RightKeys[i]
		cands = append(cands, JoinExpiry{Side: 0, Column: lk, OtherColumn: rk}, JoinExpiry{Side: 1, Column: rk, OtherColumn: lk})
	}
	for _, c := range expr.Conjuncts(n.Residual) {
		for _, le := range lessOrEqual(c) {
			if e, ok := n.pairBound(le[0], le[1]); ok {
				cands = append(cands, e)
			}
		}
	}
	var out []JoinExpiry
	for side := range 2 {
		for _, e := range cands {
			if e.Side != side || !closed[1-side][e.OtherColumn] {
				continue
			}
			if side == 1 && counted {
				if !closed[1][e.Column] {
					continue
				}
				e.Counted = true
			}
			if n.Frees == nil || n.Frees[side] {
				out = append(out, e)
			}
			break
		}
	}
	return out
}

// RecordedFrees returns, for Frees, the sides that roles, the state tables
// a stored plan recorded for a join, hold an expiry table for: a view made
// when a join of its kind, or over its inputs, freed no rows keeps the
// tables it has and frees none.
func RecordedFrees(roles []string) *[2]bool {
	var f [2]bool
	for _, r := range roles {
		switch r {
		case "left expiry":
			f[0] = true
		case "right expiry":
			f[1] = true
		}
	}
	return &f
}

// NullBoundColumns returns, per side (0 Left, 1 Right), a column of that
// side that a comparison of the residual relates to the other side's plus
// a constant, as Expiries reads them (-1: none): a row whose column is
// NULL fails that comparison with every row, so the join need not keep it
// (ops.JoinExpiry.DropNulls, for a side that frees no rows by watermark).
func (n *StreamHashJoin) NullBoundColumns() [2]int {
	out := [2]int{-1, -1}
	if n.Temporal || n.NestedLoop() {
		return out
	}
	for _, c := range expr.Conjuncts(n.Residual) {
		for _, le := range lessOrEqual(c) {
			if e, ok := n.pairBound(le[0], le[1]); ok {
				if out[e.Side] < 0 {
					out[e.Side] = e.Column
				}
				if out[1-e.Side] < 0 {
					out[1-e.Side] = e.OtherColumn
				}
			}
		}
	}
	return out
}

// lessOrEqual returns the pairs [a, b] with a ≤ b that c holds: a
// comparison < ≤ > ≥, or both halves of a BETWEEN.
func lessOrEqual(c expr.Expr) [][2]expr.Expr {
	if x, lo, hi, ok := expr.BetweenOperands(c); ok {
		return [][2]expr.Expr{{lo, x}, {x, hi}}
	}
	op, l, r, ok := expr.Comparison(c)
	if !ok {
		return nil
	}
	switch op {
	case sql.OpLt, sql.OpLe:
		return [][2]expr.Expr{{l, r}}
	case sql.OpGt, sql.OpGe:
		return [][2]expr.Expr{{r, l}}
	}
	return nil
}

// pairBound returns the expiry a ≤ b gives, where a is a column of one
// side (over the join's pair columns) plus a constant and b a column of
// the other side plus a constant: other.c + ka ≤ own.s + kb, so other.c ≤
// own.s + (kb - ka).
func (n *StreamHashJoin) pairBound(a, b expr.Expr) (JoinExpiry, bool) {
	ac, bc := expr.Columns(a), expr.Columns(b)
	if len(ac) != 1 || len(bc) != 1 || !expr.WatermarkValue(a.Type()) {
		return JoinExpiry{}, false
	}
	otherSide, otherCol := n.pairSide(ac[0])
	side, col := n.pairSide(bc[0])
	if side == otherSide {
		return JoinExpiry{}, false
	}
	if a.Type().Family != n.sideColumns(otherSide)[otherCol].Type.Family || b.Type().Family != n.sideColumns(side)[col].Type.Family {
		return JoinExpiry{}, false
	}
	ctx, mem := context.Background(), memory.DefaultAllocator
	ka, ok := expr.ConstantOffset(ctx, mem, a, ac[0])
	if !ok {
		return JoinExpiry{}, false
	}
	kb, ok := expr.ConstantOffset(ctx, mem, b, bc[0])
	if !ok {
		return JoinExpiry{}, false
	}
	return JoinExpiry{Side: side, Column: col, OtherColumn: otherCol, Offset: kb - ka}, true
}

// pairSide returns the input (0 Left, 1 Right) and its column that pair
// column p is (the inverse of LeftPos and RightPos).
func (n *StreamHashJoin) pairSide(p int) (side, col int) {
	lw, rw, nl := n.LeftWidth, n.RightWidth, len(n.Left.Columns())
	switch {
	case p < lw:
		return 0, p
	case p < lw+rw:
		return 1, p - lw
	case p < nl+rw:
		return 0, p - rw
	}
	return 1, p - nl
}

// sideColumns returns the columns of input side (0 Left, 1 Right).
func (n *StreamHashJoin) sideColumns(side int) []Col {
	if side == 0 {
		return n.Left.Columns()
	}
	return n.Right.Columns()
}

// WatermarkKeys returns the equality keys whose columns carry, on both
// sides, a watermark no change goes below: the join passes on the lower of
// the two as a watermark of the key's output columns that no padded row
// leaves NULL (WatermarkKeyColumns). Every later change of the output has
// the key at or above it: a change of one side brings out rows with its
// own key, or rows of the other side with the same key (an outer side's
// padded row, a semi or anti join's left row).
func (n *StreamHashJoin) WatermarkKeys() []int {
	if n.Temporal || n.NestedLoop() || n.Kind == FullJoin {
		return nil
	}
	l, r := closedWatermarkColumns(n.Left), closedWatermarkColumns(n.Right)
	var out []int
	for i, lk := range n.LeftKeys {
		if !n.NullSafeKey(i) && l[lk] && r[n.RightKeys[i]] {
			out = append(out, i)
		}
	}
	return out
}

// WatermarkKeyColumns returns the output columns equality key i's
// watermark is passed on as: both of an inner join's key columns, the
// preserved side's of an outer join (the other's is NULL in a padded
// row), the left one of a semi or anti join (whose output is the left
// side's columns).
func (n *StreamHashJoin) WatermarkKeyColumns(i int) []int {
	l, r := n.LeftPos(n.LeftKeys[i]), n.RightPos(n.RightKeys[i])
	switch n.Kind {
	case InnerJoin:
		return []int{l, r}
	case LeftJoin:
		return []int{l}
	case RightJoin:
		return []int{r}
	case SemiJoin, AntiJoin:
		return []int{n.LeftKeys[i]}
	}
	return nil
}

// joinWatermarkColumns returns which output columns of n carry a
// watermark: those of its WatermarkKeys (WatermarkKeyColumns); for a
// temporal join, the left side's columns that carry one (its rows are
// emitted before the watermarks after them: ops.LookupJoin).
func joinWatermarkColumns(n *StreamHashJoin) []bool {
	out := make([]bool, len(n.Columns()))
	if n.Temporal {
		for k, ok := range WatermarkColumns(n.Left) {
			out[n.LeftPos(k)] = ok
		}
		return out
	}
	for _, i := range n.WatermarkKeys() {
		for _, c := range n.WatermarkKeyColumns(i) {
			out[c] = true
		}
	}
	return out
}

// closedWatermarkColumns returns which columns of n carry a watermark that
// bounds every later change of n, deletes included: any column with a
// watermark of an append-only node, and what follows from such through
// filters, projections non-decreasing in it, an aggregate's group columns
// (a closed group never changes again) and a join's WatermarkKeys.
func closedWatermarkColumns(n StreamNode) []bool {
	if n.AppendOnly() {
		return WatermarkColumns(n)
	}
	out := make([]bool, len(n.Columns()))
	switch n := n.(type) {
	case *StreamFilter:
		copy(out, closedWatermarkColumns(n.Input))
	case *StreamProject:
		in := closedWatermarkColumns(n.Input)
		for i, e := range n.Exprs {
			for c, ok := range in {
				if ok && expr.NonDecreasingIn(e, c) {
					out[i] = true
				}
			}
		}
	case *StreamHashAgg:
		in := closedWatermarkColumns(n.Input)
		copy(out[:n.NumGroup], in[:n.NumGroup])
	case *StreamHashJoin:
		copy(out, joinWatermarkColumns(n))
	}
	return out
}

// expiryState returns the expiry index of each side that frees rows.
func (n *StreamHashJoin) expiryState() []StateTable {
	var out []StateTable
	for _, e := range n.Expiries() {
		role := [2]string{"left", "right"}[e.Side]
		out = append(out, StateTable{Role: role + " expiry", Key: "expiry time | the " + role + " row's state key", Value: "nothing"})
	}
	return out
}

// explainExpiry returns how the join frees each side's rows, for EXPLAIN.
func (n *StreamHashJoin) explainExpiry() string {
	s := ""
	for _, e := range n.Expiries() {
		own, other := n.sideColumns(e.Side), n.sideColumns(1-e.Side)
		role := [2]string{"left", "right"}[e.Side]
		off := fmt.Sprint(e.Offset)
		if f := own[e.Column].Type.Family; f == types.Timestamp || f == types.TimestampTZ {
			off = time.Duration(e.Offset * 1000).String()
		}
		s += fmt.Sprintf(", frees %s: %s + %s < watermark(%s)", role, own[e.Column].Name, off, other[e.OtherColumn].Name)
		if e.Counted {
			s += fmt.Sprintf(" and own watermark(%s)", own[e.Column].Name)
		}
	}
	return s
}
