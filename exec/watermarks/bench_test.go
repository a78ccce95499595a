package watermarks

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
)

// repeatSource returns the same chunk (retained) n times.
type repeatSource struct {
	c exec.Chunk
	n int
}

func (s *repeatSource) Open(context.Context, exec.OpenContext) error { return nil }
func (s *repeatSource) Next(context.Context) (exec.Chunk, error) {
	if s.n == 0 {
		return exec.Chunk{}, exec.ErrNoData
	}
	s.n--
	s.c.Batch.Retain()
	return s.c, nil
}
func (s *repeatSource) OnBarrier(context.Context, exec.Barrier, exec.StateWriter) error { return nil }
func (s *repeatSource) Close() error                                                    { return nil }

// BenchmarkSource measures what a watermark costs a source per row: chunks
// of 4096 rows of (ts timestamp, v bigint), in order, none late.
func BenchmarkSource(b *testing.B) {
	mem := memory.NewGoAllocator()
	const rows = 4096
	tb := array.NewTimestampBuilder(mem, &arrow.TimestampType{Unit: arrow.Microsecond})
	vb := array.NewInt64Builder(mem)
	for i := range rows {
		tb.Append(arrow.Timestamp(int64(i) * 1000))
		vb.Append(int64(i))
	}
	schema := arrow.NewSchema([]arrow.Field{{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond}}, {Name: "v", Type: arrow.PrimitiveTypes.Int64}}, nil)
	ta, va := tb.NewArray(), vb.NewArray()
	c := exec.Chunk{Batch: array.NewRecordBatch(schema, []arrow.Array{ta, va}, rows)}
	ta.Release()
	va.Release()
	defer c.Release()
	for _, wrapped := range []bool{false, true} {
		name := "plain"
		if wrapped {
			name = "watermarked"
		}
		b.Run(name, func(b *testing.B) {
			var n int64
			for b.Loop() {
				var src exec.Source = &repeatSource{c: c, n: 100}
				if wrapped {
					src = New(src, Spec{Stream: "s", Column: 0, Delay: 5_000_000, KeepLate: 10, Mem: mem})
				}
				for {
					out, err := src.Next(context.Background())
					if err != nil {
						break
					}
					n += int64(out.NumRows())
					out.Release()
					if ws, ok := src.(exec.WatermarkSource); ok {
						ws.TakeWatermarks()
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/row")
		})
	}
}
