package format

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/weir-stream/weir/sql/types"
)

var fuzzSchema = types.Schema{
	{Name: "b", Type: types.BoolType, Nullable: true},
	{Name: "i", Type: types.Int64Type, Nullable: true},
	{Name: "f", Type: types.Float64Type, Nullable: true},
	{Name: "n", Type: types.NumericType(12, 3), Nullable: true},
	{Name: "s", Type: types.TextType, Nullable: true},
	{Name: "d", Type: types.DateType, Nullable: true},
	{Name: "ts", Type: types.TSTZType, Nullable: true},
	{Name: "iv", Type: types.IntervalT, Nullable: true},
	{Name: "by", Type: types.ByteaType, Nullable: true},
	{Name: "j", Type: types.JSONBType, Nullable: false},
}

// checkDecoded checks that a decode either appended exactly one row to every
// column or none.
func checkDecoded(t *testing.T, b *RowBuilder, before int, err error) {
	for i := range fuzzSchema {
		want := before + 1
		if err != nil {
			want = before
		}
		if got := b.Field(i).Len(); got != want {
			t.Fatalf("column %d has %d rows, want %d (err %v)", i, got, want, err)
		}
	}
}

func FuzzCSVLine(f *testing.F) {
	f.Add([]byte(`t,1,2.5,3.14159,"a ""b""",2024-01-01,2024-01-01 00:00:00+01,1 day 01:00:00,\x00,{}`))
	f.Add([]byte(`,,,,,,,,,"[1]"`))
	f.Add([]byte(`"unterminated`))
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(f, 0)
	b := NewRowBuilder(mem, fuzzSchema)
	defer b.Release()
	d := &CSVDecoder{}
	f.Fuzz(func(t *testing.T, line []byte) {
		before := b.Len()
		err := d.Decode(line, b)
		checkDecoded(t, b, before, err)
		if b.Len() > 1000 {
			b.NewRecordBatch().Release()
		}
	})
}

func FuzzJSONLine(f *testing.F) {
	f.Add([]byte(`{"b":true,"i":1,"f":2.5,"n":"1.2345","s":"x","d":"2024-02-29","ts":"2024-01-01T00:00:00Z","iv":"2 hours","by":"\\x00ff","j":{"a":[1]}}`))
	f.Add([]byte(`{"j":null}`))
	f.Add([]byte(`{"i":1e400,"n":-1e-400,"j":1}`))
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(f, 0)
	b := NewRowBuilder(mem, fuzzSchema)
	defer b.Release()
	d := &JSONDecoder{}
	f.Fuzz(func(t *testing.T, line []byte) {
		before := b.Len()
		err := d.Decode(line, b)
		checkDecoded(t, b, before, err)
		if b.Len() > 1000 {
			b.NewRecordBatch().Release()
		}
	})
}

func TestParseDecimal(t *testing.T) {
	for _, tc := range []struct {
		in          string
		prec, scale int32
		want        string
	}{
		{"1.005", 5, 2, "1.01"},
		{"-1.005", 5, 2, "-1.01"},
		{"1.004", 5, 2, "1"},
		{".5", 3, 0, "1"},
		{"0.000", 3, 2, "0"},
		{"1e3", 6, 2, "1000"},
		{"12.5e-1", 6, 2, "1.25"},
		{"0012", 2, 0, "12"},
		{"99.995", 4, 2, "error"},
		{"123", 4, 2, "error"},
		{"1.2.3", 4, 2, "error"},
		{"e5", 4, 2, "error"},
		{"1e", 4, 2, "error"},
		{"99999999999999999999999999999999999999", 38, 0, "99999999999999999999999999999999999999"},
		{"999999999999999999999999999999999999999", 38, 0, "error"},
	} {
		n, err := parseDecimal([]byte(tc.in), tc.prec, tc.scale)
		got := "error"
		if err == nil {
			got = n.ToString(tc.scale)
			got = trimZeros(got)
		}
		if got != tc.want {
			t.Errorf("parseDecimal(%q, %d, %d) = %s, want %s", tc.in, tc.prec, tc.scale, got, tc.want)
		}
	}
}

func trimZeros(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			for len(s) > 0 && s[len(s)-1] == '0' {
				s = s[:len(s)-1]
			}
			if s[len(s)-1] == '.' {
				s = s[:len(s)-1]
			}
			return s
		}
	}
	return s
}
