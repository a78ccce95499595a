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

// BenchmarkHashAggNexmarkQ16 is the aggregate of Nexmark q16 (max, counts
// and DISTINCT counts with FILTERs per channel and day) over 920 K rows
// drawn as the Nexmark generator draws bids (half of them over 4 hot
// channels, the others over 10 K; bidders and auctions mostly the current
// hot one), fed as in-memory batches of 1 K rows with a barrier every
// 16 K rows, state writes dropped: the operator without Pebble.
func BenchmarkHashAggNexmarkQ16(b *testing.B) {
	ctx := context.Background()
	mem := memory.NewGoAllocator()
	input, err := exectest.ParseSchema("channel text not null, day text not null, minute text not null, " +
		"bidder bigint not null, auction bigint not null, r1 boolean not null, r2 boolean not null, r3 boolean not null")
	if err != nil {
		b.Fatal(err)
	}
	spec, err := hashAggSpec(ops.HashAggSpec{
		ResultTable: statestore.FirstUserTable, MinMaxTable: statestore.FirstUserTable + 1, AppendOnly: true,
	}, input, "channel, day", "max(minute), count(*), count(*) filter (where r1), count(*) filter (where r2), count(*) filter (where r3), "+
		"count(distinct bidder), count(distinct bidder) filter (where r1), count(distinct bidder) filter (where r2), count(distinct bidder) filter (where r3), "+
		"count(distinct auction), count(distinct auction) filter (where r1), count(distinct auction) filter (where r2), count(distinct auction) filter (where r3)")
	if err != nil {
		b.Fatal(err)
	}
	const rows, batch, barrierEvery = 920_000, 1024, 16 * 1024
	rng := rand.New(rand.NewPCG(1, 16))
	hot := []string{"Google", "Facebook", "Baidu", "Apple"}
	var chunks []exec.Chunk
	for start := 0; start < rows; start += batch {
		rb := array.NewRecordBuilder(mem, input.Arrow())
		for i := start; i < start+batch; i++ {
			channel := hot[rng.IntN(len(hot))]
			if rng.IntN(2) == 0 {
				channel = "channel-" + strconv.Itoa(rng.IntN(10_000))
			}
			event := int64(i) * 50 / 46
			person, auction := event/50, event/50*3
			bidder := person / 4 * 4
			if rng.IntN(4) == 0 {
				bidder = person - rng.Int64N(min(1000, person+1))
			}
			if rng.IntN(2) == 0 {
				auction -= rng.Int64N(min(100, auction+1))
			} else {
				auction = auction / 2 * 2
			}
			price := rng.IntN(2_000_000)
			rb.Field(0).(*array.StringBuilder).Append(channel)
			rb.Field(1).(*array.StringBuilder).Append("2026-12-06")
			rb.Field(2).(*array.StringBuilder).Append("14:" + strconv.Itoa(10+i*50/rows))
			rb.Field(3).(*array.Int64Builder).Append(bidder)
			rb.Field(4).(*array.Int64Builder).Append(auction)
			rb.Field(5).(*array.BooleanBuilder).Append(price < 10_000)
			rb.Field(6).(*array.BooleanBuilder).Append(price >= 10_000 && price < 1_000_000)
			rb.Field(7).(*array.BooleanBuilder).Append(price >= 1_000_000)
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
	fed := 0
	for range b.N {
		agg := ops.NewHashAgg(spec, mem)
		if err := agg.Open(ctx, exec.OpenContext{}); err != nil {
			b.Fatal(err)
		}
		epoch := exec.Epoch(0)
		for i, c := range chunks {
			if err := agg.ProcessChunk(ctx, 0, c, nil); err != nil {
				b.Fatal(err)
			}
			fed += c.NumRows()
			if (i+1)%(barrierEvery/batch) == 0 || i == len(chunks)-1 {
				epoch++
				if err := agg.OnBarrier(ctx, exec.Barrier{Epoch: epoch}, benchDiscardWriter{}, &out); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	if cpu := processCPUSeconds() - cpu0; cpu > 0 {
		b.ReportMetric(float64(fed)/cpu, "rows/cpu-s")
	}
}
