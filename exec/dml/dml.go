// Package dml computes what an INSERT, UPDATE or DELETE changes in a table,
// and checks the table's constraints, before anything is applied: given the
// table (a catalog.Object), its current rows (a Table to read) and the
// statement's bound expressions or values, it returns the chunks of the
// changes, or Postgres' error (23505 duplicate key with its detail, 23502
// null value in a NOT NULL column, 22001 value too long for VARCHAR(n) or
// CHAR(n), 42804 a value that does not convert to its column's type).
//
//   - Values gathers an INSERT's values and makes the rows it stores
//     (InsertRows: NULL for the columns it leaves out, new hidden row ids
//     for a table without a primary key: RowID); Insert checks their keys.
//   - Delete and Update read every row of the table, select those the
//     WHERE clause matches and return deletes, or update pairs (old row,
//     new row), or, when an UPDATE moves keys, the deletes of the old rows
//     then the inserts of the new ones, checked for collisions.
//   - Coerce converts a value to the type of the column it is stored in.
//   - A transaction block's writes are kept as changed row keys over its
//     snapshot (Stage, ReaderTable); at COMMIT a TxPart per table checks
//     that no other session changed those rows and gives the chunk of the
//     block's changes.
//   - The statements are bound against their table with the planner's
//     Binder (InsertTargets, Values.AddValues and AddQuery, BindUpdate,
//     BindDelete, BindWhere) into a Change; BindParams types a prepared
//     statement's parameters.
//
// The package applies nothing and knows neither sessions nor jobs: the
// engine finds the table, checks privileges and applies the chunks
// (exec/txn: inside the table's fragment, or into a transaction block).
package dml

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/statestore"
)

// Table is the content of a table as a DML statement reads it: inside the
// table's fragment its live state (*ops.Materialize), in a transaction
// block the block's snapshot with its writes over it (ReaderTable).
type Table interface {
	// Get returns the row (AppendRow encoding of every column) under key,
	// the AppendRow encoding of the key columns.
	Get(key []byte) (row []byte, ok bool, err error)
	// Scan calls fn for every row in key order until fn returns false or
	// an error; key and row are valid only during the call.
	Scan(fn func(key, row []byte) (bool, error)) error
}

// ReaderTable returns the rows of the row table id in r (a transaction
// block's Overlay over its snapshot) as a Table.
func ReaderTable(r statestore.Reader, id statestore.TableID) Table {
	return readerTable{r: r, table: id}
}

// readerTable is a table read through a statestore.Reader.
type readerTable struct {
	r     statestore.Reader
	table statestore.TableID
}

func (t readerTable) Get(key []byte) ([]byte, bool, error) {
	return t.r.Get(statestore.AppendKey(nil, t.table, statestore.Vnode(key), key))
}

func (t readerTable) Scan(fn func(key, row []byte) (bool, error)) error {
	lo, hi := statestore.TableSpan(t.table)
	return t.r.Scan(lo, hi, func(k, v []byte) (bool, error) {
		return fn(k[statestore.KeyPrefixLen:], v)
	})
}

// rowsPerBatch is how many rows of a table Rows decodes into one batch.
const rowsPerBatch = 4096

// Rows reads the current rows of o from t, as batches of its full schema.
// The caller releases them.
func Rows(mem memory.Allocator, o *catalog.Object, t Table) ([]arrow.RecordBatch, error) {
	dec := statestore.NewRowDecoder(mem, o.FullSchema())
	defer dec.Release()
	var out []arrow.RecordBatch
	err := t.Scan(func(_, row []byte) (bool, error) {
		if err := dec.Append(row); err != nil {
			return false, err
		}
		if dec.Len() >= rowsPerBatch {
			out = append(out, dec.NewBatch())
		}
		return true, nil
	})
	if err == nil && dec.Len() > 0 {
		out = append(out, dec.NewBatch())
	}
	if err != nil {
		releaseBatches(out)
		return nil, err
	}
	return out, nil
}

// repeatOp returns n times op.
func repeatOp(op exec.Op, n int) []exec.Op {
	ops := make([]exec.Op, n)
	for i := range ops {
		ops[i] = op
	}
	return ops
}

func releaseBatches(bs []arrow.RecordBatch) {
	for _, b := range bs {
		b.Release()
	}
}

func releaseChunks(cs []exec.Chunk) {
	for _, c := range cs {
		c.Release()
	}
}
