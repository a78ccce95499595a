package session

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/sql/types"
)

// TextResult returns the result of a statement that lists text (SHOW,
// DESCRIBE, EXPLAIN): rows of schema, whose columns are text or boolean,
// each value a string, a bool or nil (NULL), and tag its CommandComplete
// tag.
func TextResult(mem memory.Allocator, schema types.Schema, rows [][]any, tag string) *Result {
	as := schema.Arrow()
	b := array.NewRecordBuilder(mem, as)
	defer b.Release()
	for _, row := range rows {
		for i, v := range row {
			switch v := v.(type) {
			case string:
				b.Field(i).(*array.StringBuilder).Append(v)
			case bool:
				b.Field(i).(*array.BooleanBuilder).Append(v)
			case nil:
				b.Field(i).AppendNull()
			}
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	rdr, _ := array.NewRecordReader(as, []arrow.RecordBatch{rec})
	return &Result{Columns: schema, Rows: rdr, Tag: tag}
}
