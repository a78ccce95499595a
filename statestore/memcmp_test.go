package statestore_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/cockroachdb/datadriven"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// parseType parses the type names of testdata/memcmp.
func parseType(s string) (types.T, error) {
	var p, sc int32
	if n, _ := fmt.Sscanf(s, "numeric(%d,%d)", &p, &sc); n == 2 {
		return types.NumericType(p, sc), nil
	}
	switch s {
	case "bool":
		return types.BoolType, nil
	case "int16":
		return types.Int16Type, nil
	case "int32":
		return types.Int32Type, nil
	case "int64":
		return types.Int64Type, nil
	case "float32":
		return types.Float32Type, nil
	case "float64":
		return types.Float64Type, nil
	case "text":
		return types.TextType, nil
	case "jsonb":
		return types.JSONBType, nil
	case "bytea":
		return types.ByteaType, nil
	case "date":
		return types.DateType, nil
	case "timestamp":
		return types.TSType, nil
	case "timestamptz":
		return types.TSTZType, nil
	case "interval":
		return types.IntervalT, nil
	case "unknown":
		return types.UnknownType, nil
	}
	return types.T{}, fmt.Errorf("unknown type %q", s)
}

const tsLayout = "2006-01-02 15:04:05.999999"

// appendText appends the value written as s (NULL for null; strings and
// bytea as Go-quoted strings; interval as "months days nanos") to b.
func appendText(t types.T, b array.Builder, s string) error {
	if s == "NULL" {
		b.AppendNull()
		return nil
	}
	var err error
	switch t.Family {
	case types.Bool:
		var v bool
		if v, err = strconv.ParseBool(s); err == nil {
			b.(*array.BooleanBuilder).Append(v)
		}
	case types.Int16, types.Int32, types.Int64:
		var v int64
		if v, err = strconv.ParseInt(s, 10, 64); err == nil {
			switch b := b.(type) {
			case *array.Int16Builder:
				b.Append(int16(v))
			case *array.Int32Builder:
				b.Append(int32(v))
			case *array.Int64Builder:
				b.Append(v)
			}
		}
	case types.Float32:
		var v float64
		if v, err = strconv.ParseFloat(s, 32); err == nil {
			b.(*array.Float32Builder).Append(float32(v))
		}
	case types.Float64:
		var v float64
		if s == "-NaN" {
			b.(*array.Float64Builder).Append(math.Copysign(math.NaN(), -1))
		} else if v, err = strconv.ParseFloat(s, 64); err == nil {
			b.(*array.Float64Builder).Append(v)
		}
	case types.Numeric:
		var v decimal128.Num
		if v, err = decimal128.FromString(s, t.Precision, t.Scale); err == nil {
			b.(*array.Decimal128Builder).Append(v)
		}
	case types.Text, types.JSONB, types.Bytea:
		var v string
		if v, err = strconv.Unquote(s); err == nil {
			if sb, ok := b.(*array.StringBuilder); ok {
				sb.Append(v)
			} else {
				b.(*array.BinaryBuilder).Append([]byte(v))
			}
		}
	case types.Date:
		var v time.Time
		if v, err = time.Parse("2006-01-02", s); err == nil {
			b.(*array.Date32Builder).Append(arrow.Date32FromTime(v))
		}
	case types.Timestamp, types.TimestampTZ:
		var v time.Time
		if v, err = time.Parse(tsLayout, s); err == nil {
			b.(*array.TimestampBuilder).Append(arrow.Timestamp(v.UnixMicro()))
		}
	case types.Interval:
		var v arrow.MonthDayNanoInterval
		if _, err = fmt.Sscanf(s, "%d %d %d", &v.Months, &v.Days, &v.Nanoseconds); err == nil {
			b.(*array.MonthDayNanoIntervalBuilder).Append(v)
		}
	default:
		err = fmt.Errorf("no values of type %s", t)
	}
	if err != nil {
		return fmt.Errorf("value %q of type %s: %w", s, t, err)
	}
	return nil
}

