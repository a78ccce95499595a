package dataflow

import (
	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/planner"
)

// joinExpiry returns h, the hash join of n, wrapped to free the rows of
// the sides that expire and to pass on its keys' watermarks
// (ops.JoinExpiry) when n has any, and then to keep no row of a side that
// does not expire whose bounded column is NULL; h itself otherwise. Under
// a TTL only a join of append-only inputs frees rows.
func (b *builder) joinExpiry(n *planner.StreamHashJoin, h *ops.HashJoin) exec.Operator {
	expiries, keys := n.Expiries(), n.WatermarkKeys()
	if b.spec.TTL > 0 && !(n.Left.AppendOnly() && n.Right.AppendOnly()) {
		// The TTL deletes an aggregate's groups, below its watermark: an
		// input that is not append-only may then retract a row the other
		// side's freed rows paired with. The expiry tables stay empty.
		expiries, keys = nil, nil
	}
	if len(expiries) == 0 && len(keys) == 0 {
		return h
	}
	var sides [2]*ops.JoinExpirySide
	for _, e := range expiries {
		role := [2]string{"left", "right"}[e.Side]
		sides[e.Side] = &ops.JoinExpirySide{Column: e.Column, Offset: e.Offset, OtherColumn: e.OtherColumn, Counted: e.Counted,
			Index: b.spec.Tables.Table(n, role+" expiry")}
	}
	var wk []ops.JoinWatermarkKey
	for _, i := range keys {
		wk = append(wk, ops.JoinWatermarkKey{Left: n.LeftKeys[i], Right: n.RightKeys[i], Out: n.WatermarkKeyColumns(i)})
	}
	j := ops.NewJoinExpiry(h, sides, wk)
	for side, col := range n.NullBoundColumns() {
		if col >= 0 {
			j.DropNulls(side, col)
		}
	}
	return j
}
