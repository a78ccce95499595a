package datagen

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/sql/types"
)

// generate runs a source until EOF and returns every row printed.
func generate(t testing.TB, mem memory.Allocator, with map[string]string, schema types.Schema) []string {
	t.Helper()
	opts, err := ParseOptions(with, schema)
	if err != nil {
		t.Fatal(err)
	}
	opts.Key = []byte("k")
	s, err := NewSource(opts, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Open(context.Background(), exec.OpenContext{}); err != nil {
		t.Fatal(err)
	}
	var out []string
	for {
		c, err := s.Next(context.Background())
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		rec := c.Batch
		for r := 0; r < int(rec.NumRows()); r++ {
			row := ""
			for col := 0; col < int(rec.NumCols()); col++ {
				row += "|" + rec.Column(col).ValueStr(r)
			}
			out = append(out, row)
		}
		c.Release()
	}
}

var mixed = types.Schema{{Name: "a", Type: types.Int64Type}, {Name: "b", Type: types.Float64Type},
	{Name: "c", Type: types.TextType}, {Name: "d", Type: types.TSType}, {Name: "e", Type: types.NumericType(10, 3)}}

func TestSeeds(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	with := func(seed string) map[string]string {
		m := map[string]string{"datagen.rows.total": "500", "datagen.batch.rows": "64"}
		for _, c := range []string{"a", "b", "c", "d", "e"} {
			m["fields."+c+".seed"] = seed
		}
		return m
	}
	a := generate(t, mem, with("1"), mixed)
	b := generate(t, mem, with("1"), mixed)
	c := generate(t, mem, with("2"), mixed)
	if len(a) != 500 || len(b) != 500 || len(c) != 500 {
		t.Fatalf("%d, %d, %d rows", len(a), len(b), len(c))
	}
	same := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("row %d differs under the same seed: %s vs %s", i, a[i], b[i])
		}
		if a[i] == c[i] {
			same++
		}
	}
	if same > 0 {
		t.Errorf("%d rows are the same under another seed", same)
	}
}

// TestBounds checks that random values stay within their bounds and cover
// them.
func TestBounds(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	opts, err := ParseOptions(map[string]string{"datagen.rows.total": "20000",
		"fields.a.min": "-3", "fields.a.max": "3", "fields.b.min": "0.5", "fields.b.max": "0.75",
		"fields.c.length": "0", "fields.d.min": "2024-01-01 00:00:00", "fields.d.max": "2024-01-01 00:00:00.000009",
		"fields.e.min": "-0.005", "fields.e.max": "0.005"}, mixed)
	if err != nil {
		t.Fatal(err)
	}
	opts.Key = []byte("k")
	s, err := NewSource(opts, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Open(context.Background(), exec.OpenContext{}); err != nil {
		t.Fatal(err)
	}
	seenA, seenD, seenE := map[int64]bool{}, map[int64]bool{}, map[int64]bool{}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	for {
		c, err := s.Next(context.Background())
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rec := c.Batch
		for _, v := range rec.Column(0).(*array.Int64).Int64Values() {
			if v < -3 || v > 3 {
				t.Fatalf("a = %d", v)
			}
			seenA[v] = true
		}
		for _, v := range rec.Column(1).(*array.Float64).Float64Values() {
			if v < 0.5 || v > 0.75 {
				t.Fatalf("b = %v", v)
			}
		}
		if n := len(rec.Column(2).(*array.String).ValueBytes()); n != 0 {
			t.Fatalf("c has %d bytes", n)
		}
		for _, v := range rec.Column(3).(*array.Timestamp).TimestampValues() {
			seenD[int64(v)-base] = true
		}
		e := rec.Column(4).(*array.Decimal128)
		for i := 0; i < e.Len(); i++ {
			seenE[int64(e.Value(i).LowBits())] = true
		}
		c.Release()
	}
	if len(seenA) != 7 || len(seenD) != 10 || len(seenE) != 11 {
		t.Fatalf("distinct values: a %d of 7, d %d of 10, e %d of 11", len(seenA), len(seenD), len(seenE))
	}
	for v := range seenD {
		if v < 0 || v > 9 {
			t.Fatalf("d = base + %d us", v)
		}
	}
	for v := range seenE {
		if v < -5 || v > 5 {
			t.Fatalf("e = %d thousandths", v)
		}
	}
}

// BenchmarkDatagen generates 1 M rows of a sequence, a random BIGINT, a
// random DOUBLE and a random VARCHAR(10) and reports rows/s.
func BenchmarkDatagen(b *testing.B) {
	mem := memory.NewGoAllocator()
	opts, err := ParseOptions(map[string]string{"datagen.rows.total": "1000000", "fields.s.kind": "sequence"},
		types.Schema{{Name: "s", Type: types.Int64Type}, mixed[0], mixed[1], mixed[2]})
	if err != nil {
		b.Fatal(err)
	}
	opts.Key = []byte("k")
	start := time.Now()
	for b.Loop() {
		s, err := NewSource(opts, mem)
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
			c.Release()
		}
		s.Close()
	}
	b.ReportMetric(1e6*float64(b.N)/time.Since(start).Seconds(), "rows/s")
}
