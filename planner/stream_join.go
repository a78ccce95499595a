package planner

import (
	"fmt"
	"slices"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql/types"
)

// StreamHashJoin maintains a join on equality keys: each input's rows are
// kept in state under their join key, a change on one side is matched with
// the other side's rows of the same key, and the pairs that also satisfy
// Residual are emitted with the change's op. An outer side's rows carry how
// many rows of the other side they pair with (their degree), so that the
// row padded with NULLs is emitted when it drops to 0 and retracted when it
// leaves 0. A NULL key never matches, but in a null-safe key (IS NOT
// DISTINCT FROM), where it matches a NULL.
//
// Its columns are the logical join's — Left's first LeftWidth columns, then
// Right's first RightWidth — followed by the rest of Left's and Right's
// (hidden key columns), so the columns above the join see the logical
// join's layout. Its stream key is Left's key and Right's.
//
// A semi join (Kind SemiJoin) emits a row of Left while it pairs with some
// row of Right, an anti join while it pairs with none: Left's rows carry
// their degree, and a change on Right that moves a row's degree between 0
// and 1 emits or retracts it. Their columns and stream key are Left's; the
// pairs Residual is evaluated over have the layout above (PairColumns).
type StreamHashJoin struct {
	Left, Right StreamNode
	Kind        JoinKind
	// LeftKeys[i] = RightKeys[i] are the equality conditions, columns of
	// Left and of Right of one type.
	LeftKeys, RightKeys []int
	// NullSafe[i] makes key i null-safe (IS NOT DISTINCT FROM): a NULL
	// matches a NULL. Nil: no key is.
	NullSafe []bool
	// Residual is the rest of the condition, over the join's columns (nil:
	// none).
	Residual              expr.Expr
	LeftWidth, RightWidth int
	// Temporal makes the join a temporal (lookup) join: Left's rows meet
	// Right's as they are when they arrive, and Right's changes emit
	// nothing (stream_temporal_join.go).
	Temporal bool
	// Frees, when set, holds which sides (0 Left, 1 Right) may free their
	// rows by watermark: a plan read back from the catalog frees only the
	// sides it declared an expiry table for when it was made
	// (stream_join_expiry.go). Nil: every side Expiries finds.
	Frees *[2]bool
}

// LeftPos returns where column k of Left is in the join's output.
func (n *StreamHashJoin) LeftPos(k int) int {
	if k < n.LeftWidth {
		return k
	}
	return n.LeftWidth + n.RightWidth + (k - n.LeftWidth)
}

// RightPos returns where column k of Right is in the join's output.
func (n *StreamHashJoin) RightPos(k int) int {
	if k < n.RightWidth {
		return n.LeftWidth + k
	}
	return len(n.Left.Columns()) + n.RightWidth + (k - n.RightWidth)
}

// NullSafeKey reports whether key i matches a NULL with a NULL.
func (n *StreamHashJoin) NullSafeKey(i int) bool { return i < len(n.NullSafe) && n.NullSafe[i] }

// Inputs returns Left and Right.
func (n *StreamHashJoin) Inputs() []StreamNode { return []StreamNode{n.Left, n.Right} }

// Columns returns the logical join's columns, then the inputs' hidden ones
// (a semi or anti join: Left's).
func (n *StreamHashJoin) Columns() []Col {
	if n.LeftOnly() {
		return n.Left.Columns()
	}
	return n.PairColumns()
}

// LeftOnly reports whether the join emits Left's rows only: a semi or anti
// join.
func (n *StreamHashJoin) LeftOnly() bool { return n.Kind == SemiJoin || n.Kind == AntiJoin }

// PairColumns returns the columns of a pair of rows, the residual's input:
// the logical join's columns, then the inputs' hidden ones.
func (n *StreamHashJoin) PairColumns() []Col {
	l, r := n.Left.Columns(), n.Right.Columns()
	out := make([]Col, len(l)+len(r))
	for i, c := range l {
		out[n.LeftPos(i)] = c
	}
	for i, c := range r {
		out[n.RightPos(i)] = c
	}
	return out
}

// StreamKey returns Left's key and Right's: a pair, or a row padded with
// NULLs for the other side, is identified by both.
func (n *StreamHashJoin) StreamKey() []int {
	if n.LeftOnly() || n.Temporal {
		return n.Left.StreamKey()
	}
	var key []int
	for _, k := range n.Left.StreamKey() {
		key = append(key, n.LeftPos(k))
	}
	for _, k := range n.Right.StreamKey() {
		key = append(key, n.RightPos(k))
	}
	return key
}

// AppendOnly reports whether the join never retracts: an inner or semi
// join of append-only inputs.
func (n *StreamHashJoin) AppendOnly() bool {
	if n.Temporal {
		return n.Left.AppendOnly()
	}
	return (n.Kind == InnerJoin || n.Kind == SemiJoin) && n.Left.AppendOnly() && n.Right.AppendOnly()
}

// State returns each side's rows by join key.
func (n *StreamHashJoin) State() []StateTable {
	if n.Temporal {
		return temporalJoinState()
	}
	if n.NestedLoop() {
		return nestedLoopState()
	}
	if n.LeftOnly() && n.Residual == nil {
		// Whether a left row is in the output depends only on how many
		// right rows have its key.
		return append([]StateTable{
			{Role: "left", Key: "join key | left stream key", Value: "0 | row"},
			{Role: "right", Key: "join key", Value: "count of its rows"},
		}, n.expiryState()...)
	}
	return append([]StateTable{
		{Role: "left", Key: "join key | left stream key", Value: "degree (outer side) | row"},
		{Role: "right", Key: "join key | right stream key", Value: "degree (outer side) | row"},
	}, n.expiryState()...)
}

