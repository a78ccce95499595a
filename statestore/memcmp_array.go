package statestore

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/sql/types"
)

// Bytes of the array encoding (ascending), after the value marker: each
// element is arrayElem and the element's own encoding, or arrayNullElem for
// a NULL element, and arrayEnd ends the array. So arrays compare element by
// element, a NULL element after every value, and a prefix first, as
// Postgres orders arrays.
const (
	arrayEnd      = 0x00
	arrayElem     = 0x01
	arrayNullElem = 0x02
)

// appendArray appends the encoding of row i (not NULL) of the list array
// arr, whose elements are of type elem.
func appendArray(dst []byte, elem types.T, arr arrow.Array, i int) []byte {
	list, ok := arr.(array.ListLike)
	if !ok {
		mismatch(types.ArrayOf(elem), arr)
	}
	values := list.ListValues()
	start, end := list.ValueOffsets(i)
	for j := int(start); j < int(end); j++ {
		if values.IsNull(j) {
			dst = append(dst, arrayNullElem)
			continue
		}
		dst = AppendValue(append(dst, arrayElem), elem, values, j)
	}
	return append(dst, arrayEnd)
}

// decodeArray decodes an array (src is after the value marker) into b, a
// *array.ListBuilder, or only checks and skips it when b is nil. The bytes
// are checked before anything is appended.
func decodeArray(src []byte, t types.T, mask byte, b array.Builder, scratch *[]byte) ([]byte, error) {
	var lb *array.ListBuilder
	if b != nil {
		var ok bool
		if lb, ok = b.(*array.ListBuilder); !ok {
			return nil, fmt.Errorf("statestore: cannot decode %s into a %T", t, b)
		}
		if _, err := decodeArray(src, t, mask, nil, scratch); err != nil {
			return nil, err
		}
		lb.Append(true)
	}
	elem := t.ElemType()
	for {
		if len(src) == 0 {
			return nil, corrupt(t, "unterminated array")
		}
		c := src[0] ^ mask
		src = src[1:]
		switch c {
		case arrayEnd:
			return src, nil
		case arrayNullElem:
			if lb != nil {
				lb.ValueBuilder().AppendNull()
			}
			continue
		case arrayElem:
		default:
			return nil, corrupt(t, "bad array byte %#x", c)
		}
		if len(src) > 0 && src[0]^mask == markerNull {
			return nil, corrupt(t, "NULL element written as a value")
		}
		var vb array.Builder
		if lb != nil {
			vb = lb.ValueBuilder()
		}
		var err error
		if src, err = decodeValue(src, elem, mask, vb, scratch); err != nil {
			return nil, err
		}
	}
}

// AppendArrayElement appends one element to an array value being encoded
// piece by piece: dst starts with StartArray, enc is the element's encoding
// as AppendValue writes it (a NULL's too). EndArray ends it; DecodeValue
// then reads it as an array of the elements' type.
func AppendArrayElement(dst, enc []byte) []byte {
	if len(enc) == 1 && enc[0] == markerNull {
		return append(dst, arrayNullElem)
	}
	return append(append(dst, arrayElem), enc...)
}

// StartArray appends the start of a non-NULL array value.
func StartArray(dst []byte) []byte { return append(dst, markerValue) }

// EndArray appends the end of an array value.
func EndArray(dst []byte) []byte { return append(dst, arrayEnd) }
