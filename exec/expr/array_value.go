package expr

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// An array value (types.Array) is a []any of its elements' values, nil for
// a NULL element; an Arrow list stores it.

// listValue returns row i (not NULL) of the list array a as a value.
func listValue(a *array.List, i int) []any {
	start, end := a.ValueOffsets(i)
	elems := a.ListValues()
	out := make([]any, 0, end-start)
	for j := start; j < end; j++ {
		out = append(out, valueAt(elems, int(j)))
	}
	return out
}

// appendList appends the array value v to the list builder b.
func appendList(b *array.ListBuilder, v []any) {
	b.Append(true)
	vb := b.ValueBuilder()
	for _, e := range v {
		appendValue(vb, e)
	}
}

// formatArray renders v (elements of type elem) as Postgres' array_out does:
// {1,2,NULL}, with an element double-quoted when it is empty, is NULL
// spelled out, or holds a brace, comma, quote, backslash or white space.
func formatArray(v []any, elem types.T) string {
	var sb strings.Builder
	sb.WriteByte('{')
	for i, e := range v {
		if i > 0 {
			sb.WriteByte(',')
		}
		if e == nil {
			sb.WriteString("NULL")
			continue
		}
		s := formatValue(e, elem)
		if elem.Family == types.Bool {
			s = s[:1] // boolout: t or f
		}
		if !arrayElemNeedsQuotes(s) {
			sb.WriteString(s)
			continue
		}
		sb.WriteByte('"')
		for j := 0; j < len(s); j++ {
			if s[j] == '"' || s[j] == '\\' {
				sb.WriteByte('\\')
			}
			sb.WriteByte(s[j])
		}
		sb.WriteByte('"')
	}
	sb.WriteByte('}')
	return sb.String()
}

func arrayElemNeedsQuotes(s string) bool {
	if s == "" || strings.EqualFold(s, "NULL") {
		return true
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '{', '}', ',', '"', '\\', ' ', '\t', '\n', '\r', '\v', '\f':
			return true
		}
	}
	return false
}

func isArraySpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// malformedArray returns 22P02 `malformed array literal: "s"` with detail.
func malformedArray(s, detail string) *sqlstate.Error {
	return sqlstate.Errorf(sqlstate.InvalidTextRepresentation, "malformed array literal: %q", s).WithDetail(detail)
}

// parseArray parses s with Postgres' array_in for a one-dimensional array of
// elem: {a,"b c",NULL}, elements parsed with elem's input rules. A nested
// (multidimensional) array is 0A000: weir's arrays have one dimension.
func parseArray(s string, elem types.T) ([]any, error) {
	i := 0
	for i < len(s) && isArraySpace(s[i]) {
		i++
	}
	if i == len(s) || s[i] != '{' {
		return nil, malformedArray(s, `Array value must start with "{" or dimension information.`)
	}
	i++
	out := []any{}
	expectElem := true // after { or a comma
	for {
		for i < len(s) && isArraySpace(s[i]) {
			i++
		}
		if i == len(s) {
			return nil, malformedArray(s, "Unexpected end of input.")
		}
		c := s[i]
		switch {
		case c == '}' && (len(out) == 0 || !expectElem):
			if len(out) == 0 && !expectElem {
				return nil, malformedArray(s, `Unexpected "}" character.`)
			}
			i++
			for i < len(s) && isArraySpace(s[i]) {
				i++
			}
			if i != len(s) {
				return nil, malformedArray(s, "Junk after closing right brace.")
			}
			return out, nil
		case c == ',' && !expectElem:
			expectElem = true
			i++
			continue
		case c == '{':
			return nil, sqlstate.Errorf(sqlstate.FeatureNotSupported, "multidimensional arrays are not supported")
		case !expectElem || c == ',' || c == '}':
			return nil, malformedArray(s, "Unexpected \""+string(c)+"\" character.")
		}
		var sb strings.Builder
		quoted, escaped := false, false
		if c == '"' {
			quoted = true
			i++
			for {
				if i == len(s) {
					return nil, malformedArray(s, "Unexpected end of input.")
				}
				if s[i] == '\\' && i+1 < len(s) {
					sb.WriteByte(s[i+1])
					i += 2
					continue
				}
				if s[i] == '"' {
					i++
					break
				}
				sb.WriteByte(s[i])
				i++
			}
		} else {
			end := -1 // length of sb without the trailing white space
			for i < len(s) && s[i] != ',' && s[i] != '}' {
				switch {
				case s[i] == '\\' && i+1 < len(s):
					escaped = true
					sb.WriteByte(s[i+1])
					i += 2
					end = sb.Len()
					continue
				case s[i] == '"' || s[i] == '{':
					return nil, malformedArray(s, "Unexpected \""+string(s[i])+"\" character.")
				case !isArraySpace(s[i]):
					end = sb.Len() + 1
				}
				sb.WriteByte(s[i])
				i++
			}
			if end >= 0 {
				str := sb.String()[:end]
				sb.Reset()
				sb.WriteString(str)
			}
		}
		text := sb.String()
		if !quoted && !escaped && strings.EqualFold(text, "NULL") {
			out = append(out, nil)
		} else {
			v, err := parseValue(text, elem)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		expectElem = false
	}
}

// compareArrays orders two arrays of elem as Postgres does: element by
// element (a NULL element after every value), then the shorter first.
func compareArrays(a, b []any, elem types.T) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		switch x, y := a[i], b[i]; {
		case x == nil && y == nil:
		case x == nil:
			return 1
		case y == nil:
			return -1
		default:
			if c := compareValues(x, y, elem); c != 0 {
				return c
			}
		}
	}
	return cmpOrdered(int64(len(a)), int64(len(b)))
}

