//go:build duckdb_arrow

package adhoc

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/weir-stream/weir/sql/types"
)

// benchRelation builds rows rows of (k BIGINT, v DOUBLE PRECISION, s VARCHAR)
// in batches of 64 Ki rows.
func benchRelation(mem memory.Allocator, rows int) (types.Schema, []arrow.RecordBatch) {
	schema := types.Schema{{Name: "k", Type: types.Int64Type}, {Name: "v", Type: types.Float64Type}, {Name: "s", Type: types.TextType}}
	var out []arrow.RecordBatch
	b := array.NewRecordBuilder(mem, schema.Arrow())
	defer b.Release()
	for i := 0; i < rows; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		b.Field(1).(*array.Float64Builder).Append(float64(i % 1000))
		b.Field(2).(*array.StringBuilder).Append(fmt.Sprintf("user-%d", i%5000))
		if (i+1)%(64<<10) == 0 || i == rows-1 {
			out = append(out, b.NewRecordBatch())
		}
	}
	return schema, out
}

// BenchmarkScan1M runs full queries over a 1 M-row relation handed to DuckDB
// per query (the on-demand scan path), and reports rows/s.
func BenchmarkScan1M(b *testing.B) {
	const rows = 1 << 20
	mem := memory.NewGoAllocator()
	schema, batches := benchRelation(mem, rows)
	defer func() {
		for _, r := range batches {
			r.Release()
		}
	}()
	e, err := Open(context.Background(), Options{Mem: mem, Conns: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	for _, q := range []string{"SELECT * FROM %s", "SELECT count(*), sum(v) FROM %s"} {
		b.Run(q[:len(q)-8], func(b *testing.B) {
			var n int64
			start := time.Now()
			for b.Loop() {
				name := e.TempName("t")
				rel := Relation{Name: name, Schema: schema, Scan: func(ctx context.Context) (array.RecordReader, error) {
					return array.NewRecordReader(schema.Arrow(), batches)
				}}
				_, rdr, err := e.Query(context.Background(), fmt.Sprintf(q, name), []Relation{rel}, nil)
				if err != nil {
					b.Fatal(err)
				}
				for rdr.Next() {
					n += rdr.RecordBatch().NumRows()
				}
				if err := rdr.Err(); err != nil {
					b.Fatal(err)
				}
				rdr.Release()
			}
			el := time.Since(start)
			b.ReportMetric(float64(rows)*float64(b.N)/el.Seconds(), "rows/s")
			b.ReportMetric(float64(el.Milliseconds())/float64(b.N), "ms/query")
		})
	}
}
