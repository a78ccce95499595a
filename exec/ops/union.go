package ops

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/sql/types"
)

// Union passes on the changes of all its inputs (UNION ALL). The runtime
// aligns barriers across the inputs; the planner has projected every input
// to the union's columns, with the key columns that keep the inputs' rows
// apart, so Union only gives each chunk the union's schema (the inputs'
// field names and nullability may differ). Union holds no state.
type Union struct {
	schema *arrow.Schema
}

// NewUnion returns a Union whose output has schema.
func NewUnion(schema types.Schema) *Union {
	return &Union{schema: schema.Arrow()}
}

// ProcessChunk pushes c, from any input, with the union's schema.
func (u *Union) ProcessChunk(ctx context.Context, _ int, c exec.Chunk, out exec.Output) error {
	if c.NumRows() == 0 {
		return nil
	}
	if c.Batch.Schema().Equal(u.schema) {
		c.Batch.Retain()
		return out.Push(ctx, c)
	}
	b := array.NewRecordBatch(u.schema, c.Batch.Columns(), c.Batch.NumRows())
	return out.Push(ctx, exec.Chunk{Batch: b, Ops: c.Ops})
}
