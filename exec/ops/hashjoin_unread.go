package ops

import (
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
)

// blankColumns returns, for each side of the join spec describes, which of
// its input's columns nothing needs (nil: none): output columns the
// consumer does not read (spec.Unread) that are not join keys, stream keys
// or read by the residual. A semi or anti join blanks nothing.
//
// The join keeps and emits such a column as NULL (blankUnread): a row in
// state then holds one byte for it, and the pairs copy nothing of it
// (Nexmark q4 reads four of an auction's ten columns and three of a
// bid's seven; its descriptions, urls and extras were kept and copied for
// nothing).
func blankColumns(spec HashJoinSpec) [2][]bool {
	var out [2][]bool
	if spec.Unread == nil || spec.Semi || spec.Anti {
		return out
	}
	var residual []int
	if spec.Residual != nil {
		residual = expr.Columns(spec.Residual)
	}
	sides := [2]struct {
		n         int
		keys, sk  []int
		positions []int
	}{
		{len(spec.Left), spec.LeftKeys, spec.LeftStreamKey, spec.LeftPos},
		{len(spec.Right), spec.RightKeys, spec.RightStreamKey, spec.RightPos},
	}
	for s, side := range sides {
		blank := make([]bool, side.n)
		some := false
		for k := range side.n {
			p := side.positions[k]
			if p < len(spec.Unread) && spec.Unread[p] && !slices.Contains(side.keys, k) &&
				!slices.Contains(side.sk, k) && !slices.Contains(residual, p) {
				blank[k], some = true, true
			}
		}
		if some {
			out[s] = blank
		}
	}
	return out
}

// blankUnread returns chunk c of side input with the columns that side
// blanks (h.blank) replaced by NULLs, and true; c itself and false when
// the side blanks none. The caller releases the new chunk's batch.
func (h *HashJoin) blankUnread(input int, c exec.Chunk) (exec.Chunk, bool) {
	blank := h.blank[input]
	if blank == nil {
		return c, false
	}
	n := int(c.Batch.NumRows())
	cols := make([]arrow.Array, len(blank))
	for k, b := range blank {
		if b {
			cols[k] = array.MakeArrayOfNull(h.mem, c.Batch.Column(k).DataType(), n)
			continue
		}
		cols[k] = c.Batch.Column(k)
		cols[k].Retain()
	}
	b := array.NewRecordBatch(c.Batch.Schema(), cols, int64(n))
	for _, a := range cols {
		a.Release()
	}
	return exec.Chunk{Batch: b, Ops: c.Ops}, true
}
