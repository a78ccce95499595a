package statestore_test

import (
	"bytes"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// fuzzTypes are the types FuzzDecodeValue picks from (by the first byte).
var fuzzTypes = append([]types.T{types.UnknownType}, propertyTypes...)

// FuzzDecodeValue decodes arbitrary bytes: the first byte picks the type
// (and, by its high bit, the descending encoding), the rest is decoded. It
// must never panic, and whatever decodes must re-encode to exactly the
// bytes consumed (the decoder accepts only canonical encodings).
func FuzzDecodeValue(f *testing.F) {
	mem := memory.NewGoAllocator()
	for k, typ := range fuzzTypes {
		arr := randomArray(newRand(uint64(k)), mem, typ, 4)
		for i := 0; i < arr.Len(); i++ {
			f.Add(append([]byte{byte(k)}, statestore.AppendValue(nil, typ, arr, i)...))
			f.Add(append([]byte{byte(k) | 0x80}, statestore.AppendValueDesc(nil, typ, arr, i)...))
		}
		arr.Release()
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		typ := fuzzTypes[int(data[0]&0x7F)%len(fuzzTypes)]
		desc := data[0]&0x80 != 0
		src := data[1:]
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		b := array.NewBuilder(mem, typ.ArrowType())
		defer b.Release()
		decode, skip, encode := statestore.DecodeValue, statestore.SkipValue, statestore.AppendValue
		if desc {
			decode, skip, encode = statestore.DecodeValueDesc, statestore.SkipValueDesc, statestore.AppendValueDesc
		}
		rest, err := decode(src, typ, b)
		skipped, skipErr := skip(src, typ)
		if (err == nil) != (skipErr == nil) || len(rest) != len(skipped) {
			t.Fatalf("decode (rest %x, %v) and skip (rest %x, %v) disagree", rest, err, skipped, skipErr)
		}
		if err != nil {
			if b.Len() != 0 {
				t.Fatalf("failed decode appended %d values", b.Len())
			}
			return
		}
		arr := b.NewArray()
		defer arr.Release()
		consumed := src[:len(src)-len(rest)]
		if again := encode(nil, typ, arr, 0); !bytes.Equal(again, consumed) {
			t.Fatalf("%s: decoded %x re-encodes as %x", typ, consumed, again)
		}
	})
}
