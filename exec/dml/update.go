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

// Update is an UPDATE of a table, bound: the new value of each column and
// the rows it changes.
type Update struct {
	o *catalog.Object
	// sets are the new values of every column of o, over its full schema:
	// the SET expression, or the column itself.
	sets  []expr.Expr
	where expr.Expr
	// movesKey is whether a SET changes a key column.
	movesKey bool
}

// NewUpdate returns the UPDATE of o that sets column i to sets[i] (bound
// over o's full schema and of the column's type: Coerce; nil leaves the
// column as it is) in the rows where (a boolean, or nil: every row)
// selects.
func NewUpdate(o *catalog.Object, sets []expr.Expr, where expr.Expr) *Update {
	all := make([]expr.Expr, len(o.Columns))
	for i, c := range o.Columns {
		if i < len(sets) && sets[i] != nil {
			all[i] = sets[i]
		} else {
			all[i] = expr.Column(i, c.Name, c.Type)
		}
	}
	u := &Update{o: o, sets: all, where: where}
	for _, k := range o.Key {
		if ref, isCol := all[k].(*expr.ColumnRef); !isCol || ref.Index() != k {
			u.movesKey = true
		}
	}
	return u
}

// Changes returns the chunks of the update over t, o's rows, and how many
// rows it updates. Every new row is computed and checked before the chunks
// are returned, so that a statement that fails (a NULL in a NOT NULL
// column, 23502; a duplicate key, 23505; division by zero) returns no
// chunks and changes nothing. When no key moves, each row becomes an update
// pair; when one does, the old rows are deleted first, then the new ones
// inserted, which must not collide with each other nor with the rows that
// stay.
func (u *Update) Changes(ctx context.Context, mem memory.Allocator, t Table) (chunks []exec.Chunk, n int64, err error) {
	batches, err := Rows(mem, u.o, t)
	if err != nil {
		return nil, 0, err
	}
	defer releaseBatches(batches)
	var olds, news []arrow.RecordBatch
	defer func() {
		releaseBatches(olds)
		releaseBatches(news)
		if err != nil {
			releaseChunks(chunks)
			chunks, n = nil, 0
		}
	}()
	for _, batch := range batches {
		idx, err := matchRows(ctx, mem, u.where, batch)
		if err != nil {
			return nil, 0, err
		}
		if len(idx) == 0 {
			continue
		}
		old, err := take(ctx, mem, batch, idx)
		if err != nil {
			return nil, 0, err
		}
		olds = append(olds, old)
		nw, err := u.newRows(ctx, mem, old)
		if err != nil {
			return nil, 0, err
		}
		news = append(news, nw)
		n += int64(len(idx))
	}
	if !u.movesKey {
		for i, old := range olds {
			chunk, err := updatePairs(ctx, mem, old, news[i])
			if err != nil {
				return chunks, n, err
			}
			chunks = append(chunks, chunk)
		}
		return chunks, n, nil
	}
	if err := checkMovedKeys(u.o, t, olds, news); err != nil {
		return nil, 0, err
	}
	for _, old := range olds {
		old.Retain()
		chunks = append(chunks, exec.Chunk{Batch: old, Ops: repeatOp(exec.Delete, int(old.NumRows()))})
	}
	for _, nw := range news {
		nw.Retain()
		chunks = append(chunks, exec.Chunk{Batch: nw})
	}
	return chunks, n, nil
}

// newRows returns the rows of old with the sets evaluated over them.
func (u *Update) newRows(ctx context.Context, mem memory.Allocator, old arrow.RecordBatch) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, 0, len(u.sets))
	defer func() {
		for _, a := range cols {
			a.Release()
		}
	}()
	for i, e := range u.sets {
		arr, err := e.Eval(ctx, mem, old)
		if err != nil {
			return nil, err
		}
		cols = append(cols, arr)
		if err := checkNotNull(u.o, i, arr); err != nil {
			return nil, err
		}
	}
	return array.NewRecordBatch(old.Schema(), cols, old.NumRows()), nil
}

// updatePairs returns the chunk replacing each row of old by the same row of
// nw: UpdateDelete(old row), UpdateInsert(new row), adjacent.
func updatePairs(ctx context.Context, mem memory.Allocator, old, nw arrow.RecordBatch) (exec.Chunk, error) {
	n := int(old.NumRows())
	ib := array.NewInt64Builder(mem)
	for r := 0; r < n; r++ {
		ib.Append(int64(r))
		ib.Append(int64(n + r))
	}
	order := ib.NewArray()
	ib.Release()
	defer order.Release()
	cols := make([]arrow.Array, 0, old.NumCols())
	defer func() {
		for _, a := range cols {
			a.Release()
		}
	}()
	for i := 0; i < int(old.NumCols()); i++ {
		both, err := array.Concatenate([]arrow.Array{old.Column(i), nw.Column(i)}, mem)
		if err != nil {
			return exec.Chunk{}, err
		}
		col, err := expr.Take(ctx, mem, both, order)
		both.Release()
		if err != nil {
			return exec.Chunk{}, err
		}
		cols = append(cols, col)
	}
	batch := array.NewRecordBatch(old.Schema(), cols, int64(2*n))
	ops := make([]exec.Op, 2*n)
	for r := 0; r < n; r++ {
		ops[2*r], ops[2*r+1] = exec.UpdateDelete, exec.UpdateInsert
	}
	return exec.Chunk{Batch: batch, Ops: ops}, nil
}
