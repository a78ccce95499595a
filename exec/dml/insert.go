package dml

import (
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// RowIDColumn is the hidden key column of a table without a primary key.
const RowIDColumn = "_row_id"

// rowIDs hands out the hidden row ids of tables without a primary key. They
// start at the wall clock in nanoseconds, so ids stay unique across restarts.
var rowIDs atomic.Int64

func init() { rowIDs.Store(time.Now().UnixNano()) }

// RowID returns a new hidden row id, unique in the process and across
// restarts.
func RowID() int64 { return rowIDs.Add(1) }

// InsertRows returns the n rows an INSERT stores into o, a batch of o's full
// schema: values[i] holds the n values of column targets[i], already of its
// type (Coerce); every other column is NULL, or a new row id (RowID) for o's
// hidden row id. It fails with 23502 when a NOT NULL column gets a NULL.
// values stay the caller's; the caller releases the batch.
func InsertRows(mem memory.Allocator, o *catalog.Object, targets []int, values []arrow.Array, n int) (arrow.RecordBatch, error) {
	full := make([]arrow.Array, len(o.Columns))
	defer func() {
		for _, a := range full {
			if a != nil {
				a.Release()
			}
		}
	}()
	for i, t := range targets {
		values[i].Retain()
		full[t] = values[i]
	}
	for i, c := range o.Columns {
		if full[i] != nil {
			continue
		}
		b := array.NewBuilder(mem, c.Type.ArrowType())
		if c.Hidden && c.Name == RowIDColumn {
			ib := b.(*array.Int64Builder)
			for r := 0; r < n; r++ {
				ib.Append(RowID())
			}
		} else {
			b.AppendNulls(n)
		}
		full[i] = b.NewArray()
		b.Release()
	}
	for i, a := range full {
		if err := checkNotNull(o, i, a); err != nil {
			return nil, err
		}
	}
	return array.NewRecordBatch(o.FullSchema().Arrow(), full, int64(n)), nil
}

// checkNotNull fails with 23502 when a, the values of o's column i, holds
// a NULL and the column is NOT NULL.
func checkNotNull(o *catalog.Object, i int, a arrow.Array) error {
	if c := o.Columns[i]; c.NotNull && a.NullN() > 0 {
		return sqlstate.Errorf(sqlstate.NotNullViolation, "null value in column \"%s\" of relation \"%s\" violates not-null constraint", c.Name, o.Name)
	}
	return nil
}

// Insert returns the chunk that inserts rows, a batch of o's full schema
// (InsertRows), into t. It fails with 23505 when a row has the key of a row
// of t or of an earlier row of rows. The keys of a table without a primary
// key are new row ids (RowID), which need no check. The chunk holds a
// reference of its own to rows.
func Insert(o *catalog.Object, t Table, rows arrow.RecordBatch) ([]exec.Chunk, error) {
	if !KeyedByRowID(o) {
		if err := checkMovedKeys(o, t, nil, []arrow.RecordBatch{rows}); err != nil {
			return nil, err
		}
	}
	rows.Retain()
	return []exec.Chunk{{Batch: rows}}, nil
}

// KeyedByRowID reports whether o's key is its hidden row id, which
// InsertRows fills with new ids: every Insert into such a table carries a
// key no row of it has.
func KeyedByRowID(o *catalog.Object) bool {
	return len(o.Key) == 1 && o.Columns[o.Key[0]].Hidden && o.Columns[o.Key[0]].Name == RowIDColumn
}
