// Package types is weir's SQL type model: the Postgres-compatible types a user
// declares, the Arrow type each is stored as inside the engine, and the
// Postgres type OID each is sent as on the wire. It is a leaf package: sql,
// planner, exec, statestore and wire all import it and it imports only Arrow.
package types

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// Family is the kind of a SQL type, without its modifiers.
type Family uint8

// The families weir supports. Unknown is the type of a NULL literal or an
// unbound parameter before the binder resolves it.
const (
	Unknown Family = iota
	Bool
	Int16
	Int32
	Int64
	Float32
	Float64
	Numeric
	Text
	Date
	Timestamp
	TimestampTZ
	Interval
	Bytea
	JSONB
	// Array is a one-dimensional array of an element type (T.Elem, with the
	// element's NUMERIC precision and scale in Precision and Scale).
	Array
)

// NumericMaxPrecision is the largest precision of a NUMERIC: the engine stores
// NUMERIC as a 128-bit decimal.
const NumericMaxPrecision = 38

// NumericDefaultScale is the scale of a NUMERIC declared without one
// (plain NUMERIC or DECIMAL). Postgres allows any scale there; weir fixes one
// because Arrow decimals have a fixed scale per column.
const NumericDefaultScale = 10

// T is a SQL type: a family plus, for NUMERIC, its precision and scale, and
// for an array its element's family (with the element's precision and scale).
// T is a small value type; compare with Equal or ==.
type T struct {
	Family    Family
	Precision int32  // NUMERIC, or an array of NUMERIC
	Scale     int32  // NUMERIC, or an array of NUMERIC
	Elem      Family // Array only: the element's family
}

// Convenience values for the types without modifiers.
var (
	UnknownType = T{Family: Unknown}
	BoolType    = T{Family: Bool}
	Int16Type   = T{Family: Int16}
	Int32Type   = T{Family: Int32}
	Int64Type   = T{Family: Int64}
	Float32Type = T{Family: Float32}
	Float64Type = T{Family: Float64}
	TextType    = T{Family: Text}
	DateType    = T{Family: Date}
	TSType      = T{Family: Timestamp}
	TSTZType    = T{Family: TimestampTZ}
	IntervalT   = T{Family: Interval}
	ByteaType   = T{Family: Bytea}
	JSONBType   = T{Family: JSONB}
)

// NumericType returns NUMERIC(precision, scale).
func NumericType(precision, scale int32) T {
	return T{Family: Numeric, Precision: precision, Scale: scale}
}

// DefaultNumeric is NUMERIC declared without precision and scale.
var DefaultNumeric = NumericType(NumericMaxPrecision, NumericDefaultScale)

// IsInteger reports whether t is SMALLINT, INT or BIGINT.
func (t T) IsInteger() bool { return t.Family >= Int16 && t.Family <= Int64 }

// IsFloat reports whether t is REAL or DOUBLE PRECISION.
func (t T) IsFloat() bool { return t.Family == Float32 || t.Family == Float64 }

// IsNumeric reports whether t is any number type.
func (t T) IsNumeric() bool { return t.IsInteger() || t.IsFloat() || t.Family == Numeric }

// IsString reports whether t is a character type (TEXT; JSONB is not).
func (t T) IsString() bool { return t.Family == Text }

// IsTemporal reports whether t is DATE, TIMESTAMP or TIMESTAMPTZ.
func (t T) IsTemporal() bool {
	return t.Family == Date || t.Family == Timestamp || t.Family == TimestampTZ
}

// String returns the type's name as Postgres prints it (format_type).
func (t T) String() string {
	switch t.Family {
	case Unknown:
		return "unknown"
	case Bool:
		return "boolean"
	case Int16:
		return "smallint"
	case Int32:
		return "integer"
	case Int64:
		return "bigint"
	case Float32:
		return "real"
	case Float64:
		return "double precision"
	case Numeric:
		if t == DefaultNumeric {
			return "numeric"
		}
		return fmt.Sprintf("numeric(%d,%d)", t.Precision, t.Scale)
	case Text:
		return "character varying"
	case Date:
		return "date"
	case Timestamp:
		return "timestamp without time zone"
	case TimestampTZ:
		return "timestamp with time zone"
	case Interval:
		return "interval"
	case Bytea:
		return "bytea"
	case JSONB:
		return "jsonb"
	case Array:
		return t.ElemType().String() + "[]"
	}
	return fmt.Sprintf("family(%d)", t.Family)
}

