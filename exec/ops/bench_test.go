package ops_test

import (
	"context"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/statestore"
)

// benchDiscardOutput releases every chunk pushed to it.
type benchDiscardOutput struct{ rows int }

func (o *benchDiscardOutput) Push(_ context.Context, c exec.Chunk) error {
	o.rows += c.NumRows()
	c.Release()
	return nil
}

// benchDiscardWriter drops every write: the benchmarks measure the operator,
// not a state store.
type benchDiscardWriter struct{}

func (benchDiscardWriter) Set(key, value []byte) error     { return nil }
func (benchDiscardWriter) Delete(key []byte) error         { return nil }
func (benchDiscardWriter) DeleteRange(lo, hi []byte) error { return nil }

const (
	benchBatchRows    = 8192
	benchRowsPerRun   = 10_000_000
	benchBarrierEvery = 1_000_000 // rows between barriers
)

// BenchmarkHashAgg1KKeys is SELECT k, count(*), sum(v) FROM t GROUP BY k over
// 10 M rows with 1 K distinct bigint keys, fed as in-memory Arrow batches,
// with a barrier every 1 M rows.
func BenchmarkHashAgg1KKeys(b *testing.B) { benchHashAgg(b, 1_000, "bigint") }

// BenchmarkHashAgg1MKeys is the same query with 1 M distinct keys.
func BenchmarkHashAgg1MKeys(b *testing.B) { benchHashAgg(b, 1_000_000, "bigint") }

// BenchmarkHashAgg1KTextKeys is the same query with 1 K distinct text keys
// (the generic memcomparable key path).
func BenchmarkHashAgg1KTextKeys(b *testing.B) { benchHashAgg(b, 1_000, "text") }

// BenchmarkHashAggDistinct1KKeys is SELECT k, count(*), count(DISTINCT v)
// FROM t GROUP BY k over the same rows (1 K keys, v in [0, 1000)).
func BenchmarkHashAggDistinct1KKeys(b *testing.B) {
	benchHashAggOf(b, 1_000, "bigint", "count(*), count(distinct v)")
}

func benchHashAgg(b *testing.B, keys int, keyType string) {
	benchHashAggOf(b, keys, keyType, "count(*), sum(v)")
}

func benchHashAggOf(b *testing.B, keys int, keyType, aggs string) {
	ctx := context.Background()
	mem := memory.NewGoAllocator()
	input, err := exectest.ParseSchema("k " + keyType + " not null, v bigint not null")
	if err != nil {
		b.Fatal(err)
	}
	spec, err := hashAggSpec(ops.HashAggSpec{
		ResultTable: statestore.FirstUserTable, MinMaxTable: statestore.FirstUserTable + 1, AppendOnly: true,
	}, input, "k", aggs)
	if err != nil {
		b.Fatal(err)
	}
	// 1 M distinct input rows (128 batches), cycled through to feed 10 M.
	rng := rand.New(rand.NewPCG(1, 2))
	var chunks []exec.Chunk
	for range benchBarrierEvery / benchBatchRows {
		rb := array.NewRecordBuilder(mem, input.Arrow())
		vb := rb.Field(1).(*array.Int64Builder)
		for range benchBatchRows {
			switch kb := rb.Field(0).(type) {
			case *array.Int64Builder:
				kb.Append(int64(rng.IntN(keys)))
			case *array.StringBuilder:
				kb.Append("customer-" + strconv.Itoa(rng.IntN(keys)))
			}
			vb.Append(int64(rng.IntN(1000)))
		}
		chunks = append(chunks, exec.Chunk{Batch: rb.NewRecordBatch()})
		rb.Release()
	}
	defer func() {
		for _, c := range chunks {
			c.Release()
		}
	}()
	b.ResetTimer()
	cpu0 := processCPUSeconds()
	var out benchDiscardOutput
	rows := 0
	for i := 0; i < b.N; i++ {
		agg := ops.NewHashAgg(spec, mem)
		if err := agg.Open(ctx, exec.OpenContext{}); err != nil {
			b.Fatal(err)
		}
		epoch, sinceBarrier, fed := exec.Epoch(0), 0, 0
		for fed < benchRowsPerRun {
			c := chunks[(fed/benchBatchRows)%len(chunks)]
			if err := agg.ProcessChunk(ctx, 0, c, nil); err != nil {
				b.Fatal(err)
			}
			fed += c.NumRows()
			sinceBarrier += c.NumRows()
			if sinceBarrier >= benchBarrierEvery {
				epoch++
				if err := agg.OnBarrier(ctx, exec.Barrier{Epoch: epoch}, benchDiscardWriter{}, &out); err != nil {
					b.Fatal(err)
				}
				sinceBarrier = 0
			}
		}
		rows += fed
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	if cpu := processCPUSeconds() - cpu0; cpu > 0 {
		// Throughput per CPU-second (GC included): the per-core rate even
		// when the machine is shared.
		b.ReportMetric(float64(rows)/cpu, "rows/cpu-s")
	}
}
