package dml

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
)

// Change is a bound INSERT, UPDATE or DELETE of a table, ready to run on
// the table's rows: an Insertion, an *Update or a Deletion.
type Change interface {
	// Changes returns the chunks of the statement's changes to t, the
	// table's rows, and the number of rows its command tag reports; on
	// error it releases what it made.
	Changes(ctx context.Context, mem memory.Allocator, t Table) ([]exec.Chunk, int64, error)
}

// Insertion is an INSERT of rows (Values.Rows) into o.
type Insertion struct {
	o    *catalog.Object
	rows arrow.RecordBatch
}

// NewInsertion returns the INSERT of rows into o; rows stay the caller's.
func NewInsertion(o *catalog.Object, rows arrow.RecordBatch) Insertion {
	return Insertion{o: o, rows: rows}
}

// Changes checks the keys of the rows against t (Insert) and returns
// their inserts.
func (ins Insertion) Changes(_ context.Context, _ memory.Allocator, t Table) ([]exec.Chunk, int64, error) {
	chunks, err := Insert(ins.o, t, ins.rows)
	return chunks, ins.rows.NumRows(), err
}

// Deletion is a DELETE from o of the rows where matches (nil: every row).
type Deletion struct {
	o     *catalog.Object
	where expr.Expr
}

// BindDelete binds a DELETE of o with b.
func BindDelete(b *planner.Binder, o *catalog.Object, st *sql.Delete) (Deletion, error) {
	where, err := BindWhere(b, o, st.Where)
	return Deletion{o: o, where: where}, err
}

// Changes returns the deletes of the rows of t the WHERE clause matches
// (Delete).
func (d Deletion) Changes(ctx context.Context, mem memory.Allocator, t Table) ([]exec.Chunk, int64, error) {
	return Delete(ctx, mem, d.o, t, d.where)
}