// formatValue writes row i of arr as appendText reads it.
func formatValue(t types.T, arr arrow.Array, i int) string {
	if _, ok := arr.(*array.Null); ok || arr.IsNull(i) {
		return "NULL"
	}
	switch a := arr.(type) {
	case *array.Boolean:
		return strconv.FormatBool(a.Value(i))
	case *array.Int16:
		return strconv.Itoa(int(a.Value(i)))
	case *array.Int32:
		return strconv.Itoa(int(a.Value(i)))
	case *array.Int64:
		return strconv.FormatInt(a.Value(i), 10)
	case *array.Float32:
		return strconv.FormatFloat(float64(a.Value(i)), 'g', -1, 32)
	case *array.Float64:
		return strconv.FormatFloat(a.Value(i), 'g', -1, 64)
	case *array.Decimal128:
		return a.Value(i).ToString(t.Scale)
	case *array.String:
		return strconv.Quote(a.Value(i))
	case *array.Binary:
		return strconv.Quote(string(a.Value(i)))
	case *array.Date32:
		return a.Value(i).ToTime().Format("2006-01-02")
	case *array.Timestamp:
		return time.UnixMicro(int64(a.Value(i))).UTC().Format(tsLayout)
	case *array.MonthDayNanoInterval:
		v := a.Value(i)
		return fmt.Sprintf("%d %d %d", v.Months, v.Days, v.Nanoseconds)
	}
	return fmt.Sprintf("%v", arr)
}

// TestMemcmp runs testdata/memcmp. Command "order type=T" takes values, one
// a line, in ascending SQL order; a line "= v" says v equals the previous
// value. It prints each value's ascending encoding and fails unless the
// encodings sort in the listed order, descending encodings in the reverse
// order, and every value round trips through DecodeValue(Desc).
func TestMemcmp(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	datadriven.RunTest(t, "testdata/memcmp", func(t *testing.T, d *datadriven.TestData) string {
		var typeName string
		d.ScanArgs(t, "type", &typeName)
		typ, err := parseType(typeName)
		if err != nil {
			d.Fatalf(t, "%v", err)
		}
		switch d.Cmd {
		case "order":
			return runOrder(t, mem, typ, d.Input)
		case "decode":
			return runDecode(mem, typ, d.Input)
		}
		d.Fatalf(t, "unknown command %q", d.Cmd)
		return ""
	})
}

func runOrder(t *testing.T, mem memory.Allocator, typ types.T, input string) string {
	b := array.NewBuilder(mem, typ.ArrowType())
	defer b.Release()
	var equal []bool
	for _, line := range strings.Split(strings.TrimSpace(input), "\n") {
		eq := strings.HasPrefix(line, "= ")
		equal = append(equal, eq)
		if err := appendText(typ, b, strings.TrimPrefix(line, "= ")); err != nil {
			return fmt.Sprintf("error: %v\n", err)
		}
	}
	arr := b.NewArray()
	defer arr.Release()
	enc := statestore.NewValueEncoder(typ, arr)
	var out strings.Builder
	var prev, prevDesc []byte
	for i := 0; i < arr.Len(); i++ {
		asc := statestore.AppendValue(nil, typ, arr, i)
		if fast := enc(nil, i); !bytes.Equal(fast, asc) {
			t.Errorf("row %d: ValueEncoder wrote %x, AppendValue %x", i, fast, asc)
		}
		desc := statestore.AppendValueDesc(nil, typ, arr, i)
		if i > 0 {
			want := -1
			if equal[i] {
				want = 0
			}
			if c := bytes.Compare(prev, asc); c != want {
				t.Errorf("row %d (%s): compare with previous = %d, want %d", i, formatValue(typ, arr, i), c, want)
			}
			if c := bytes.Compare(desc, prevDesc); c != want {
				t.Errorf("row %d (%s): descending compare with previous = %d, want %d", i, formatValue(typ, arr, i), c, want)
			}
		}
		prev, prevDesc = asc, desc
		if rest, err := statestore.SkipValue(asc, typ); err != nil || len(rest) != 0 {
			t.Errorf("skipping %x: rest %x, error %v", asc, rest, err)
		}
		if rest, err := statestore.SkipValueDesc(desc, typ); err != nil || len(rest) != 0 {
			t.Errorf("skipping %x: rest %x, error %v", desc, rest, err)
		}
		got := roundTrip(t, mem, typ, asc, statestore.DecodeValue)
		gotDesc := roundTrip(t, mem, typ, desc, statestore.DecodeValueDesc)
		if gotDesc != got {
			t.Errorf("row %d: descending decodes to %s, ascending to %s", i, gotDesc, got)
		}
		fmt.Fprintf(&out, "%s → %x", formatValue(typ, arr, i), asc)
		if got != formatValue(typ, arr, i) {
			fmt.Fprintf(&out, " (decodes to %s)", got)
		}
		out.WriteString("\n")
	}
	return out.String()
}

