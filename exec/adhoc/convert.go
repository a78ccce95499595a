//go:build duckdb_arrow

package adhoc

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// convertBatch returns rec with each column converted to targets[i], under
// schema. rec is borrowed; the result is the caller's. Columns already of the
// target type are shared, not copied; the others are cast with Arrow compute
// kernels allocating from mem (a safe cast: values that do not fit fail).
func convertBatch(ctx context.Context, mem memory.Allocator, rec arrow.RecordBatch, schema *arrow.Schema, targets []arrow.DataType) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, len(targets))
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	cctx := compute.WithAllocator(ctx, mem)
	for i, target := range targets {
		arr := rec.Column(i)
		if ext, ok := arr.(array.ExtensionArray); ok {
			arr = ext.Storage()
		}
		if arrow.TypeEqual(arr.DataType(), target) {
			arr.Retain()
			cols[i] = arr
			continue
		}
		opts := compute.SafeCastOptions(target)
		// Finer timestamps (DuckDB's TIMESTAMP_NS) keep microseconds, as
		// Postgres does.
		opts.AllowTimeTruncate = true
		out, err := compute.CastArray(cctx, arr, opts)
		if err != nil {
			return nil, sqlstate.Errorf(sqlstate.DatatypeMismatch,
				"column %q: cannot convert DuckDB's %s to %s: %v", schema.Field(i).Name, arr.DataType(), target, err)
		}
		cols[i] = out
	}
	out := array.NewRecordBatch(schema, cols, rec.NumRows())
	if out == nil {
		return nil, fmt.Errorf("adhoc: cannot build result batch")
	}
	return out, nil
}
