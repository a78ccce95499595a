package kafka

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/connector/format"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/sql/types"
)

// BenchmarkJSONBids produces Nexmark-bid-shaped JSON records (about 150
// bytes) into a 4-partition kfake topic, then consumes and decodes them all
// through the source each iteration, reporting records/s.
func BenchmarkJSONBids(b *testing.B) {
	const partitions, records = 4, 100_000
	c := newCluster(b, partitions)
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	batch := make([]*kgo.Record, 0, 5000)
	var bytes int64
	for i := range records {
		v := fmt.Sprintf(`{"auction": %d, "bidder": %d, "price": %d, "channel": "channel-%d", "url": "https://www.nexmark.com/item.htm?query=%d", "date_time": "%s"}`,
			1000+i%997, 2000+i%9973, 100+i%10000, i%5, i, base.Add(time.Duration(i)*time.Millisecond).Format("2006-01-02 15:04:05.000"))
		bytes += int64(len(v))
		batch = append(batch, &kgo.Record{Topic: "t", Partition: int32(i % partitions), Value: []byte(v)})
		if len(batch) == cap(batch) || i == records-1 {
			c.produceRecords(b, batch...)
			batch = batch[:0]
		}
	}
	schema := types.Schema{
		{Name: "auction", Type: types.Int64Type, Nullable: true}, {Name: "bidder", Type: types.Int64Type, Nullable: true},
		{Name: "price", Type: types.Int64Type, Nullable: true}, {Name: "channel", Type: types.TextType, Nullable: true},
		{Name: "url", Type: types.TextType, Nullable: true}, {Name: "date_time", Type: types.TSType, Nullable: true},
	}
	o, err := ParseOptions(map[string]string{"topic": "t", "brokers": c.c.ListenAddrs()[0], "format": "json"}, schema)
	if err != nil {
		b.Fatal(err)
	}
	o.Key = []byte("bench/")
	b.SetBytes(bytes)
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		o.Decoder = &format.JSONDecoder{}
		s, err := NewSource(o, memory.NewGoAllocator(), quiet)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Open(context.Background(), exec.OpenContext{State: exectest.NewStore()}); err != nil {
			b.Fatal(err)
		}
		n := 0
		for n < records {
			ch, err := s.Next(context.Background())
			if errors.Is(err, exec.ErrNoData) {
				time.Sleep(100 * time.Microsecond)
				continue
			}
			if err != nil {
				b.Fatal(err)
			}
			n += ch.NumRows()
			ch.Release()
		}
		s.Close()
	}
	rate := float64(records) * float64(b.N) / time.Since(start).Seconds()
	b.ReportMetric(rate, "records/s")
	b.Logf("%.0f records/s (%d records of %d bytes on average)", rate, records, bytes/records)
}