// OuterLeft reports whether Left's unmatched rows are kept (padded).
func (n *StreamHashJoin) OuterLeft() bool { return n.Kind == LeftJoin || n.Kind == FullJoin }

// OuterRight reports whether Right's unmatched rows are kept (padded).
func (n *StreamHashJoin) OuterRight() bool { return n.Kind == RightJoin || n.Kind == FullJoin }

func (n *StreamHashJoin) explain() string {
	if n.NestedLoop() {
		return n.explainNestedLoop()
	}
	l, r := n.Left.Columns(), n.Right.Columns()
	keys := make([]string, len(n.LeftKeys))
	for i := range keys {
		op := "="
		if n.NullSafeKey(i) {
			op = "IS NOT DISTINCT FROM"
		}
		keys[i] = fmt.Sprintf("%s %s %s", l[n.LeftKeys[i]].Name, op, r[n.RightKeys[i]].Name)
	}
	name := "StreamHashJoin"
	if n.Temporal {
		name = "StreamTemporalJoin"
	}
	s := fmt.Sprintf("%s { type: %s, keys: [%s]", name, n.Kind, join(keys))
	if n.Residual != nil {
		s += fmt.Sprintf(", residual: %s", n.Residual)
	}
	return s + n.explainOnePerKey() + n.explainExpiry() + " }"
}

// planJoin returns the hash join of j, whose condition is j.On and, for an
// inner join, where (a WHERE clause over it). Each equality between an
// expression over one side only and one over the other becomes a key (a
// side's key expression that is not one of its columns is computed into a
// hidden column first); the rest of the condition is the residual. A
// condition without such an equality makes a nested-loop join.
func planJoin(j *Join, where expr.Expr) (StreamNode, error) {
	left, err := planNode(j.Left)
	if err != nil {
		return nil, err
	}
	right, err := planNode(j.Right)
	if err != nil {
		return nil, err
	}
	lw, rw := len(j.Left.Columns()), len(j.Right.Columns())
	side := func(e expr.Expr) int { // 0 left, 1 right, -1 none or both
		cols := expr.Columns(e)
		if len(cols) == 0 {
			return -1
		}
		if cols[len(cols)-1] < lw {
			return 0
		}
		if cols[0] >= lw {
			return 1
		}
		return -1
	}
	var lkeys, rkeys []expr.Expr
	var nullSafe []bool
	var residual []expr.Expr
	conds := append(expr.Conjuncts(j.On), expr.Conjuncts(where)...)
	for _, c := range conds {
		// A key every branch of an OR holds is a key (the OR stays a
		// residual).
		conds = append(conds, expr.CommonConjuncts(c)...)
	}
	for _, c := range conds {
		l, r, ok := expr.Equality(c)
		safe := false
		if !ok {
			l, r, ok = expr.NullSafeEquality(c)
			safe = ok
		}
		if ok {
			ls, rs := side(l), side(r)
			if ls == 1 && rs == 0 {
				l, r, ls, rs = r, l, rs, ls
			}
			if ls == 0 && rs == 1 {
				lkeys = append(lkeys, l)
				nullSafe = append(nullSafe, safe)
				rkeys = append(rkeys, expr.Substitute(r, func(c *expr.ColumnRef) expr.Expr {
					return expr.Column(c.Index()-lw, c.Name(), c.Type())
				}))
				continue
			}
		}
		residual = append(residual, c)
	}
	if len(lkeys) == 0 {
		// Right has one row, or the condition has no equality between
		// the sides: every row has the key 0, a nested-loop join
		// (stream_nested_loop.go).
		zero, err := expr.Constant(int64(0), types.Int64Type)
		if err != nil {
			return nil, err
		}
		lkeys, rkeys = []expr.Expr{zero}, []expr.Expr{zero}
	}
	if j.Temporal {
		return planTemporalJoin(j, left, right, lkeys, rkeys, nullSafe, residual)
	}
	n := &StreamHashJoin{Kind: j.Kind, LeftWidth: lw, RightWidth: rw}
	n.Left, n.LeftKeys = keyColumns(left, lkeys)
	n.Right, n.RightKeys = keyColumns(right, rkeys)
	if slices.Contains(nullSafe, true) {
		n.NullSafe = nullSafe
	}
	if len(residual) > 0 {
		n.Residual = expr.And(residual)
	}
	return n, nil
}

// keyColumns returns in, extended with hidden columns for the key
// expressions that are not its columns, and the key's columns.
func keyColumns(in StreamNode, keys []expr.Expr) (StreamNode, []int) {
	cols := in.Columns()
	out := make([]int, len(keys))
	var extra []expr.Expr
	for i, k := range keys {
		if c, ok := k.(*expr.ColumnRef); ok {
			out[i] = c.Index()
			continue
		}
		out[i] = len(cols) + len(extra)
		extra = append(extra, k)
	}
	if len(extra) == 0 {
		return in, out
	}
	exprs := make([]expr.Expr, 0, len(cols)+len(extra))
	pcols := append([]Col(nil), cols...)
	for i, c := range cols {
		exprs = append(exprs, expr.Column(i, c.Name, c.Type))
	}
	for i, e := range extra {
		exprs = append(exprs, e)
		pcols = append(pcols, Col{Name: fmt.Sprintf("_join_key%d", i), Type: e.Type(), Hidden: true})
	}
	return mergeProjects(&StreamProject{Input: in, Exprs: exprs, Cols: pcols, Key: in.StreamKey()}), out
}
