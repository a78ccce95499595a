package file

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/sql/types"
)

// BenchmarkCSVDecode reads a 1 M-row CSV file of (user_id BIGINT, amount
// DOUBLE PRECISION, ts TIMESTAMP) through the source and reports rows/s.
func BenchmarkCSVDecode(b *testing.B) {
	const rows = 1 << 20
	path := filepath.Join(b.TempDir(), "orders.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "user_id,amount,ts")
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range rows {
		ts := base.Add(time.Duration(i) * time.Millisecond)
		fmt.Fprintf(w, "%d,%d.%02d,%s\n", i%10000, i%997, i%100, ts.Format("2006-01-02 15:04:05.000"))
	}
	w.Flush()
	f.Close()
	fi, _ := os.Stat(path)
	schema := types.Schema{{Name: "user_id", Type: types.Int64Type, Nullable: true},
		{Name: "amount", Type: types.Float64Type, Nullable: true}, {Name: "ts", Type: types.TSType, Nullable: true}}
	opts, err := ParseOptions(map[string]string{"path": path, "format": "csv"}, schema)
	if err != nil {
		b.Fatal(err)
	}
	opts.Key = []byte("k")
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	mem := memory.NewGoAllocator()
	b.SetBytes(fi.Size())
	start := time.Now()
	for b.Loop() {
		s, err := NewSource(opts, mem, nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Open(context.Background(), exec.OpenContext{}); err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			c, err := s.Next(context.Background())
			if errors.Is(err, exec.ErrNoData) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n += c.NumRows()
			c.Release()
		}
		if n != rows {
			b.Fatalf("read %d rows, want %d", n, rows)
		}
		s.Close()
	}
	b.ReportMetric(float64(rows)*float64(b.N)/time.Since(start).Seconds(), "rows/s")
}
