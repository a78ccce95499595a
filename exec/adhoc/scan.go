//go:build duckdb_arrow

package adhoc

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/statestore"
)

// scanBatchRows is how many rows a batch of ReadRelation and ReadRows holds
// at most.
const scanBatchRows = 8192

// ReadRelation reads the rows of the table or view o from r (a committed
// snapshot) as Arrow batches of its visible columns, o.Schema(): the
// relation as a query sees it, for a Relation's Scan.
func ReadRelation(mem memory.Allocator, r statestore.Reader, o *catalog.Object) (array.RecordReader, error) {
	return readObject(mem, r, o, visibleColumns(o), o.Schema().Arrow())
}

// ReadRows reads the rows of the table or view o from r as Arrow batches of
// all its columns, hidden ones included (o.FullSchema()): what a ScanFunc
// of RunLocal returns.
func ReadRows(mem memory.Allocator, r statestore.Reader, o *catalog.Object) (array.RecordReader, error) {
	return readObject(mem, r, o, nil, o.FullSchema().Arrow())
}

// readObject reads the rows of o from r as batches of schema: the columns
// cols of the row (nil: every column).
func readObject(mem memory.Allocator, r statestore.Reader, o *catalog.Object, cols []int, schema *arrow.Schema) (array.RecordReader, error) {
	dec := statestore.NewRowDecoder(mem, o.FullSchema())
	defer dec.Release()
	var batches []arrow.RecordBatch
	flush := func() {
		full := dec.NewBatch()
		if cols == nil {
			batches = append(batches, full)
			return
		}
		batches = append(batches, project(full, cols, schema))
		full.Release()
	}
	lo, hi := statestore.TableSpan(o.RowTable())
	err := r.Scan(lo, hi, func(_, v []byte) (bool, error) {
		if err := dec.Append(v); err != nil {
			return false, err
		}
		if dec.Len() >= scanBatchRows {
			flush()
		}
		return true, nil
	})
	if err != nil {
		releaseBatches(batches)
		return nil, err
	}
	if dec.Len() > 0 {
		flush()
	}
	rdr, err := array.NewRecordReader(schema, batches)
	releaseBatches(batches)
	return rdr, err
}

// visibleColumns returns the positions of o's columns that are not hidden.
func visibleColumns(o *catalog.Object) []int {
	var idx []int
	for i, c := range o.Columns {
		if !c.Hidden {
			idx = append(idx, i)
		}
	}
	return idx
}

// project returns the columns cols of b as a batch of schema.
func project(b arrow.RecordBatch, cols []int, schema *arrow.Schema) arrow.RecordBatch {
	arrs := make([]arrow.Array, len(cols))
	for i, c := range cols {
		arrs[i] = b.Column(c)
	}
	return array.NewRecordBatch(schema, arrs, b.NumRows())
}
