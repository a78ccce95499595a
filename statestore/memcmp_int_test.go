package statestore

import (
	"bytes"
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/sql/types"
)

// TestAppendInt64: a BIGINT held as an int64 encodes as AppendValue
// encodes it in an array.
func TestAppendInt64(t *testing.T) {
	vals := []int64{math.MinInt64, -1 << 40, -1, 0, 1, 42, 1 << 40, math.MaxInt64}
	b := array.NewInt64Builder(memory.NewGoAllocator())
	defer b.Release()
	b.AppendValues(vals, nil)
	arr := b.NewArray()
	defer arr.Release()
	for i, v := range vals {
		want := AppendValue(nil, types.Int64Type, arr, i)
		if got := AppendInt64(nil, v); !bytes.Equal(got, want) {
			t.Errorf("AppendInt64(%d) = %x, want %x", v, got, want)
		}
	}
}
