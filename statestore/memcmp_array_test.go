package statestore

import (
	"bytes"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/sql/types"
)

// TestMemcmpArrays checks that arrays encode in Postgres' order (element by
// element, a NULL element after values, a prefix first), ascending and
// descending, and decode back to the same arrays.
func TestMemcmpArrays(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	at := types.ArrayOf(types.TextType)
	// In ascending order.
	const rows = `[null, [], ["a"], ["a", "b"], ["a", null], ["a\u0000b"], ["b"], [null]]`
	arr, _, err := array.FromJSON(mem, at.ArrowType(), strings.NewReader(rows))
	if err != nil {
		t.Fatal(err)
	}
	defer arr.Release()
	for _, desc := range []bool{false, true} {
		var keys [][]byte
		enc := NewValueEncoder(at, arr)
		if desc {
			enc = NewValueEncoderDesc(at, arr)
		}
		for i := 0; i < arr.Len(); i++ {
			keys = append(keys, enc(nil, i))
			if want := AppendValue(nil, at, arr, i); !desc && !bytes.Equal(keys[i], want) {
				t.Errorf("row %d: encoder %x, AppendValue %x", i, keys[i], want)
			}
		}
		for i := 1; i < len(keys); i++ {
			c := bytes.Compare(keys[i-1], keys[i])
			if desc {
				c = -c
			}
			if c >= 0 {
				t.Errorf("desc=%v: row %d does not sort before row %d: %x, %x", desc, i-1, i, keys[i-1], keys[i])
			}
		}
		b := array.NewBuilder(mem, at.ArrowType())
		for i, k := range keys {
			decode := DecodeValue
			if desc {
				decode = DecodeValueDesc
			}
			rest, err := decode(k, at, b)
			if err != nil || len(rest) != 0 {
				t.Fatalf("row %d: decode %x: rest %x, %v", i, k, rest, err)
			}
			if _, err := decode(k[:len(k)-1], at, nil); err == nil && i > 0 {
				t.Errorf("row %d: a truncated array decodes", i)
			}
		}
		back := b.NewArray()
		b.Release()
		if !array.Equal(back, arr) {
			t.Errorf("desc=%v: decoded %v, want %v", desc, back, arr)
		}
		back.Release()
	}
}
