package ops

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
)

// Filter keeps the rows of each chunk for which a boolean predicate is true
// (NULL counts as false), with their ops. An update pair split by the
// predicate becomes a Delete or an Insert. A chunk with no row kept emits
// nothing. Filter holds no state and is driven by one fragment goroutine.
type Filter struct {
	mem  memory.Allocator
	pred expr.Expr
}

// NewFilter returns a Filter on pred, which must be of type BOOLEAN.
func NewFilter(mem memory.Allocator, pred expr.Expr) *Filter {
	return &Filter{mem: mem, pred: pred}
}

// ProcessChunk pushes the rows of c that satisfy the predicate.
func (f *Filter) ProcessChunk(ctx context.Context, _ int, c exec.Chunk, out exec.Output) error {
	n := c.NumRows()
	if n == 0 {
		return nil
	}
	arr, err := f.pred.Eval(ctx, f.mem, c.Batch)
	if err != nil {
		return err
	}
	defer arr.Release()
	mask, ok := arr.(*array.Boolean)
	if !ok || mask.Len() != n {
		return fmt.Errorf("filter: predicate %s returned %s of %d rows for %d", f.pred, arr.DataType(), arr.Len(), n)
	}
	kept := 0
	for i := 0; i < n; i++ {
		if mask.IsValid(i) && mask.Value(i) {
			kept++
		}
	}
	switch kept {
	case 0:
		return nil
	case n:
		c.Batch.Retain()
		return out.Push(ctx, c)
	}
	var ops []exec.Op
	if c.Ops != nil {
		sel := make([]int, 0, kept)
		for i := 0; i < n; i++ {
			if mask.IsValid(i) && mask.Value(i) {
				sel = append(sel, i)
			}
		}
		ops = selectOps(c.Ops, sel)
	}
	rec, err := compute.FilterRecordBatch(compute.WithAllocator(ctx, f.mem), c.Batch, mask, compute.DefaultFilterOptions())
	if err != nil {
		return fmt.Errorf("filter: %w", err)
	}
	return out.Push(ctx, exec.Chunk{Batch: rec, Ops: ops})
}
