package ops

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql/types"
)

// Project evaluates a list of expressions over every chunk, column by column,
// and emits a chunk of their results; each row keeps its op. It holds no
// state and is driven by one fragment goroutine.
type Project struct {
	mem    memory.Allocator
	exprs  []expr.Expr
	schema *arrow.Schema
}

// NewProject returns a Project computing exprs into columns named names
// (len(names) == len(exprs)).
func NewProject(mem memory.Allocator, exprs []expr.Expr, names []string) *Project {
	s := make(types.Schema, len(exprs))
	for i, e := range exprs {
		s[i] = types.Column{Name: names[i], Type: e.Type(), Nullable: true}
	}
	return &Project{mem: mem, exprs: exprs, schema: s.Arrow()}
}

// Schema returns the Arrow schema of the chunks Project emits.
func (p *Project) Schema() *arrow.Schema { return p.schema }

// ProcessChunk evaluates every expression over c and pushes the result.
func (p *Project) ProcessChunk(ctx context.Context, _ int, c exec.Chunk, out exec.Output) error {
	if c.NumRows() == 0 {
		return nil
	}
	cols := make([]arrow.Array, 0, len(p.exprs))
	defer func() {
		for _, a := range cols {
			a.Release()
		}
	}()
	for i, e := range p.exprs {
		a, err := e.Eval(ctx, p.mem, c.Batch)
		if err != nil {
			return err
		}
		cols = append(cols, a)
		if a.Len() != c.NumRows() {
			return fmt.Errorf("project: expression %d (%s) returned %d rows for %d", i, e, a.Len(), c.NumRows())
		}
	}
	rec := array.NewRecordBatch(p.schema, cols, int64(c.NumRows()))
	return out.Push(ctx, exec.Chunk{Batch: rec, Ops: c.Ops})
}