// SQL returns the type as it is written in DDL (the printer uses it).
func (t T) SQL() string {
	switch t.Family {
	case Int32:
		return "INT"
	case Float64:
		return "DOUBLE PRECISION"
	case Text:
		return "VARCHAR"
	case Timestamp:
		return "TIMESTAMP"
	case TimestampTZ:
		return "TIMESTAMPTZ"
	case Numeric:
		if t == DefaultNumeric {
			return "NUMERIC"
		}
		return fmt.Sprintf("NUMERIC(%d,%d)", t.Precision, t.Scale)
	case Array:
		return t.ElemType().SQL() + "[]"
	}
	return upper(t.String())
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

// TimestampTZLocation is the time zone weir stores TIMESTAMPTZ in. Values are
// instants; the session's time zone only changes how they print (weir prints UTC).
const TimestampTZLocation = "UTC"

// ArrowType returns the Arrow type a column of t is stored as.
// TEXT and JSONB are both arrow.BinaryTypes.String: the SQL type, not the Arrow
// type, tells them apart, so schemas carry the SQL type in field metadata
// (see FieldOf and FromField).
func (t T) ArrowType() arrow.DataType {
	switch t.Family {
	case Bool:
		return arrow.FixedWidthTypes.Boolean
	case Int16:
		return arrow.PrimitiveTypes.Int16
	case Int32:
		return arrow.PrimitiveTypes.Int32
	case Int64:
		return arrow.PrimitiveTypes.Int64
	case Float32:
		return arrow.PrimitiveTypes.Float32
	case Float64:
		return arrow.PrimitiveTypes.Float64
	case Numeric:
		return &arrow.Decimal128Type{Precision: t.Precision, Scale: t.Scale}
	case Text, JSONB:
		return arrow.BinaryTypes.String
	case Date:
		return arrow.FixedWidthTypes.Date32
	case Timestamp:
		return &arrow.TimestampType{Unit: arrow.Microsecond}
	case TimestampTZ:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: TimestampTZLocation}
	case Interval:
		return arrow.FixedWidthTypes.MonthDayNanoInterval
	case Bytea:
		return arrow.BinaryTypes.Binary
	case Array:
		return arrowList(t.ElemType())
	case Unknown:
		return arrow.Null
	}
	return arrow.Null
}

// Postgres type OIDs, as pg_type.oid. The wire package sends these in
// RowDescription and ParameterDescription.
const (
	OIDUnknown     uint32 = 705
	OIDBool        uint32 = 16
	OIDBytea       uint32 = 17
	OIDInt8        uint32 = 20
	OIDInt2        uint32 = 21
	OIDInt4        uint32 = 23
	OIDText        uint32 = 25
	OIDFloat4      uint32 = 700
	OIDFloat8      uint32 = 701
	OIDVarchar     uint32 = 1043
	OIDDate        uint32 = 1082
	OIDTimestamp   uint32 = 1114
	OIDTimestampTZ uint32 = 1184
	OIDInterval    uint32 = 1186
	OIDNumeric     uint32 = 1700
	OIDJSONB       uint32 = 3802
)

// OID returns the Postgres type OID t is described as on the wire.
func (t T) OID() uint32 {
	switch t.Family {
	case Bool:
		return OIDBool
	case Int16:
		return OIDInt2
	case Int32:
		return OIDInt4
	case Int64:
		return OIDInt8
	case Float32:
		return OIDFloat4
	case Float64:
		return OIDFloat8
	case Numeric:
		return OIDNumeric
	case Text:
		return OIDVarchar
	case Date:
		return OIDDate
	case Timestamp:
		return OIDTimestamp
	case TimestampTZ:
		return OIDTimestampTZ
	case Interval:
		return OIDInterval
	case Bytea:
		return OIDBytea
	case JSONB:
		return OIDJSONB
	case Array:
		return arrayOIDs[t.Elem]
	}
	return OIDUnknown
}

// FromOID returns the type a Postgres OID names, for parameter types a client
// declares in Parse. ok is false for OIDs weir does not support.
func FromOID(oid uint32) (t T, ok bool) {
	switch oid {
	case OIDBool:
		return BoolType, true
	case OIDInt2:
		return Int16Type, true
	case OIDInt4:
		return Int32Type, true
	case OIDInt8:
		return Int64Type, true
	case OIDFloat4:
		return Float32Type, true
	case OIDFloat8:
		return Float64Type, true
	case OIDNumeric:
		return DefaultNumeric, true
	case OIDText, OIDVarchar, 1042 /* bpchar */, 19 /* name */ :
		return TextType, true
	case OIDDate:
		return DateType, true
	case OIDTimestamp:
		return TSType, true
	case OIDTimestampTZ:
		return TSTZType, true
	case OIDInterval:
		return IntervalT, true
	case OIDBytea:
		return ByteaType, true
	case OIDJSONB, 114 /* json */ :
		return JSONBType, true
	case 0, OIDUnknown:
		return UnknownType, true
	}
	return arrayFromOID(oid)
}

// Size returns the pg_type.typlen of t: the fixed width in bytes, or -1 for
// variable-length types. RowDescription carries it.
func (t T) Size() int16 {
	switch t.Family {
	case Bool:
		return 1
	case Int16:
		return 2
	case Int32, Float32, Date:
		return 4
	case Int64, Float64, Timestamp, TimestampTZ:
		return 8
	case Interval:
		return 16
	}
	return -1
}

// Modifier returns the pg_attribute.atttypmod of t (-1 when it has none).
func (t T) Modifier() int32 {
	if t.Family == Array {
		return t.ElemType().Modifier()
	}
	if t.Family == Numeric && t != DefaultNumeric {
		return ((t.Precision << 16) | t.Scale) + 4
	}
	return -1
}

