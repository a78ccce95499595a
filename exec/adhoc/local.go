//go:build duckdb_arrow

package adhoc

import (
	"context"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/dataflow"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/planner"
)

// ScanFunc returns the committed rows of the relation s reads, as batches
// with one column per column of s.Object (hidden ones included). The caller
// of RunLocal takes over the reader's reference.
type ScanFunc func(ctx context.Context, s *planner.Scan) (array.RecordReader, error)

// RunsLocally reports whether RunLocal can run the logical plan n: plans made
// of scans, filters, projections, sorts, limits, constant rows, UNION ALL
// and TUMBLE / HOP. Such
// queries run on the same operators and expression code as materialized
// views, so an expression gives the same answer (and the same error, such as
// division by zero) ad hoc as in a view; DuckDB runs everything else.
func RunsLocally(n planner.Node) bool {
	switch n.(type) {
	case *planner.Scan, *planner.Filter, *planner.Project, *planner.Sort, *planner.Limit, *planner.Values, *planner.Union,
		*planner.TimeWindow:
	default:
		return false
	}
	for _, c := range n.Children() {
		if !RunsLocally(c) {
			return false
		}
	}
	return true
}

// RunLocal evaluates n (see RunsLocally) over the relations scan returns and
// returns its visible columns (planner.Schema(n)). The result is computed
// before RunLocal returns; the caller releases the reader.
func RunLocal(ctx context.Context, mem memory.Allocator, n planner.Node, scan ScanFunc) (array.RecordReader, error) {
	// Stacked projections are merged as a view's plan merges them, so an
	// unused subquery column is not computed here either.
	n = planner.MergeProjects(n)
	batches, err := runNode(ctx, mem, n, scan)
	if err != nil {
		return nil, err
	}
	defer releaseBatches(batches)
	cols := n.Columns()
	var visible []int
	for i, c := range cols {
		if !c.Hidden {
			visible = append(visible, i)
		}
	}
	schema := planner.Schema(n).Arrow()
	out := make([]arrow.RecordBatch, 0, len(batches))
	for _, b := range batches {
		arrs := make([]arrow.Array, len(visible))
		for j, c := range visible {
			arrs[j] = b.Column(c)
		}
		out = append(out, array.NewRecordBatch(schema, arrs, b.NumRows()))
	}
	rdr, err := array.NewRecordReader(schema, out)
	releaseBatches(out)
	return rdr, err
}

// runNode returns the rows of n as batches with one column per n.Columns();
// the caller owns them.
func runNode(ctx context.Context, mem memory.Allocator, n planner.Node, scan ScanFunc) ([]arrow.RecordBatch, error) {
	switch n := n.(type) {
	case *planner.Scan:
		rdr, err := scan(ctx, n)
		if err != nil {
			return nil, err
		}
		defer rdr.Release()
		var out []arrow.RecordBatch
		for rdr.Next() {
			b := rdr.RecordBatch()
			b.Retain()
			out = append(out, b)
		}
		if err := rdr.Err(); err != nil {
			releaseBatches(out)
			return nil, err
		}
		return out, nil
	case *planner.Values:
		b, err := evalValues(ctx, mem, n)
		if err != nil {
			return nil, err
		}
		return []arrow.RecordBatch{b}, nil
	case *planner.Filter:
		return runStateless(ctx, mem, n.Input, scan, &planner.StreamFilter{Pred: n.Pred})
	case *planner.Project:
		return runStateless(ctx, mem, n.Input, scan, &planner.StreamProject{Exprs: n.Exprs, Cols: n.Cols})
	case *planner.Sort:
		in, err := runNode(ctx, mem, n.Input, scan)
		if err != nil {
			return nil, err
		}
		defer releaseBatches(in)
		b, err := sortBatches(ctx, mem, in, n.Input.Columns(), n.Keys)
		if err != nil || b == nil {
			return nil, err
		}
		return []arrow.RecordBatch{b}, nil
	case *planner.Limit:
		in, err := runNode(ctx, mem, n.Input, scan)
		if err != nil {
			return nil, err
		}
		return limitBatches(in, n.Offset, n.Count), nil
	case *planner.Union:
		return runUnion(ctx, mem, n, scan)
	case *planner.TimeWindow:
		return runTimeWindow(ctx, mem, n, scan)
	}
	return nil, fmt.Errorf("adhoc: %T cannot run locally", n)
}

