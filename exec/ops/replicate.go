package ops

import (
	"bytes"
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// Replicate emits each change's row as many times as its count column says
// (none when the count is NULL or below 1), without that column and with
// the copy's ordinal (1…n) as a last BIGINT column: the ALL forms of
// INTERSECT and EXCEPT in a view. It keeps no state: a delete carries the
// count its row was inserted with. An update pair whose other columns stay
// the same changes only the copies between its old and new counts; any
// other update is the delete of every old copy and the insert of every new
// one. Replicate is driven by one fragment goroutine.
type Replicate struct {
	mem    memory.Allocator
	count  int
	types  []types.T // the input's column types
	schema *arrow.Schema
}

// NewReplicate returns a Replicate of rows whose column count (BIGINT) says
// how many copies; out names the output's columns (the input's without
// count, then the ordinal).
func NewReplicate(mem memory.Allocator, in types.Schema, count int, out []string) *Replicate {
	r := &Replicate{mem: mem, count: count}
	var fields []arrow.Field
	for i, c := range in {
		r.types = append(r.types, c.Type)
		if i != count {
			fields = append(fields, arrow.Field{Name: out[len(fields)], Type: c.Type.ArrowType(), Nullable: c.Nullable})
		}
	}
	fields = append(fields, arrow.Field{Name: out[len(fields)], Type: arrow.PrimitiveTypes.Int64})
	r.schema = arrow.NewSchema(fields, nil)
	return r
}

// ProcessChunk pushes the copies of c's rows that change.
func (r *Replicate) ProcessChunk(ctx context.Context, _ int, c exec.Chunk, out exec.Output) error {
	n := c.NumRows()
	if n == 0 {
		return nil
	}
	counts, ok := c.Batch.Column(r.count).(*array.Int64)
	if !ok {
		return fmt.Errorf("replicate: count column is %s, not bigint", c.Batch.Column(r.count).DataType())
	}
	copiesOf := func(i int) int64 {
		if counts.IsNull(i) {
			return 0
		}
		return max(0, counts.Value(i))
	}
	var rows []int
	var ordinals []int64
	var outOps []exec.Op
	emit := func(row int, op exec.Op, from, to int64) {
		for k := from; k <= to; k++ {
			rows = append(rows, row)
			ordinals = append(ordinals, k)
			outOps = append(outOps, op)
		}
	}
	for i := 0; i < n; i++ {
		op := c.OpAt(i)
		if op == exec.UpdateDelete && i+1 < n && c.OpAt(i+1) == exec.UpdateInsert && r.sameBut(c.Batch, i, i+1) {
			before, after := copiesOf(i), copiesOf(i+1)
			emit(i, exec.Delete, after+1, before)
			emit(i+1, exec.Insert, before+1, after)
			i++
			continue
		}
		switch op {
		case exec.Insert, exec.UpdateInsert:
			emit(i, exec.Insert, 1, copiesOf(i))
		default:
			emit(i, exec.Delete, 1, copiesOf(i))
		}
	}
	if len(rows) == 0 {
		return nil
	}
	taken, err := expr.TakeRows(ctx, r.mem, c.Batch, rows)
	if err != nil {
		return err
	}
	defer taken.Release()
	cols := make([]arrow.Array, 0, r.schema.NumFields())
	for i, col := range taken.Columns() {
		if i != r.count {
			cols = append(cols, col)
		}
	}
	b := array.NewInt64Builder(r.mem)
	b.AppendValues(ordinals, nil)
	ord := b.NewArray()
	b.Release()
	defer ord.Release()
	cols = append(cols, ord)
	batch := array.NewRecordBatch(r.schema, cols, int64(len(rows)))
	appendOnly := true
	for _, op := range outOps {
		appendOnly = appendOnly && op == exec.Insert
	}
	if appendOnly {
		outOps = nil
	}
	return out.Push(ctx, exec.Chunk{Batch: batch, Ops: outOps})
}

// sameBut reports whether rows i and j of b agree in every column but the
// count.
func (r *Replicate) sameBut(b arrow.RecordBatch, i, j int) bool {
	for c, t := range r.types {
		if c == r.count {
			continue
		}
		if !bytes.Equal(statestore.AppendValue(nil, t, b.Column(c), i), statestore.AppendValue(nil, t, b.Column(c), j)) {
			return false
		}
	}
	return true
}
