package wire

import (
	"encoding/binary"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/sql/types"
)

// elemOID is the OID a binary array carries for its elements: the element
// type's, except that the elements of a text[] (_text) are text (25).
func elemOID(elem types.T) uint32 {
	if elem.Family == types.Text {
		return types.OIDText
	}
	return elem.OID()
}

// arrayEncoder returns the encoder of arr, a list column of the array type
// t: in text, Postgres' array_out ({1,2,NULL}, elements quoted where they
// need it); in binary, array_send (dimensions, a NULL flag, the element OID,
// then each element's length and binary form).
func arrayEncoder(arr arrow.Array, t types.T, bin bool) (func([]byte, int) []byte, error) {
	list, ok := arr.(array.ListLike)
	if !ok {
		return nil, fmt.Errorf("wire: cannot send Arrow %s as %s", arr.DataType(), t)
	}
	elems := list.ListValues()
	elem := t.ElemType()
	put, err := encoderFor(elems, elem, bin)
	if err != nil {
		return nil, err
	}
	if bin {
		oid := elemOID(elem)
		return func(buf []byte, i int) []byte {
			start, end := list.ValueOffsets(i)
			if start == end {
				buf = binary.BigEndian.AppendUint32(buf, 0) // no dimensions
				buf = binary.BigEndian.AppendUint32(buf, 0)
				return binary.BigEndian.AppendUint32(buf, oid)
			}
			hasNull := uint32(0)
			for j := start; j < end; j++ {
				if elems.IsNull(int(j)) {
					hasNull = 1
				}
			}
			buf = binary.BigEndian.AppendUint32(buf, 1)
			buf = binary.BigEndian.AppendUint32(buf, hasNull)
			buf = binary.BigEndian.AppendUint32(buf, oid)
			buf = binary.BigEndian.AppendUint32(buf, uint32(end-start))
			buf = binary.BigEndian.AppendUint32(buf, 1) // lower bound
			for j := start; j < end; j++ {
				if elems.IsNull(int(j)) {
					buf = binary.BigEndian.AppendUint32(buf, 0xFFFFFFFF)
					continue
				}
				at := len(buf)
				buf = binary.BigEndian.AppendUint32(buf, 0)
				buf = put(buf, int(j))
				binary.BigEndian.PutUint32(buf[at:], uint32(len(buf)-at-4))
			}
			return buf
		}, nil
	}
	var scratch []byte
	return func(buf []byte, i int) []byte {
		start, end := list.ValueOffsets(i)
		buf = append(buf, '{')
		for j := start; j < end; j++ {
			if j > start {
				buf = append(buf, ',')
			}
			if elems.IsNull(int(j)) {
				buf = append(buf, "NULL"...)
				continue
			}
			scratch = put(scratch[:0], int(j))
			buf = appendArrayElemText(buf, scratch)
		}
		return append(buf, '}')
	}, nil
}

// appendArrayElemText appends one element's text inside an array's text:
// double-quoted, with " and \ escaped, when it is empty, spells NULL, or
// holds a brace, comma, quote, backslash or white space.
func appendArrayElemText(buf, s []byte) []byte {
	quote := len(s) == 0 || len(s) == 4 && (s[0]|0x20) == 'n' && (s[1]|0x20) == 'u' && (s[2]|0x20) == 'l' && (s[3]|0x20) == 'l'
	for _, c := range s {
		switch c {
		case '{', '}', ',', '"', '\\', ' ', '\t', '\n', '\r', '\v', '\f':
			quote = true
		}
	}
	if !quote {
		return append(buf, s...)
	}
	buf = append(buf, '"')
	for _, c := range s {
		if c == '"' || c == '\\' {
			buf = append(buf, '\\')
		}
		buf = append(buf, c)
	}
	return append(buf, '"')
}

// binaryArrayParamToText appends the text form of src, an array of type t
// in Postgres' binary format (a client's parameter).
func binaryArrayParamToText(dst []byte, t types.T, src []byte) ([]byte, error) {
	bad := paramError("invalid binary array for " + t.String())
	u32 := func() (uint32, bool) {
		if len(src) < 4 {
			return 0, false
		}
		v := binary.BigEndian.Uint32(src)
		src = src[4:]
		return v, true
	}
	ndim, ok1 := u32()
	_, ok2 := u32() // has-null flag
	_, ok3 := u32() // element OID
	if !ok1 || !ok2 || !ok3 || ndim > 1 {
		if ndim > 1 {
			return nil, paramError("multidimensional arrays are not supported")
		}
		return nil, bad
	}
	if ndim == 0 {
		return append(dst, "{}"...), nil
	}
	n, ok1 := u32()
	_, ok2 = u32() // lower bound
	if !ok1 || !ok2 {
		return nil, bad
	}
	dst = append(dst, '{')
	var scratch []byte
	for k := uint32(0); k < n; k++ {
		if k > 0 {
			dst = append(dst, ',')
		}
		size, ok := u32()
		if !ok {
			return nil, bad
		}
		if size == 0xFFFFFFFF {
			dst = append(dst, "NULL"...)
			continue
		}
		if uint32(len(src)) < size {
			return nil, bad
		}
		var err error
		if scratch, err = binaryParamToText(scratch[:0], t.ElemType(), src[:size]); err != nil {
			return nil, err
		}
		src = src[size:]
		dst = appendArrayElemText(dst, scratch)
	}
	if len(src) != 0 {
		return nil, bad
	}
	return append(dst, '}'), nil
}
