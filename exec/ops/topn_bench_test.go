package ops_test

import (
	"context"
	"io"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/connector/nexmark"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// BenchmarkTopNDeleteAll is ORDER BY v LIMIT 10 over 100 K rows, committed
// to Pebble in memory, then one epoch that inserts 100 K rows ranked after
// them and deletes the old ones in rank order: the cache is refilled every
// few deletes, from state past the rows the epoch deleted, merged with the
// rows it inserted, which must not cost a pass over the epoch's changes
// each time.
func BenchmarkTopNDeleteAll(b *testing.B) {
	const rows = 100_000
	ctx := context.Background()
	mem := memory.NewGoAllocator()
	schema, err := exectest.ParseSchema("id bigint not null, v bigint not null")
	if err != nil {
		b.Fatal(err)
	}
	chunk := func(from int, op exec.Op) exec.Chunk {
		ids, vs := array.NewInt64Builder(mem), array.NewInt64Builder(mem)
		defer ids.Release()
		defer vs.Release()
		ops := make([]exec.Op, rows)
		for i := range rows {
			ids.Append(int64(from + i))
			vs.Append(int64(from + i))
			ops[i] = op
		}
		a, v := ids.NewArray(), vs.NewArray()
		defer a.Release()
		defer v.Release()
		return exec.Chunk{Batch: array.NewRecordBatch(schema.Arrow(), []arrow.Array{a, v}, rows), Ops: ops}
	}
	spec := ops.TopNSpec{Schema: schema, Keys: []ops.TopNKey{{Column: 1}}, StreamKey: []int{0}, Limit: 10, Table: statestore.FirstUserTable}
	b.ReportAllocs()
	for range b.N {
		b.StopTimer()
		store, err := statestore.Open(statestore.Options{InMemory: true})
		if err != nil {
			b.Fatal(err)
		}
		top := ops.NewTopN(spec, mem)
		if err := top.Open(ctx, exec.OpenContext{State: store}); err != nil {
			b.Fatal(err)
		}
		ins := chunk(0, exec.Insert)
		out := &benchDiscardOutput{}
		if err := top.ProcessChunk(ctx, 0, ins, out); err != nil {
			b.Fatal(err)
		}
		w := store.NewWriteBatch()
		if err := top.OnBarrier(ctx, exec.Barrier{Epoch: 1}, w, out); err != nil {
			b.Fatal(err)
		}
		if err := w.Commit(); err != nil {
			b.Fatal(err)
		}
		w.Close()
		more := chunk(rows, exec.Insert)
		b.StartTimer()
		if err := top.ProcessChunk(ctx, 0, more, out); err != nil {
			b.Fatal(err)
		}
		if err := top.ProcessChunk(ctx, 0, exec.Chunk{Batch: ins.Batch, Ops: deletes(rows)}, out); err != nil {
			b.Fatal(err)
		}
		if err := top.OnBarrier(ctx, exec.Barrier{Epoch: 2}, benchDiscardWriter{}, out); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		ins.Release()
		more.Release()
		store.Close()
	}
}

func deletes(n int) []exec.Op {
	out := make([]exec.Op, n)
	for i := range out {
		out[i] = exec.Delete
	}
	return out
}

// BenchmarkGroupTopNAppendOnly runs per-group top-Ns over the bids of 500 K
// Nexmark events (460 K rows in chunks of 500, a barrier every 20 K rows,
// state in Pebble in memory): q18's deduplication (the latest bid per
// bidder and auction, rank unused) and q19's top ten bids per auction.
func BenchmarkGroupTopNAppendOnly(b *testing.B) {
	const events, batchRows, barrierEvery = 500_000, 500, 20_000
	ctx := context.Background()
	mem := memory.NewGoAllocator()
	src, err := nexmark.NewSource(nexmark.Options{Table: nexmark.TableBid, TotalEvents: events, BatchRows: batchRows, Key: []byte("k")}, mem)
	if err != nil {
		b.Fatal(err)
	}
	if err := src.Open(ctx, exec.OpenContext{}); err != nil {
		b.Fatal(err)
	}
	var chunks []exec.Chunk
	for {
		c, err := src.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		chunks = append(chunks, c)
	}
	src.Close()
	defer func() {
		for _, c := range chunks {
			c.Release()
		}
	}()
	schema, err := types.SchemaFromArrow(chunks[0].Batch.Schema())
	if err != nil {
		b.Fatal(err)
	}
	col := func(name string) int {
		i := schema.Index(name)
		if i < 0 {
			b.Fatalf("no column %q in %v", name, schema)
		}
		return i
	}
	for _, c := range []struct {
		name string
		spec ops.GroupTopNSpec
	}{
		{"q18", ops.GroupTopNSpec{PartitionBy: []int{col("bidder"), col("auction")}, Keys: []ops.TopNKey{{Column: col("date_time"), Desc: true}, {Column: col("extra")}}, Hi: 1, RankUnused: true}},
		{"q19", ops.GroupTopNSpec{PartitionBy: []int{col("auction")}, Keys: []ops.TopNKey{{Column: col("price"), Desc: true}}, Hi: 10}},
	} {
		spec := c.spec
		spec.Schema, spec.StreamKey, spec.Lo, spec.AppendOnly, spec.Table = schema, []int{len(schema) - 1}, 1, true, statestore.FirstUserTable
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			rows := 0
			for range b.N {
				store, err := statestore.Open(statestore.Options{InMemory: true})
				if err != nil {
					b.Fatal(err)
				}
				top := ops.NewGroupTopN(spec, mem)
				if err := top.Open(ctx, exec.OpenContext{State: store}); err != nil {
					b.Fatal(err)
				}
				out := &benchDiscardOutput{}
				barrier := func(epoch int) {
					w := store.NewWriteBatch()
					defer w.Close()
					if err := top.OnBarrier(ctx, exec.Barrier{Epoch: exec.Epoch(epoch)}, w, out); err != nil {
						b.Fatal(err)
					}
					if err := w.Commit(); err != nil {
						b.Fatal(err)
					}
				}
				read := 0
				for _, ch := range chunks {
					if err := top.ProcessChunk(ctx, 0, ch, out); err != nil {
						b.Fatal(err)
					}
					if read += ch.NumRows(); read%barrierEvery == 0 {
						barrier(read / barrierEvery)
					}
				}
				barrier(read/barrierEvery + 1)
				rows += read
				top.Close()
				store.Close()
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
