package wire

import (
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/cockroachdb/datadriven"

	"github.com/weir-stream/weir/sql/types"
)

// parseTypeName maps the short type names of the testdata files to types.
func parseTypeName(s string) (types.T, error) {
	if elem, ok := strings.CutSuffix(s, "[]"); ok {
		et, err := parseTypeName(elem)
		return types.ArrayOf(et), err
	}
	var p, sc int32
	if n, _ := fmt.Sscanf(s, "numeric(%d,%d)", &p, &sc); n == 2 {
		return types.NumericType(p, sc), nil
	}
	m := map[string]types.T{
		"bool": types.BoolType, "int2": types.Int16Type, "int4": types.Int32Type, "int8": types.Int64Type,
		"float4": types.Float32Type, "float8": types.Float64Type, "numeric": types.DefaultNumeric,
		"text": types.TextType, "date": types.DateType, "timestamp": types.TSType, "timestamptz": types.TSTZType,
		"interval": types.IntervalT, "bytea": types.ByteaType, "jsonb": types.JSONBType,
	}
	t, ok := m[s]
	if !ok {
		return t, fmt.Errorf("unknown type %q", s)
	}
	return t, nil
}

// TestEncode runs testdata/types: "encode type=T" builds an Arrow column of
// T from the JSON array in the input and prints each value in text and
// binary format; binary values are decoded back to text as a parameter.
func TestEncode(t *testing.T) {
	datadriven.RunTest(t, "testdata/types", func(t *testing.T, d *datadriven.TestData) string {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		var name string
		d.ScanArgs(t, "type", &name)
		typ, err := parseTypeName(name)
		if err != nil {
			return "error: " + err.Error()
		}
		arr, _, err := array.FromJSON(mem, typ.ArrowType(), strings.NewReader(d.Input))
		if err != nil {
			return "error: " + err.Error()
		}
		defer arr.Release()
		text, err := newColumnEncoder(arr, typ, formatText)
		if err != nil {
			return "error: " + err.Error()
		}
		bin, err := newColumnEncoder(arr, typ, formatBinary)
		if err != nil {
			return "error: " + err.Error()
		}
		var out strings.Builder
		for i := 0; i < arr.Len(); i++ {
			if text.isNull(i) {
				out.WriteString("NULL\n")
				continue
			}
			b := bin.put(nil, i)
			back, err := binaryParamToText(nil, typ, b)
			if err != nil {
				back = []byte("error: " + err.Error())
			}
			fmt.Fprintf(&out, "%s | %s | %s\n", text.put(nil, i), hex.EncodeToString(b), back)
		}
		return out.String()
	})
}