// sqlTypeKey is the Arrow field metadata key that records a column's SQL type.
const sqlTypeKey = "weir.sql_type"

// FieldOf returns the Arrow field for a column named name of type t. The SQL
// type travels in the field's metadata so that FromField can recover it.
func FieldOf(name string, t T, nullable bool) arrow.Field {
	return arrow.Field{
		Name:     name,
		Type:     t.ArrowType(),
		Nullable: nullable,
		Metadata: arrow.NewMetadata([]string{sqlTypeKey}, []string{t.encode()}),
	}
}

// FromField returns the SQL type of an Arrow field: the one FieldOf recorded,
// else the one its Arrow type maps to (for batches that come from DuckDB).
func FromField(f arrow.Field) (T, error) {
	if i := f.Metadata.FindKey(sqlTypeKey); i >= 0 {
		return decode(f.Metadata.Values()[i])
	}
	return FromArrow(f.Type)
}

// FromArrow returns the SQL type an Arrow type maps to.
func FromArrow(dt arrow.DataType) (T, error) {
	switch dt := dt.(type) {
	case *arrow.BooleanType:
		return BoolType, nil
	case *arrow.Int8Type, *arrow.Int16Type, *arrow.Uint8Type:
		return Int16Type, nil
	case *arrow.Int32Type, *arrow.Uint16Type:
		return Int32Type, nil
	case *arrow.Int64Type, *arrow.Uint32Type:
		return Int64Type, nil
	case *arrow.Uint64Type:
		return NumericType(20, 0), nil
	case *arrow.Float16Type, *arrow.Float32Type:
		return Float32Type, nil
	case *arrow.Float64Type:
		return Float64Type, nil
	case *arrow.Decimal128Type:
		return NumericType(dt.Precision, dt.Scale), nil
	case *arrow.Decimal256Type:
		return NumericType(NumericMaxPrecision, dt.Scale), nil
	case *arrow.StringType, *arrow.LargeStringType, *arrow.StringViewType:
		return TextType, nil
	case *arrow.BinaryType, *arrow.LargeBinaryType, *arrow.BinaryViewType, *arrow.FixedSizeBinaryType:
		return ByteaType, nil
	case *arrow.Date32Type, *arrow.Date64Type:
		return DateType, nil
	case *arrow.TimestampType:
		if dt.TimeZone != "" {
			return TSTZType, nil
		}
		return TSType, nil
	case *arrow.MonthDayNanoIntervalType, *arrow.DayTimeIntervalType, *arrow.MonthIntervalType:
		return IntervalT, nil
	case *arrow.NullType:
		return UnknownType, nil
	case arrow.ListLikeType:
		elem, err := FromArrow(dt.Elem())
		if err != nil || !ValidArrayElem(elem) {
			break
		}
		return ArrayOf(elem), nil
	}
	return UnknownType, fmt.Errorf("types: no SQL type for Arrow type %s", dt)
}

func (t T) encode() string {
	if t.Family == Array {
		return fmt.Sprintf("%d:%d:%d:%d", t.Family, t.Precision, t.Scale, t.Elem)
	}
	if t.Family == Numeric {
		return fmt.Sprintf("%d:%d:%d", t.Family, t.Precision, t.Scale)
	}
	return fmt.Sprintf("%d", t.Family)
}

func decode(s string) (T, error) {
	var t T
	var f, elem int
	if n, _ := fmt.Sscanf(s, "%d:%d:%d:%d", &f, &t.Precision, &t.Scale, &elem); n >= 1 {
		t.Family, t.Elem = Family(f), Family(elem)
		return t, nil
	}
	return t, fmt.Errorf("types: bad type metadata %q", s)
}

// Column is a named, typed column of a relation.
type Column struct {
	Name     string
	Type     T
	Nullable bool
}

// Schema is the ordered columns of a relation.
type Schema []Column

// Arrow returns the Arrow schema of s, with SQL types in field metadata.
func (s Schema) Arrow() *arrow.Schema {
	fields := make([]arrow.Field, len(s))
	for i, c := range s {
		fields[i] = FieldOf(c.Name, c.Type, c.Nullable)
	}
	return arrow.NewSchema(fields, nil)
}

// SchemaFromArrow returns the SQL schema of an Arrow schema.
func SchemaFromArrow(as *arrow.Schema) (Schema, error) {
	s := make(Schema, as.NumFields())
	for i, f := range as.Fields() {
		t, err := FromField(f)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", f.Name, err)
		}
		s[i] = Column{Name: f.Name, Type: t, Nullable: f.Nullable}
	}
	return s, nil
}

// Types returns the types of s's columns.
func (s Schema) Types() []T {
	ts := make([]T, len(s))
	for i, c := range s {
		ts[i] = c.Type
	}
	return ts
}

// Index returns the position of the column named name, or -1.
func (s Schema) Index(name string) int {
	for i, c := range s {
		if c.Name == name {
			return i
		}
	}
	return -1
}
