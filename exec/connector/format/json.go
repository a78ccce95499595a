package format

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/valyala/fastjson"
	"github.com/weir-stream/weir/sql/types"
)

// JSONDecoder decodes JSON lines: each record is one JSON object whose
// members are columns by name (exact name first, else case-insensitive; of
// duplicate members the last wins). Missing members and JSON nulls are NULL;
// members naming no column are ignored. Strings are parsed as the column's
// type; numbers fill numeric columns exactly (no float detour for NUMERIC);
// booleans fill BOOLEAN; any value fills a JSONB column as its normalized
// jsonb text (see appendJSONB), and nested objects and arrays fill a TEXT
// column as that text too. A record must be valid JSON as a whole, including
// the members it ignores.
//
// A JSONDecoder reuses one fastjson parser and its scratch buffers, so
// decoding a record allocates nothing in the common case. The zero value is
// ready to use; a JSONDecoder is used by one goroutine.
type JSONDecoder struct {
	p      fastjson.Parser
	b      *RowBuilder
	slots  []*fastjson.Value // member chosen for each column, nil if none
	exact  []bool            // slots[i] matched the column name exactly
	out    []byte            // normalized JSON text of this record's values
	kvs    []jsonMember      // stack of object members being normalized
	visit  func(key []byte, v *fastjson.Value)
	schema types.Schema
}

var errNotObject = errors.New("record is not a JSON object")

// Decode parses one JSON record and appends it to b. On error nothing is
// appended.
func (d *JSONDecoder) Decode(line []byte, b *RowBuilder) error {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] != '{' {
		return errNotObject
	}
	if err := fastjson.ValidateBytes(line); err != nil {
		return fmt.Errorf("%w: %v", errJSON, err)
	}
	root, err := d.p.ParseBytes(line)
	if err != nil {
		return fmt.Errorf("%w: %v", errJSON, err)
	}
	obj, err := root.Object()
	if err != nil {
		return errNotObject
	}
	d.bind(b)
	clear(d.slots)
	obj.Visit(d.visit)
	d.out = d.out[:0]
	for i, c := range b.schema {
		v := &b.vals[i]
		jv := d.slots[i]
		if jv == nil || jv.Type() == fastjson.TypeNull {
			v.null = true
			continue
		}
		if err := d.parseValue(c.Type, jv, v); err != nil {
			return &FieldError{Column: c.Name, Err: err}
		}
	}
	if err := checkNotNull(b); err != nil {
		return err
	}
	b.commit()
	return nil
}

// bind prepares the decoder's per-schema state for b.
func (d *JSONDecoder) bind(b *RowBuilder) {
	if d.b == b && len(d.schema) == len(b.schema) {
		return
	}
	d.b = b
	d.schema = b.schema
	d.slots = make([]*fastjson.Value, len(b.schema))
	d.exact = make([]bool, len(b.schema))
	d.visit = d.member
}

// member records the value of one top-level member in the slot of the
// column it names: an exact name match beats a case-insensitive one, and a
// later member beats an earlier one of the same kind.
func (d *JSONDecoder) member(key []byte, v *fastjson.Value) {
	for i, c := range d.schema {
		if c.Name == string(key) {
			d.slots[i], d.exact[i] = v, true
			return
		}
	}
	for i, c := range d.schema {
		if (d.slots[i] == nil || !d.exact[i]) && strings.EqualFold(c.Name, string(key)) {
			d.slots[i], d.exact[i] = v, false
			return
		}
	}
}

// parseValue parses a JSON value (not null) as type t into v. Text it
// produces lives in d.out, whose earlier backing arrays stay untouched when
// it grows, so v.str stays valid until the record is committed.
func (d *JSONDecoder) parseValue(t types.T, jv *fastjson.Value, v *value) error {
	if t.Family == types.JSONB {
		return d.normalized(jv, v)
	}
	switch jv.Type() {
	case fastjson.TypeString:
		s, _ := jv.StringBytes()
		return parseText(t, s, v)
	case fastjson.TypeObject, fastjson.TypeArray:
		if t.Family == types.Text {
			return d.normalized(jv, v)
		}
		if t.IsArray() && jv.Type() == fastjson.TypeArray {
			return d.parseArray(t.ElemType(), jv, v)
		}
		return fmt.Errorf("a JSON object or array cannot be %s", t)
	case fastjson.TypeTrue, fastjson.TypeFalse:
		if t.Family == types.Bool || t.Family == types.Text {
			if jv.Type() == fastjson.TypeTrue {
				return parseText(t, []byte("true"), v)
			}
			return parseText(t, []byte("false"), v)
		}
		return fmt.Errorf("a JSON boolean cannot be %s", t)
	default: // a number
		if t.IsNumeric() || t.Family == types.Text {
			start := len(d.out)
			d.out = jv.MarshalTo(d.out)
			return parseText(t, d.out[start:], v)
		}
		return fmt.Errorf("a JSON number cannot be %s", t)
	}
}

// normalized sets v to the normalized jsonb text of jv.
func (d *JSONDecoder) normalized(jv *fastjson.Value, v *value) error {
	start := len(d.out)
	out, kvs, err := appendJSONB(d.out, d.kvs, jv)
	d.kvs = kvs[:0]
	if err != nil {
		return err
	}
	d.out = out
	v.null = false
	v.str = d.out[start:len(d.out):len(d.out)]
	return nil
}