// roundTrip decodes enc, checks the decoder consumed it all, and returns
// the decoded value formatted.
func roundTrip(t *testing.T, mem memory.Allocator, typ types.T, enc []byte,
	decode func([]byte, types.T, array.Builder) ([]byte, error)) string {
	b := array.NewBuilder(mem, typ.ArrowType())
	defer b.Release()
	rest, err := decode(enc, typ, b)
	if err != nil {
		t.Errorf("decoding %x: %v", enc, err)
		return "error"
	}
	if len(rest) != 0 {
		t.Errorf("decoding %x left %x", enc, rest)
	}
	arr := b.NewArray()
	defer arr.Release()
	return formatValue(typ, arr, 0)
}

// runDecode decodes each hex input line as one ascending value of typ and
// prints the value and the bytes left, or the error.
func runDecode(mem memory.Allocator, typ types.T, input string) string {
	var out strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(input), "\n") {
		src, err := hex.DecodeString(strings.ReplaceAll(line, " ", ""))
		if err != nil {
			return fmt.Sprintf("error: bad hex %q\n", line)
		}
		b := array.NewBuilder(mem, typ.ArrowType())
		rest, err := statestore.DecodeValue(src, typ, b)
		arr := b.NewArray()
		if err != nil {
			fmt.Fprintf(&out, "%s: error: %v (builder has %d values)\n", line, err, arr.Len())
		} else {
			fmt.Fprintf(&out, "%s: %s rest=%x\n", line, formatValue(typ, arr, 0), rest)
		}
		arr.Release()
		b.Release()
	}
	return out.String()
}

// TestDecodeInt checks that DecodeInt reads back what AppendValue wrote for
// every integer-like type, NULL included, and refuses other bytes.
func TestDecodeInt(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	for _, typ := range []types.T{types.Int16Type, types.Int32Type, types.Int64Type, types.DateType, types.TSType, types.TSTZType} {
		b := array.NewBuilder(mem, typ.ArrowType())
		vals := []int64{-32768, -1, 0, 1, 32767}
		for _, v := range vals {
			switch b := b.(type) {
			case *array.Int16Builder:
				b.Append(int16(v))
			case *array.Int32Builder:
				b.Append(int32(v))
			case *array.Int64Builder:
				b.Append(v)
			case *array.Date32Builder:
				b.Append(arrow.Date32(v))
			case *array.TimestampBuilder:
				b.Append(arrow.Timestamp(v))
			}
		}
		b.AppendNull()
		arr := b.NewArray()
		b.Release()
		for i := range arr.Len() {
			got, isNull, err := statestore.DecodeInt(statestore.AppendValue(nil, typ, arr, i), typ)
			if err != nil {
				t.Fatalf("%s row %d: %v", typ, i, err)
			}
			if isNull != arr.IsNull(i) || (!isNull && got != vals[i]) {
				t.Errorf("%s row %d: got %d null=%v", typ, i, got, isNull)
			}
		}
		arr.Release()
	}
	if _, _, err := statestore.DecodeInt([]byte{1, 1}, types.Int64Type); err == nil {
		t.Error("a short value decoded")
	}
	if _, _, err := statestore.DecodeInt([]byte{1, 'a', 0, 1}, types.TextType); err == nil {
		t.Error("a text value decoded as an integer")
	}
}
