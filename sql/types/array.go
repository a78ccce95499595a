package types

import "github.com/apache/arrow-go/v18/arrow"

// ArrayOf returns the one-dimensional array type whose elements are of type
// elem (text[] for TextType). elem must not be an array or Unknown: Postgres
// arrays of arrays are multidimensional arrays, which weir does not have.
func ArrayOf(elem T) T {
	return T{Family: Array, Elem: elem.Family, Precision: elem.Precision, Scale: elem.Scale}
}

// IsArray reports whether t is an array type.
func (t T) IsArray() bool { return t.Family == Array }

// ElemType returns the element type of the array type t (UnknownType when t
// is not an array).
func (t T) ElemType() T {
	if t.Family != Array {
		return UnknownType
	}
	return T{Family: t.Elem, Precision: t.Precision, Scale: t.Scale}
}

// ValidArrayElem reports whether ArrayOf(elem) is a type weir has.
func ValidArrayElem(elem T) bool {
	return elem.Family != Unknown && elem.Family != Array && elem.Family <= JSONB
}

// arrayOIDs are the pg_type.oid of the array type of each element family
// (pg_type.typarray). An array of TEXT is _text (1009), as the results of
// Postgres' array functions are, though weir describes a TEXT column as
// varchar.
var arrayOIDs = map[Family]uint32{
	Bool:        1000,
	Bytea:       1001,
	Int16:       1005,
	Int32:       1007,
	Text:        OIDTextArray,
	Int64:       1016,
	Float32:     1021,
	Float64:     1022,
	Timestamp:   1115,
	Date:        1182,
	TimestampTZ: 1185,
	Interval:    1187,
	Numeric:     1231,
	JSONB:       3807,
}

// OIDTextArray is _text, and OIDVarcharArray _varchar, which a client may
// also declare for a text[] parameter.
const (
	OIDTextArray    uint32 = 1009
	OIDVarcharArray uint32 = 1015
)

// arrayFromOID returns the array type whose OID is oid.
func arrayFromOID(oid uint32) (T, bool) {
	if oid == OIDVarcharArray {
		return ArrayOf(TextType), true
	}
	for f, o := range arrayOIDs {
		if o == oid {
			elem := T{Family: f}
			if f == Numeric {
				elem = DefaultNumeric
			}
			return ArrayOf(elem), true
		}
	}
	return UnknownType, false
}

// arrowList returns the Arrow type an array of elem is stored as: a list
// with nullable elements.
func arrowList(elem T) arrow.DataType {
	return arrow.ListOf(elem.ArrowType())
}
