package pgcopy

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec/connector/format"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/types"
)

var testSchema = types.Schema{
	{Name: "a", Type: types.Int32Type, Nullable: true},
	{Name: "b", Type: types.TextType, Nullable: true},
}

// decodeAll decodes data, cut into pieces of step bytes, with the options
// of stmt's WITH clause, and returns the rows as "a|b" lines (NULL: ∅).
func decodeAll(t *testing.T, opts []sql.CopyOption, data string, step int) ([]string, error) {
	t.Helper()
	o, err := Options(opts, false)
	if err != nil {
		t.Fatal(err)
	}
	b := format.NewRowBuilder(memory.DefaultAllocator, testSchema)
	defer b.Release()
	d := NewDecoder(o, "t", b)
	for i := 0; i < len(data); i += step {
		if err := d.Write([]byte(data[i:min(i+step, len(data))])); err != nil {
			return nil, err
		}
	}
	if err := d.Close(); err != nil {
		return nil, err
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	var out []string
	for r := range int(rec.NumRows()) {
		var cells []string
		for c := range 2 {
			col := rec.Column(c)
			if col.IsNull(r) {
				cells = append(cells, "∅")
			} else {
				cells = append(cells, col.ValueStr(r))
			}
		}
		out = append(out, strings.Join(cells, "|"))
	}
	return out, nil
}

// TestDecoderPieces decodes the same data whole and cut into pieces of
// every size from one byte: records and escapes that span pieces decode
// the same.
func TestDecoderPieces(t *testing.T) {
	csv := []sql.CopyOption{{Name: "format", Value: "csv"}, {Name: "header"}}
	for _, tc := range []struct {
		opts []sql.CopyOption
		data string
		want []string
	}{
		{nil, "1\tx\\ty\n\\N\t\\N\n3\t\\\\\\x41\\101\\n\r\n\\.\nignored\n", []string{"1|x\ty", "∅|∅", "3|\\AA\n"}},
		{nil, "4\t", []string{"4|"}},
		{csv, "only one header field\n5,x\n", []string{"5|x"}},
		{csv, "a,b\n1,\"multi\nline, \"\"q\"\"\"\n2,\n,\"\"\n", []string{"1|multi\nline, \"q\"", "2|∅", "∅|"}},
		{[]sql.CopyOption{{Name: "format", Value: "csv"}, {Name: "quote", Value: "'"}, {Name: "escape", Value: "\\"}, {Name: "delimiter", Value: ";"}}, "1;'a\\'b;c'\n", []string{"1|a'b;c"}},
	} {
		for step := 1; step <= len(tc.data); step++ {
			got, err := decodeAll(t, tc.opts, tc.data, step)
			if err != nil || fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("%q in pieces of %d: %q, %v; want %q", tc.data, step, got, err, tc.want)
			}
		}
	}
}

// BenchmarkDecoderText decodes 1 M narrow rows of the text format in
// 64 KiB pieces, as pgx sends them:
//
//	go test -run '^$' -bench DecoderText ./exec/pgcopy/
func BenchmarkDecoderText(b *testing.B) {
	var sb strings.Builder
	const rows = 1_000_000
	for i := range rows {
		sb.WriteString(strconv.Itoa(i))
		sb.WriteString("\tname\n")
	}
	data := []byte(sb.String())
	o, _ := Options(nil, false)
	b.ResetTimer()
	for range b.N {
		rb := format.NewRowBuilder(memory.DefaultAllocator, testSchema)
		d := NewDecoder(o, "t", rb)
		for i := 0; i < len(data); i += 64 << 10 {
			if err := d.Write(data[i:min(i+64<<10, len(data))]); err != nil {
				b.Fatal(err)
			}
			if rb.Len() >= 64<<10 {
				rb.NewRecordBatch().Release()
			}
		}
		if err := d.Close(); err != nil {
			b.Fatal(err)
		}
		rb.NewRecordBatch().Release()
		rb.Release()
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}
