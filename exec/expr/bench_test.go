package expr

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/types"
)

const benchRows = 1 << 20

// benchBatch returns a batch of two BIGINT columns, amount and other, of
// benchRows rows with every 16th amount NULL.
func benchBatch(mem memory.Allocator) arrow.RecordBatch {
	a := array.NewInt64Builder(mem)
	o := array.NewInt64Builder(mem)
	defer a.Release()
	defer o.Release()
	for i := range benchRows {
		if i%16 == 0 {
			a.AppendNull()
		} else {
			a.Append(int64(i%1000) - 500)
		}
		o.Append(int64(i))
	}
	schema := types.Schema{{Name: "amount", Type: types.Int64Type, Nullable: true}, {Name: "other", Type: types.Int64Type}}
	ac, oc := a.NewArray(), o.NewArray()
	defer ac.Release()
	defer oc.Release()
	return array.NewRecordBatch(schema.Arrow(), []arrow.Array{ac, oc}, benchRows)
}

func benchEval(b *testing.B, e Expr) {
	mem := memory.NewGoAllocator()
	batch := benchBatch(mem)
	defer batch.Release()
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		out, err := e.Eval(ctx, mem, batch)
		if err != nil {
			b.Fatal(err)
		}
		out.Release()
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkFilterInt64Gt evaluates amount > 0 (the predicate of a filter).
func BenchmarkFilterInt64Gt(b *testing.B) {
	zero, _ := Constant(int64(0), types.Int64Type)
	e, err := Binary(sql.OpGt, Column(0, "amount", types.Int64Type), zero)
	if err != nil {
		b.Fatal(err)
	}
	benchEval(b, e)
}

// BenchmarkAddInt64 evaluates amount + other with overflow checks.
func BenchmarkAddInt64(b *testing.B) {
	e, err := Binary(sql.OpAdd, Column(0, "amount", types.Int64Type), Column(1, "other", types.Int64Type))
	if err != nil {
		b.Fatal(err)
	}
	benchEval(b, e)
}
