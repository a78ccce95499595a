package dml

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/planner/catalog"
)

// valuesGroup is how many rows of constants Values gathers before it
// concatenates their one-value arrays.
const valuesGroup = 1024

// Values gathers the values an INSERT stores into a table, column by
// column as they are evaluated: the rows of INSERT … VALUES one by one
// (AddRow), or the batches of INSERT … SELECT (AddBatch). Rows makes the
// table's rows of them. Release frees what it holds.
type Values struct {
	mem     memory.Allocator
	o       *catalog.Object
	targets []int
	// cols holds, per target, the arrays of its values so far.
	cols [][]arrow.Array
	n    int
}

// NewValues returns the Values of an INSERT into o that sets the columns
// targets, in that order.
func NewValues(mem memory.Allocator, o *catalog.Object, targets []int) *Values {
	return &Values{mem: mem, o: o, targets: targets, cols: make([][]arrow.Array, len(targets))}
}

// Len is the number of rows gathered.
func (v *Values) Len() int { return v.n }

// AddRow evaluates row, one constant expression per target of its column's
// type (Coerce), and adds it. On error it returns the index of the value
// that failed, and adds nothing.
func (v *Values) AddRow(ctx context.Context, row []expr.Expr) (int, error) {
	arrs := make([]arrow.Array, 0, len(row))
	for i, e := range row {
		arr, err := expr.EvalConstant(ctx, v.mem, e)
		if err != nil {
			for _, a := range arrs {
				a.Release()
			}
			return i, err
		}
		arrs = append(arrs, arr)
	}
	for i, a := range arrs {
		v.cols[i] = append(v.cols[i], a)
	}
	v.n++
	if v.n%valuesGroup == 0 {
		// Thousands of one-value arrays cost far more than their values:
		// fold them as they come.
		if err := v.fold(); err != nil {
			return 0, err
		}
	}
	return 0, nil
}

// AddBatch evaluates exprs, one per target of its column's type (Coerce),
// over batch and adds their values.
func (v *Values) AddBatch(ctx context.Context, exprs []expr.Expr, batch arrow.RecordBatch) error {
	arrs := make([]arrow.Array, 0, len(exprs))
	for _, e := range exprs {
		arr, err := e.Eval(ctx, v.mem, batch)
		if err != nil {
			for _, a := range arrs {
				a.Release()
			}
			return err
		}
		arrs = append(arrs, arr)
	}
	for i, a := range arrs {
		v.cols[i] = append(v.cols[i], a)
	}
	v.n += int(batch.NumRows())
	return nil
}

// fold concatenates each target's arrays into one.
func (v *Values) fold() error {
	for i, c := range v.cols {
		if len(c) < 2 {
			continue
		}
		all, err := array.Concatenate(c, v.mem)
		if err != nil {
			return err
		}
		for _, a := range c {
			a.Release()
		}
		v.cols[i] = append(c[:0], all)
	}
	return nil
}

// Rows returns the rows the INSERT stores (InsertRows of the values
// gathered), which the caller releases.
func (v *Values) Rows() (arrow.RecordBatch, error) {
	if err := v.fold(); err != nil {
		return nil, err
	}
	values := make([]arrow.Array, len(v.cols))
	for i, c := range v.cols {
		if len(c) == 1 {
			values[i] = c[0]
			continue
		}
		// No rows, or none gathered for this column.
		b := array.NewBuilder(v.mem, v.o.Columns[v.targets[i]].Type.ArrowType())
		values[i] = b.NewArray()
		b.Release()
		v.cols[i] = append(c, values[i])
	}
	return InsertRows(v.mem, v.o, v.targets, values, v.n)
}

// Release frees the values gathered.
func (v *Values) Release() {
	for _, c := range v.cols {
		for _, a := range c {
			a.Release()
		}
	}
	v.cols = nil
}