// runUnion returns the rows of every input of n, one input after the
// other, as batches of the union's schema (the inputs name their columns
// each their own way).
func runUnion(ctx context.Context, mem memory.Allocator, n *planner.Union, scan ScanFunc) ([]arrow.RecordBatch, error) {
	op, err := dataflow.Stateless(&planner.StreamUnion{Cols: n.Cols}, mem)
	if err != nil {
		return nil, err
	}
	var out []arrow.RecordBatch
	for _, input := range n.Inputs {
		in, err := runOperator(ctx, mem, input, scan, op)
		if err != nil {
			releaseBatches(out)
			return nil, err
		}
		out = append(out, in...)
	}
	return out, nil
}

// runStateless runs the operator a view would run for node (exec/dataflow:
// Stateless) over every row of input.
func runStateless(ctx context.Context, mem memory.Allocator, input planner.Node, scan ScanFunc, node planner.StreamNode) ([]arrow.RecordBatch, error) {
	op, err := dataflow.Stateless(node, mem)
	if err != nil {
		return nil, err
	}
	return runOperator(ctx, mem, input, scan, op)
}

// runOperator runs op over every row of input, as inserts, and returns what
// it emits.
func runOperator(ctx context.Context, mem memory.Allocator, input planner.Node, scan ScanFunc, op exec.Operator) ([]arrow.RecordBatch, error) {
	in, err := runNode(ctx, mem, input, scan)
	if err != nil {
		return nil, err
	}
	defer releaseBatches(in)
	var out collector
	for _, b := range in {
		if err := ctx.Err(); err != nil {
			releaseBatches(out)
			return nil, err
		}
		if err := op.ProcessChunk(ctx, 0, exec.Chunk{Batch: b}, &out); err != nil {
			releaseBatches(out)
			return nil, err
		}
	}
	return out, nil
}

// collector is an exec.Output that keeps the batches pushed into it.
type collector []arrow.RecordBatch

// Push keeps c's batch; its reference is handed over.
func (c *collector) Push(_ context.Context, ch exec.Chunk) error {
	if ch.Ops != nil {
		ch.Release()
		return errors.New("adhoc: an operator emitted retractions over a snapshot")
	}
	*c = append(*c, ch.Batch)
	return nil
}

// evalValues evaluates the constant rows of n into one batch.
func evalValues(ctx context.Context, mem memory.Allocator, n *planner.Values) (arrow.RecordBatch, error) {
	schema := planner.Schema(n).Arrow()
	if len(n.Cols) == 0 {
		return array.NewRecordBatch(schema, nil, int64(len(n.Rows))), nil
	}
	cols := make([]arrow.Array, len(n.Cols))
	defer func() {
		for _, a := range cols {
			if a != nil {
				a.Release()
			}
		}
	}()
	for c := range n.Cols {
		parts := make([]arrow.Array, 0, len(n.Rows))
		for _, row := range n.Rows {
			a, err := expr.EvalConstant(ctx, mem, row[c])
			if err != nil {
				releaseBatchArrays(parts)
				return nil, err
			}
			parts = append(parts, a)
		}
		col, err := array.Concatenate(parts, mem)
		releaseBatchArrays(parts)
		if err != nil {
			return nil, err
		}
		cols[c] = col
	}
	return array.NewRecordBatch(schema, cols, int64(len(n.Rows))), nil
}

// limitBatches returns the rows [offset, offset+count) of in (count < 0: to
// the end), taking over in's references.
func limitBatches(in []arrow.RecordBatch, offset, count int64) []arrow.RecordBatch {
	var out []arrow.RecordBatch
	for _, b := range in {
		n := b.NumRows()
		lo := min(offset, n)
		offset -= lo
		hi := n
		if count >= 0 {
			hi = min(n, lo+count)
			count -= hi - lo
		}
		if hi > lo {
			out = append(out, b.NewSlice(lo, hi))
		}
		b.Release()
	}
	return out
}

func releaseBatches(bs []arrow.RecordBatch) {
	for _, b := range bs {
		b.Release()
	}
}

func releaseBatchArrays(as []arrow.Array) {
	for _, a := range as {
		a.Release()
	}
}