// convertArray converts each element of the array v of type from to the
// element type of to.
func convertArray(v []any, from, to types.T) ([]any, error) {
	fe, te := from.ElemType(), to.ElemType()
	out := make([]any, len(v))
	for i, e := range v {
		if e == nil {
			continue
		}
		c, err := convertValue(e, fe, te)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// normalizeArray converts a Go slice given to Constant into an array value
// of t.
func normalizeArray(v any, t types.T) (any, error) {
	var in []any
	switch s := v.(type) {
	case []any:
		in = s
	case []string:
		for _, x := range s {
			in = append(in, x)
		}
	case []int64:
		for _, x := range s {
			in = append(in, x)
		}
	case []int32:
		for _, x := range s {
			in = append(in, int64(x))
		}
	case []int:
		for _, x := range s {
			in = append(in, x)
		}
	case []float64:
		for _, x := range s {
			in = append(in, x)
		}
	case []bool:
		for _, x := range s {
			in = append(in, x)
		}
	default:
		return nil, sqlstate.Errorf(sqlstate.DatatypeMismatch, "cannot use Go value %T as a constant of type %s", v, t)
	}
	out := make([]any, len(in))
	for i, x := range in {
		e, err := normalizeValue(x, t.ElemType())
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}

// arrayArrowType is the Arrow type of an array of elem.
func arrayArrowType(elem types.T) arrow.DataType { return types.ArrayOf(elem).ArrowType() }

// ArrayElementTexts parses s as an array of type t (array_in) and returns
// each element's text in its type's output form, nil for a NULL element:
// the ad-hoc path writes an array literal for DuckDB, which does not read
// Postgres' array text, as an ARRAY[…] of its elements.
func ArrayElementTexts(s string, t types.T) ([]*string, error) {
	if !t.IsArray() {
		return nil, sqlstate.Errorf(sqlstate.Internal, "ArrayElementTexts of type %s", t)
	}
	vs, err := parseArray(s, t.ElemType())
	if err != nil {
		return nil, err
	}
	out := make([]*string, len(vs))
	for i, v := range vs {
		if v != nil {
			text := formatValue(v, t.ElemType())
			out[i] = &text
		}
	}
	return out, nil
}

// arrayKey is the hashKey of an array: its text, which is the same for
// equal arrays (a type of its own, so that it never equals a text's key).
type arrayKey struct{ text string }
