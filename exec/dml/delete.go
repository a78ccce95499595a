package dml

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/planner/catalog"
)

// Delete returns the chunks that delete the rows of t (o's rows) that where,
// a bound boolean expression over o's full schema, selects (nil: every
// row), and how many rows they delete. On error it returns no chunks.
func Delete(ctx context.Context, mem memory.Allocator, o *catalog.Object, t Table, where expr.Expr) (chunks []exec.Chunk, n int64, err error) {
	batches, err := Rows(mem, o, t)
	if err != nil {
		return nil, 0, err
	}
	defer releaseBatches(batches)
	defer func() {
		if err != nil {
			releaseChunks(chunks)
			chunks, n = nil, 0
		}
	}()
	for _, b := range batches {
		idx, err := matchRows(ctx, mem, where, b)
		if err != nil {
			return chunks, n, err
		}
		if len(idx) == 0 {
			continue
		}
		del, err := take(ctx, mem, b, idx)
		if err != nil {
			return chunks, n, err
		}
		n += int64(len(idx))
		chunks = append(chunks, exec.Chunk{Batch: del, Ops: repeatOp(exec.Delete, len(idx))})
	}
	return chunks, n, nil
}

// matchRows evaluates where over batch and returns the indexes of the rows
// it selects (true, not NULL); a nil where selects every row.
func matchRows(ctx context.Context, mem memory.Allocator, where expr.Expr, batch arrow.RecordBatch) ([]int, error) {
	n := int(batch.NumRows())
	if where == nil {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		return idx, nil
	}
	arr, err := where.Eval(ctx, mem, batch)
	if err != nil {
		return nil, err
	}
	defer arr.Release()
	b := arr.(*array.Boolean)
	var idx []int
	for i := 0; i < n; i++ {
		if b.IsValid(i) && b.Value(i) {
			idx = append(idx, i)
		}
	}
	return idx, nil
}

// take returns the rows idx of batch.
func take(ctx context.Context, mem memory.Allocator, batch arrow.RecordBatch, idx []int) (arrow.RecordBatch, error) {
	ib := array.NewInt64Builder(mem)
	for _, i := range idx {
		ib.Append(int64(i))
	}
	ia := ib.NewArray()
	ib.Release()
	defer ia.Release()
	cols := make([]arrow.Array, batch.NumCols())
	var err error
	for c := range cols {
		if cols[c], err = expr.Take(ctx, mem, batch.Column(c), ia); err != nil {
			for _, a := range cols[:c] {
				a.Release()
			}
			return nil, err
		}
	}
	rb := array.NewRecordBatch(batch.Schema(), cols, int64(len(idx)))
	for _, a := range cols {
		a.Release()
	}
	return rb, nil
}
