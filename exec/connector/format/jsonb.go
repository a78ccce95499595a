package format

import (
	"slices"
	"strings"

	"github.com/valyala/fastjson"
)

// jsonMember is one member of a JSON object being normalized.
type jsonMember struct {
	key []byte
	val *fastjson.Value
}

// jsonbParsers serves normalizeJSONB, which has no decoder to hold a parser.
var jsonbParsers fastjson.ParserPool

// normalizeJSONB returns the normalized jsonb text (see appendJSONB) of the
// JSON document s in a new slice, or errJSON if s is not valid JSON. It is
// safe for concurrent use.
func normalizeJSONB(s []byte) ([]byte, error) {
	if fastjson.ValidateBytes(s) != nil {
		return nil, errJSON
	}
	p := jsonbParsers.Get()
	defer jsonbParsers.Put(p)
	v, err := p.ParseBytes(s)
	if err != nil {
		return nil, errJSON
	}
	out, _, err := appendJSONB(nil, nil, v)
	return out, err
}

// appendJSONB appends to dst the text of v as Postgres prints a jsonb value:
// no insignificant whitespace, ", " between elements and ": " after keys,
// object keys de-duplicated (the last one wins) and ordered shorter first,
// then bytewise; strings escaped only where JSON requires it (quote,
// backslash, control characters); numbers keep their text. kvs is scratch
// space, returned for reuse. v must come from validated JSON; a string that
// is not valid UTF-8 is an error.
func appendJSONB(dst []byte, kvs []jsonMember, v *fastjson.Value) ([]byte, []jsonMember, error) {
	w := jsonbWriter{out: dst, kvs: kvs}
	err := w.value(v)
	return w.out, w.kvs, err
}

type jsonbWriter struct {
	out []byte
	kvs []jsonMember
}

func compareKeys(a, b jsonMember) int {
	if len(a.key) != len(b.key) {
		return len(a.key) - len(b.key)
	}
	return strings.Compare(string(a.key), string(b.key))
}

func (w *jsonbWriter) value(v *fastjson.Value) error {
	switch v.Type() {
	case fastjson.TypeObject:
		o, _ := v.Object()
		base := len(w.kvs)
		o.Visit(func(k []byte, e *fastjson.Value) {
			w.kvs = append(w.kvs, jsonMember{key: k, val: e})
		})
		end := len(w.kvs)
		// A stable sort keeps duplicates in document order, so the last
		// of a run of equal keys is the one that wins.
		slices.SortStableFunc(w.kvs[base:end], compareKeys)
		w.out = append(w.out, '{')
		first := true
		for i := base; i < end; i++ {
			m := w.kvs[i]
			if i+1 < end && string(w.kvs[i+1].key) == string(m.key) {
				continue
			}
			if !first {
				w.out = append(w.out, ", "...)
			}
			first = false
			if err := w.str(m.key); err != nil {
				return err
			}
			w.out = append(w.out, ": "...)
			if err := w.value(m.val); err != nil {
				return err
			}
		}
		w.out = append(w.out, '}')
		w.kvs = w.kvs[:base]
	case fastjson.TypeArray:
		a, _ := v.Array()
		w.out = append(w.out, '[')
		for i, e := range a {
			if i > 0 {
				w.out = append(w.out, ", "...)
			}
			if err := w.value(e); err != nil {
				return err
			}
		}
		w.out = append(w.out, ']')
	case fastjson.TypeString:
		s, _ := v.StringBytes()
		return w.str(s)
	default: // number, true, false, null: their text
		w.out = v.MarshalTo(w.out)
	}
	return nil
}

const hexDigits = "0123456789abcdef"

// str appends s as a JSON string.
func (w *jsonbWriter) str(s []byte) error {
	if !ValidText(s) {
		return errUTF8
	}
	w.out = append(w.out, '"')
	for _, c := range s {
		switch {
		case c == '"':
			w.out = append(w.out, '\\', '"')
		case c == '\\':
			w.out = append(w.out, '\\', '\\')
		case c >= 0x20:
			w.out = append(w.out, c)
		case c == '\b':
			w.out = append(w.out, '\\', 'b')
		case c == '\f':
			w.out = append(w.out, '\\', 'f')
		case c == '\n':
			w.out = append(w.out, '\\', 'n')
		case c == '\r':
			w.out = append(w.out, '\\', 'r')
		case c == '\t':
			w.out = append(w.out, '\\', 't')
		default:
			w.out = append(w.out, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
		}
	}
	w.out = append(w.out, '"')
	return nil
}
