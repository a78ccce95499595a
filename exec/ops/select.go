package ops

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
)

// selectChunk returns the rows of c at the ascending positions sel as a new
// chunk (c's batch, retained, when sel is every row), with their ops as
// selectOps gives them. c is borrowed.
func selectChunk(ctx context.Context, mem memory.Allocator, c exec.Chunk, sel []int) (exec.Chunk, error) {
	batch, err := expr.SelectRows(ctx, mem, c.Batch, sel)
	if err != nil {
		return exec.Chunk{}, err
	}
	return exec.Chunk{Batch: batch, Ops: selectOps(c.Ops, sel)}, nil
}

// selectOps returns the ops of the rows at the ascending positions sel (nil
// for an append-only chunk). An update whose other half is not selected
// (filtered out, or sent to another instance) becomes a Delete or an
// Insert, so that no UpdateDelete arrives without its UpdateInsert.
func selectOps(ops []exec.Op, sel []int) []exec.Op {
	if ops == nil {
		return nil
	}
	out := make([]exec.Op, len(sel))
	for k, i := range sel {
		op := ops[i]
		switch {
		case op == exec.UpdateDelete && !(k+1 < len(sel) && sel[k+1] == i+1):
			op = exec.Delete
		case op == exec.UpdateInsert && !(k > 0 && sel[k-1] == i-1):
			op = exec.Insert
		}
		out[k] = op
	}
	return out
}
