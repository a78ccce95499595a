package nexmark

import (
	"context"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/weir-stream/weir/exec"
)

// benchmarkTable generates 1 M events of the sequence through a source of
// table (every column) and reports events/s of the whole sequence and rows/s
// of the table.
func benchmarkTable(b *testing.B, table string) {
	const total = 1_000_000
	mem := memory.NewGoAllocator()
	var rows int64
	start := time.Now()
	for b.Loop() {
		s, err := NewSource(Options{Table: table, TotalEvents: total, Key: []byte("k")}, mem)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Open(context.Background(), exec.OpenContext{}); err != nil {
			b.Fatal(err)
		}
		for {
			c, err := s.Next(context.Background())
			if err != nil {
				break
			}
			rows += int64(c.NumRows())
			c.Release()
		}
		s.Close()
	}
	secs := time.Since(start).Seconds()
	b.ReportMetric(float64(total)*float64(b.N)/secs, "events/s")
	b.ReportMetric(float64(rows)/secs, "rows/s")
}

func BenchmarkBid(b *testing.B)     { benchmarkTable(b, TableBid) }
func BenchmarkAuction(b *testing.B) { benchmarkTable(b, TableAuction) }
func BenchmarkPerson(b *testing.B)  { benchmarkTable(b, TablePerson) }
