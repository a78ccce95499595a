// Package format decodes the records weir's connectors read (CSV lines, JSON
// lines, Confluent-framed Avro) straight into Arrow builders typed by a
// stream's declared SQL schema; NewDecoder makes a decoder from a source's
// format options. A decoder parses a whole record before it appends
// anything, so a malformed record leaves the builders untouched.
package format

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/weir-stream/weir/sql/types"
)

// value is one parsed field, held until the whole record has parsed. Str may
// alias the record's bytes: it is valid until the record is appended.
type value struct {
	null bool
	i    int64
	f    float64
	dec  decimal128.Num
	str  []byte
	iv   arrow.MonthDayNanoInterval
	// elems are an array's elements (array.go).
	elems []value
}

// RowBuilder accumulates decoded records as Arrow columns of a schema. A
// RowBuilder is used by one goroutine; it owns its builders until Release.
type RowBuilder struct {
	schema  types.Schema
	rb      *array.RecordBuilder
	vals    []value
	scratch []byte
}

// NewRowBuilder returns a RowBuilder for schema allocating from mem.
func NewRowBuilder(mem memory.Allocator, schema types.Schema) *RowBuilder {
	return &RowBuilder{
		schema: schema,
		rb:     array.NewRecordBuilder(mem, schema.Arrow()),
		vals:   make([]value, len(schema)),
	}
}

// Schema returns the columns rows are decoded into.
func (b *RowBuilder) Schema() types.Schema { return b.schema }

// Len returns the number of rows appended since the last NewRecordBatch.
func (b *RowBuilder) Len() int {
	if len(b.schema) == 0 {
		return 0
	}
	return b.rb.Field(0).Len()
}

// Field returns the builder of column i, for callers that append extra
// columns themselves (the file source's row ids are not in the schema it
// decodes, so they live in their own builder).
func (b *RowBuilder) Field(i int) array.Builder { return b.rb.Field(i) }

// NewRecordBatch returns the rows appended so far as a batch (the caller's to
// release) and resets the builder.
func (b *RowBuilder) NewRecordBatch() arrow.RecordBatch { return b.rb.NewRecordBatch() }

// Release releases the builders.
func (b *RowBuilder) Release() { b.rb.Release() }

// commit appends the parsed values of one record.
func (b *RowBuilder) commit() {
	for i, c := range b.schema {
		v := &b.vals[i]
		fb := b.rb.Field(i)
		if v.null {
			fb.AppendNull()
			continue
		}
		if c.Type.IsArray() {
			appendArray(fb, c.Type.ElemType(), v)
			continue
		}
		appendScalar(fb, c.Type, v)
		v.str = nil
	}
}

// appendScalar appends v, a value of the type t that is not an array, to
// fb, a builder of t.
func appendScalar(fb array.Builder, t types.T, v *value) {
	switch t.Family {
	case types.Bool:
		fb.(*array.BooleanBuilder).Append(v.i != 0)
	case types.Int16:
		fb.(*array.Int16Builder).Append(int16(v.i))
	case types.Int32:
		fb.(*array.Int32Builder).Append(int32(v.i))
	case types.Int64:
		fb.(*array.Int64Builder).Append(v.i)
	case types.Float32:
		fb.(*array.Float32Builder).Append(float32(v.f))
	case types.Float64:
		fb.(*array.Float64Builder).Append(v.f)
	case types.Numeric:
		fb.(*array.Decimal128Builder).Append(v.dec)
	case types.Text, types.JSONB:
		fb.(*array.StringBuilder).BinaryBuilder.Append(v.str)
	case types.Date:
		fb.(*array.Date32Builder).Append(arrow.Date32(v.i))
	case types.Timestamp, types.TimestampTZ:
		fb.(*array.TimestampBuilder).Append(arrow.Timestamp(v.i))
	case types.Interval:
		fb.(*array.MonthDayNanoIntervalBuilder).Append(v.iv)
	case types.Bytea:
		fb.(*array.BinaryBuilder).Append(v.str)
	default:
		fb.AppendNull()
	}
}

// FieldError is a field of a record that did not decode.
type FieldError struct {
	Column string
	Err    error
}

func (e *FieldError) Error() string { return fmt.Sprintf("column %q: %v", e.Column, e.Err) }

func (e *FieldError) Unwrap() error { return e.Err }

var (
	errNull    = errors.New("null value in a NOT NULL column")
	errUTF8    = errors.New("invalid UTF-8, or a NUL byte")
	errBool    = errors.New("invalid boolean")
	errJSON    = errors.New("invalid JSON")
	errInteger = errors.New("invalid integer")
	errFloat   = errors.New("invalid floating-point number")
)

// parseText parses the text form of a value of type t into v.
func parseText(t types.T, s []byte, v *value) error {
	v.null = false
	switch t.Family {
	case types.Bool:
		switch string(bytes.ToLower(bytes.TrimSpace(s))) {
		case "t", "true", "yes", "y", "on", "1":
			v.i = 1
		case "f", "false", "no", "n", "off", "0":
			v.i = 0
		default:
			return errBool
		}
	case types.Int16, types.Int32, types.Int64:
		bits := 64
		switch t.Family {
		case types.Int16:
			bits = 16
		case types.Int32:
			bits = 32
		}
		n, err := strconv.ParseInt(string(bytes.TrimSpace(s)), 10, bits)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return fmt.Errorf("%s out of range", t)
			}
			return errInteger
		}
		v.i = n
	case types.Float32, types.Float64:
		bits := 64
		if t.Family == types.Float32 {
			bits = 32
		}
		f, err := strconv.ParseFloat(string(bytes.TrimSpace(s)), bits)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return errFloat
		}
		if math.IsInf(f, 0) && errors.Is(err, strconv.ErrRange) {
			return fmt.Errorf("%s out of range", t)
		}
		v.f = f
	case types.Numeric:
		d, err := parseDecimal(bytes.TrimSpace(s), t.Precision, t.Scale)
		if err != nil {
			return err
		}
		v.dec = d
	case types.Text:
		if !ValidText(s) {
			return errUTF8
		}
		v.str = s
	case types.JSONB:
		norm, err := normalizeJSONB(s)
		if err != nil {
			return err
		}
		v.str = norm
	case types.Date:
		d, err := parseDate(bytes.TrimSpace(s))
		if err != nil {
			return err
		}
		v.i = int64(d)
	case types.Timestamp, types.TimestampTZ:
		ts, err := parseTimestamp(bytes.TrimSpace(s), t.Family == types.TimestampTZ)
		if err != nil {
			return err
		}
		v.i = ts
	case types.Interval:
		iv, err := parseInterval(s)
		if err != nil {
			return err
		}
		v.iv = iv
	case types.Bytea:
		if len(s) >= 2 && s[0] == '\\' && s[1] == 'x' {
			out := make([]byte, hex.DecodedLen(len(s)-2))
			if _, err := hex.Decode(out, s[2:]); err != nil {
				return errors.New("invalid hexadecimal bytea")
			}
			v.str = out
		} else {
			v.str = s
		}
	case types.Array:
		return parseArrayText(t, s, v)
	default:
		return fmt.Errorf("type %s cannot be decoded", t)
	}
	return nil
}

// ValidText reports whether s may be stored as text: valid UTF-8 without a
// NUL byte, which Postgres refuses in text too.
func ValidText(s []byte) bool {
	return utf8.Valid(s) && bytes.IndexByte(s, 0) < 0
}
