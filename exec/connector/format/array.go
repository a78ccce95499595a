package format

import (
	"errors"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/valyala/fastjson"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql/types"
)

var errNestedArray = errors.New("a JSON array inside an array cannot be decoded: weir's arrays have one dimension")

// parseArray parses the JSON array jv as an array of elem into v: each
// element as a column of elem would be, null a NULL element.
func (d *JSONDecoder) parseArray(elem types.T, jv *fastjson.Value, v *value) error {
	items, err := jv.Array()
	if err != nil {
		return err
	}
	v.null = false
	v.elems = v.elems[:0]
	for _, item := range items {
		var ev value
		switch item.Type() {
		case fastjson.TypeNull:
			ev.null = true
		case fastjson.TypeArray:
			return errNestedArray
		default:
			if err := d.parseValue(elem, item, &ev); err != nil {
				return err
			}
		}
		v.elems = append(v.elems, ev)
	}
	return nil
}

// appendArray appends v, an array of elem, to fb, a list builder.
func appendArray(fb array.Builder, elem types.T, v *value) {
	lb := fb.(*array.ListBuilder)
	lb.Append(true)
	vb := lb.ValueBuilder()
	for i := range v.elems {
		ev := &v.elems[i]
		if ev.null {
			vb.AppendNull()
		} else {
			appendScalar(vb, elem, ev)
		}
		ev.str = nil
	}
}

// parseArrayText parses s, an array of type t in Postgres' text form
// ({a,"b c",NULL}, as a CSV field or a JSON string holds it), into v.
func parseArrayText(t types.T, s []byte, v *value) error {
	if !ValidText(s) {
		return errUTF8
	}
	texts, err := expr.ArrayElementTexts(string(s), t)
	if err != nil {
		return err
	}
	v.null = false
	v.elems = v.elems[:0]
	for _, text := range texts {
		var ev value
		if text == nil {
			ev.null = true
		} else if err := parseText(t.ElemType(), []byte(*text), &ev); err != nil {
			return err
		}
		v.elems = append(v.elems, ev)
	}
	return nil
}

// appendJSONArray appends v, the text of an array of type t, as a JSON array
// of its elements (each as appendJSONText writes one, NULL as null); ok is
// false, and nothing appended, when v does not parse.
func appendJSONArray(dst []byte, t types.T, v string) ([]byte, bool) {
	texts, err := expr.ArrayElementTexts(v, t)
	if err != nil {
		return dst, false
	}
	dst = append(dst, '[')
	for i, text := range texts {
		if i > 0 {
			dst = append(dst, ',')
		}
		if text == nil {
			dst = append(dst, "null"...)
			continue
		}
		dst = appendJSONText(dst, t.ElemType(), *text)
	}
	return append(dst, ']'), true
}
