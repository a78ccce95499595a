package ops

import (
	"context"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql/types"
)

// narrowResidual is a join's residual over only the columns it reads: the
// candidate pairs it is evaluated over carry those, not every column of
// both sides (q4's and q9's BETWEEN reads three of seventeen; the strings
// it does not read are then copied once, into the pairs that pass, not
// twice).
type narrowResidual struct {
	// cond is the residual with column i of the pair schema read as
	// column j, where cols[j] = i.
	cond expr.Expr
	// cols are the positions in the pair schema (the output, or a semi or
	// anti join's Pairs) of the columns cond reads, ascending.
	cols []int
	// schema is the narrow pairs' schema.
	schema types.Schema
}

// newNarrowResidual returns the residual of spec over the columns it
// reads (nil when spec has none, or it reads every column anyway).
func newNarrowResidual(spec HashJoinSpec) *narrowResidual {
	if spec.Residual == nil {
		return nil
	}
	full := spec.Output
	if spec.Semi || spec.Anti {
		full = spec.Pairs
	}
	cols := expr.Columns(spec.Residual)
	if len(cols) == 0 || len(cols) >= len(full) {
		return nil
	}
	cond, err := expr.RemapColumns(spec.Residual, func(i int) (int, bool) {
		j, found := slices.BinarySearch(cols, i)
		return j, found
	})
	if err != nil {
		return nil
	}
	n := &narrowResidual{cond: cond, cols: cols}
	for _, c := range cols {
		n.schema = append(n.schema, full[c])
	}
	return n
}

// buildNarrow returns the candidate pairs outs with only the columns of the
// narrow residual r: own rows from ownBatch (of side input), other rows
// from otherBatch, as build places every column.
func (h *HashJoin) buildNarrow(ctx context.Context, r *narrowResidual, ownBatch, otherBatch arrow.RecordBatch, input int, outs []joinOut) (arrow.RecordBatch, error) {
	ownIdx, otherIdx := array.NewInt32Builder(h.mem), array.NewInt32Builder(h.mem)
	defer ownIdx.Release()
	defer otherIdx.Release()
	for _, o := range outs {
		appendIndex(ownIdx, o.own)
		appendIndex(otherIdx, o.other)
	}
	oi, xi := ownIdx.NewInt32Array(), otherIdx.NewInt32Array()
	defer oi.Release()
	defer xi.Release()
	cols := make([]arrow.Array, len(r.cols))
	release := func() {
		for _, a := range cols {
			if a != nil {
				a.Release()
			}
		}
	}
	place := func(s *joinSide, batch arrow.RecordBatch, idx *array.Int32) error {
		for k := range s.schema {
			j, found := slices.BinarySearch(r.cols, s.pos[k])
			if !found {
				continue
			}
			var a arrow.Array
			var err error
			if batch.NumRows() == 0 {
				a = array.MakeArrayOfNull(h.mem, s.schema[k].Type.ArrowType(), idx.Len())
			} else if a, err = expr.Take(ctx, h.mem, batch.Column(k), idx); err != nil {
				return err
			}
			cols[j] = a
		}
		return nil
	}
	if err := place(h.sides[input], ownBatch, oi); err != nil {
		release()
		return nil, err
	}
	if err := place(h.sides[1-input], otherBatch, xi); err != nil {
		release()
		return nil, err
	}
	b := array.NewRecordBatch(r.schema.Arrow(), cols, int64(len(outs)))
	release()
	return b, nil
}
