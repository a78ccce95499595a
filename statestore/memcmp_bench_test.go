package statestore_test

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

const benchRows = 4096

func benchInt64(mem memory.Allocator) arrow.Array {
	b := array.NewInt64Builder(mem)
	defer b.Release()
	for i := range benchRows {
		b.Append(int64(i) * 7919)
	}
	return b.NewArray()
}

func benchText(mem memory.Allocator) arrow.Array {
	b := array.NewStringBuilder(mem)
	defer b.Release()
	for i := range benchRows {
		b.Append(fmt.Sprintf("customer-%08d", i))
	}
	return b.NewArray()
}

// benchEncode encodes every row of arr per iteration-batch; ns/op is per value.
func benchEncode(b *testing.B, t types.T, arr arrow.Array, fast bool) {
	defer arr.Release()
	dst := make([]byte, 0, 64)
	enc := statestore.NewValueEncoder(t, arr)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		row := i % benchRows
		if fast {
			dst = enc(dst[:0], row)
		} else {
			dst = statestore.AppendValue(dst[:0], t, arr, row)
		}
	}
}

func BenchmarkAppendValueInt64(b *testing.B) {
	benchEncode(b, types.Int64Type, benchInt64(memory.DefaultAllocator), false)
}

func BenchmarkAppendValueText(b *testing.B) {
	benchEncode(b, types.TextType, benchText(memory.DefaultAllocator), false)
}

func BenchmarkValueEncoderInt64(b *testing.B) {
	benchEncode(b, types.Int64Type, benchInt64(memory.DefaultAllocator), true)
}

func BenchmarkValueEncoderText(b *testing.B) {
	benchEncode(b, types.TextType, benchText(memory.DefaultAllocator), true)
}

func BenchmarkDecodeRowInt64Text(b *testing.B) {
	mem := memory.DefaultAllocator
	ints, texts := benchInt64(mem), benchText(mem)
	schema := types.Schema{{Name: "id", Type: types.Int64Type}, {Name: "name", Type: types.TextType}}
	rec := array.NewRecordBatch(schema.Arrow(), []arrow.Array{ints, texts}, benchRows)
	ints.Release()
	texts.Release()
	defer rec.Release()
	ts := []types.T{types.Int64Type, types.TextType}
	rows := make([][]byte, benchRows)
	for i := range rows {
		rows[i] = statestore.AppendRow(nil, ts, rec, nil, i)
	}
	d := statestore.NewRowDecoder(mem, schema)
	defer d.Release()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if err := d.Append(rows[i%benchRows]); err != nil {
			b.Fatal(err)
		}
		if d.Len() == benchRows {
			d.NewBatch().Release()
		}
	}
}
