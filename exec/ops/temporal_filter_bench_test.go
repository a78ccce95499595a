package ops_test

import (
	"context"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// BenchmarkTemporalFilter: `ts > now() - INTERVAL '1 minute'` over chunks
// of 1,024 rows a millisecond apart, a barrier every 16 chunks moving now()
// with them, so each barrier retracts and frees about as many rows as it
// took in, state in Pebble in memory. It reports rows/s and the state's
// keys at the end (a minute of rows and now()).
func BenchmarkTemporalFilter(b *testing.B) {
	mem := memory.NewGoAllocator()
	schema, _ := exectest.ParseSchema("id bigint, ts timestamptz")
	now, _ := expr.Func("now", nil)
	iv, _ := expr.Constant(-time.Minute, types.IntervalT)
	lower, _ := expr.Binary(sql.OpAdd, now, iv)
	f := ops.NewTemporalFilter(ops.TemporalFilterSpec{
		Schema: schema, StreamKey: []int{0}, Time: expr.Column(1, "ts", types.TSTZType), Lower: lower, Table: 7,
	}, mem)
	store, err := statestore.Open(statestore.Options{InMemory: true})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	if err := f.Open(context.Background(), exec.OpenContext{State: store}); err != nil {
		b.Fatal(err)
	}
	const rows = 1024
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	var id int64
	out := &benchDiscardOutput{}
	epoch := exec.Epoch(0)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ids := array.NewInt64Builder(mem)
		tss := array.NewTimestampBuilder(mem, types.TSTZType.ArrowType().(*arrow.TimestampType))
		for range rows {
			ids.Append(id)
			tss.Append(arrow.Timestamp(t0.Add(time.Duration(id) * time.Millisecond).UnixMicro()))
			id++
		}
		idA, tsA := ids.NewArray(), tss.NewArray()
		batch := array.NewRecordBatch(schema.Arrow(), []arrow.Array{idA, tsA}, rows)
		idA.Release()
		tsA.Release()
		ids.Release()
		tss.Release()
		if err := f.ProcessChunk(context.Background(), 0, exec.Chunk{Batch: batch}, out); err != nil {
			b.Fatal(err)
		}
		batch.Release()
		if i%16 == 15 {
			epoch++
			w := store.NewWriteBatch()
			at := t0.Add(time.Duration(id) * time.Millisecond)
			if err := f.OnBarrier(context.Background(), exec.Barrier{Epoch: epoch, Time: at}, w, out); err != nil {
				b.Fatal(err)
			}
			if err := w.Commit(); err != nil {
				b.Fatal(err)
			}
			w.Close()
		}
	}
	b.ReportMetric(float64(b.N*rows)/b.Elapsed().Seconds(), "rows/s")
	keys := 0
	lo, hi := statestore.TableSpan(7)
	if err := store.Scan(lo, hi, func(_, _ []byte) (bool, error) { keys++; return true, nil }); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(keys), "state-keys")
}
