package format

import (
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/cockroachdb/datadriven"
	"github.com/weir-stream/weir/sql/types"
)

// bidSchema is the schema of a Nexmark bid.
var bidSchema = types.Schema{
	{Name: "auction", Type: types.Int64Type},
	{Name: "bidder", Type: types.Int64Type},
	{Name: "price", Type: types.Int64Type},
	{Name: "channel", Type: types.TextType, Nullable: true},
	{Name: "url", Type: types.TextType, Nullable: true},
	{Name: "date_time", Type: types.TSType},
	{Name: "extra", Type: types.TextType, Nullable: true},
}

var testSchemas = map[string]types.Schema{"all": fuzzSchema, "bid": bidSchema}

// decodeLines decodes each line with dec into a builder of schema and
// prints, per line, the error or nothing, then the decoded rows.
func decodeLines(t *testing.T, dec Decoder, schema types.Schema, lines []string) string {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := NewRowBuilder(mem, schema)
	defer b.Release()
	var out strings.Builder
	for i, line := range lines {
		if err := dec.Decode([]byte(line), b); err != nil {
			fmt.Fprintf(&out, "line %d: error: %v\n", i+1, err)
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	for r := 0; r < int(rec.NumRows()); r++ {
		for c := 0; c < int(rec.NumCols()); c++ {
			if c > 0 {
				out.WriteString(" | ")
			}
			col := rec.Column(c)
			fmt.Fprintf(&out, "%s=", schema[c].Name)
			switch {
			case col.IsNull(r):
				out.WriteString("NULL")
			case schema[c].Type.Family == types.Numeric:
				out.WriteString(col.(*array.Decimal128).Value(r).ToString(schema[c].Type.Scale))
			default:
				out.WriteString(col.ValueStr(r))
			}
		}
		out.WriteString("\n")
	}
	return out.String()
}

// TestJSON runs testdata/json: "decode schema=all|bid" decodes each input
// line with a JSONDecoder.
func TestJSON(t *testing.T) {
	datadriven.RunTest(t, "testdata/json", func(t *testing.T, d *datadriven.TestData) string {
		var name string
		d.ScanArgs(t, "schema", &name)
		schema, ok := testSchemas[name]
		if !ok {
			d.Fatalf(t, "unknown schema %q", name)
		}
		var lines []string
		if d.Input != "" {
			lines = strings.Split(d.Input, "\n")
		}
		switch d.Cmd {
		case "decode":
			return decodeLines(t, &JSONDecoder{}, schema, lines)
		case "decode-std":
			return decodeLines(t, &stdJSONDecoder{}, schema, lines)
		}
		d.Fatalf(t, "unknown command %q", d.Cmd)
		return ""
	})
}

// TestJSONAllocs checks that decoding a bid allocates nothing once the
// decoder and builder are warm.
func TestJSONAllocs(t *testing.T) {
	b := NewRowBuilder(memory.NewGoAllocator(), bidSchema)
	defer b.Release()
	d := &JSONDecoder{}
	line := []byte(bidLine)
	for range 2000 {
		if err := d.Decode(line, b); err != nil {
			t.Fatal(err)
		}
	}
	b.NewRecordBatch().Release()
	// Builders grow by doubling, so their reallocations amortize to zero.
	n := testing.AllocsPerRun(1000, func() {
		if err := d.Decode(line, b); err != nil {
			t.Fatal(err)
		}
	})
	if n > 0.1 {
		t.Errorf("Decode allocates %.2f times per record", n)
	}
}

const bidLine = `{"auction":1000,"bidder":2001,"price":4321,"channel":"Google","url":"https://www.nexmark.com/kmj/qbu/item.htm?query=1&channel_id=1140850688","date_time":"2024-06-01 12:00:00.123","extra":"kxlvovoxxaszpnmhhbbqoweowyudrhfvvmxbmqrptjhghkxcfkvyvlmqsgyeytexehhfvmvmvtgdkzu"}`

// BenchmarkJSONDecode measures Nexmark bids decoded per second on one core
// by the encoding/json baseline and by JSONDecoder. Run it with
//
//	go test -tags duckdb_arrow -run '^$' -bench JSONDecode -cpu 1 ./exec/connector/format/
func BenchmarkJSONDecode(b *testing.B) {
	for _, bc := range []struct {
		name string
		dec  func() Decoder
	}{
		{"encoding-json", func() Decoder { return &stdJSONDecoder{} }},
		{"fastjson", func() Decoder { return &JSONDecoder{} }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			mem := memory.NewGoAllocator()
			rb := NewRowBuilder(mem, bidSchema)
			defer rb.Release()
			d := bc.dec()
			line := []byte(bidLine)
			b.SetBytes(int64(len(line)))
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if err := d.Decode(line, rb); err != nil {
					b.Fatal(err)
				}
				if i%4096 == 4095 {
					rb.NewRecordBatch().Release()
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
