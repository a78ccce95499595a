package ops

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
)

// sidePrefilters returns, for each side of a join that is neither a semi
// or anti join nor outer on that side, the conjuncts of its residual that
// compare that side's columns with constants or each other, over the
// side's own columns (nil: none). A row of the side for which one is not
// true pairs with no row of the other side, so the row's insert changes
// nothing: the join drops it before it reads or keeps anything. Only
// comparisons of columns and constants are taken, which cannot fail: a
// conjunct that could (a division) is evaluated on pairs only, as it was.
func sidePrefilters(spec HashJoinSpec) [2]expr.Expr {
	var out [2]expr.Expr
	if spec.Residual == nil || spec.Semi || spec.Anti {
		return out
	}
	var conj [2][]expr.Expr
	pos := [2][]int{spec.LeftPos, spec.RightPos}
	outer := [2]bool{spec.OuterLeft, spec.OuterRight}
	for _, c := range expr.Conjuncts(spec.Residual) {
		if !isPlainComparison(c) {
			continue
		}
		for s := range 2 {
			if outer[s] {
				continue
			}
			sideCol := map[int]int{} // output position → the side's column
			for k, p := range pos[s] {
				sideCol[p] = k
			}
			e, err := expr.RemapColumns(c, func(i int) (int, bool) {
				k, ok := sideCol[i]
				return k, ok
			})
			if err == nil {
				conj[s] = append(conj[s], e)
				break
			}
		}
	}
	for s := range 2 {
		if len(conj[s]) > 0 {
			out[s] = expr.And(conj[s])
		}
	}
	return out
}

// isPlainComparison reports whether e compares two operands that are each
// a column or a constant.
func isPlainComparison(e expr.Expr) bool {
	_, l, r, ok := expr.Comparison(e)
	if !ok {
		return false
	}
	plain := func(o expr.Expr) bool {
		switch o.(type) {
		case *expr.ColumnRef, *expr.Const:
			return true
		}
		return false
	}
	return plain(l) && plain(r)
}

// prefilter returns chunk c of side input without the inserts its side's
// prefilter rejects (c itself, retained, when it keeps every row; an
// empty chunk when it keeps none). The caller releases it. On a side with
// one row per key (onePerKey), the rejected inserts are recorded first
// (markRejected): the other side's rows of their keys are not kept.
func (h *HashJoin) prefilter(ctx context.Context, input int, c exec.Chunk) (exec.Chunk, error) {
	f := h.prefilters[input]
	arr, err := f.Eval(ctx, h.mem, c.Batch)
	if err != nil {
		return exec.Chunk{}, err
	}
	defer arr.Release()
	mask, ok := arr.(*array.Boolean)
	if !ok || mask.Len() != c.NumRows() {
		return exec.Chunk{}, fmt.Errorf("hash join: side condition %s returned %s", f, arr.DataType())
	}
	keep := make([]int, 0, c.NumRows())
	var rejected []int
	for i := range c.NumRows() {
		if !c.OpAt(i).IsInsert() || (mask.IsValid(i) && mask.Value(i)) {
			keep = append(keep, i)
		} else if h.onePerKey[input] {
			rejected = append(rejected, i)
		}
	}
	if len(rejected) > 0 {
		if err := h.markRejected(input, c, rejected); err != nil {
			return exec.Chunk{}, err
		}
	}
	if len(keep) == 0 {
		return exec.Chunk{}, nil
	}
	b, err := expr.SelectRows(ctx, h.mem, c.Batch, keep)
	if err != nil {
		return exec.Chunk{}, err
	}
	var ops []exec.Op
	if c.Ops != nil {
		ops = make([]exec.Op, len(keep))
		for j, i := range keep {
			ops[j] = c.Ops[i]
		}
	}
	return exec.Chunk{Batch: b, Ops: ops}, nil
}
