package format

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/big"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/hamba/avro/v2"

	"github.com/weir-stream/weir/sql/types"
)

// AvroRecord encodes rows of Arrow columns as one Avro record type, in the
// Confluent wire format (a 0 byte, the 4-byte schema id, the Avro binary).
// Every field is a union of null and its type: numbers as int, long,
// float, double; NUMERIC as bytes with the decimal logical type; DATE as
// int date; TIMESTAMP and TIMESTAMPTZ as long timestamp-micros; BOOLEAN;
// VARCHAR, JSONB and INTERVAL (as its text) as string; BYTEA as bytes.
// An AvroRecord is immutable and safe for concurrent use.
type AvroRecord struct {
	schema avro.Schema
	text   string
	names  []string
	types  []types.T
	id     int32
}

// NewAvroRecord returns the record type name with the given columns. Its
// schema (Schema) must be registered and its id set with WithID before
// Append is used.
func NewAvroRecord(name string, names []string, ts []types.T) (*AvroRecord, error) {
	fields := make([]map[string]any, len(names))
	for i, n := range names {
		t, err := avroType(ts[i])
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", n, err)
		}
		fields[i] = map[string]any{"name": n, "type": []any{"null", t}, "default": nil}
	}
	text, err := json.Marshal(map[string]any{"type": "record", "name": name, "fields": fields})
	if err != nil {
		return nil, err
	}
	s, err := avro.Parse(string(text))
	if err != nil {
		return nil, fmt.Errorf("avro schema of %s: %w", name, err)
	}
	return &AvroRecord{schema: s, text: string(text), names: names, types: ts}, nil
}

// avroType is the Avro type of a SQL type.
func avroType(t types.T) (any, error) {
	switch t.Family {
	case types.Bool:
		return "boolean", nil
	case types.Int16, types.Int32:
		return "int", nil
	case types.Int64:
		return "long", nil
	case types.Float32:
		return "float", nil
	case types.Float64:
		return "double", nil
	case types.Numeric:
		return map[string]any{"type": "bytes", "logicalType": "decimal", "precision": t.Precision, "scale": t.Scale}, nil
	case types.Date:
		return map[string]any{"type": "int", "logicalType": "date"}, nil
	case types.Timestamp, types.TimestampTZ:
		return map[string]any{"type": "long", "logicalType": "timestamp-micros"}, nil
	case types.Text, types.JSONB, types.Interval:
		return "string", nil
	case types.Bytea:
		return "bytes", nil
	}
	return nil, fmt.Errorf("type %s has no Avro form", t)
}

// Schema returns the record's Avro schema text, to register.
func (r *AvroRecord) Schema() string { return r.text }

// WithID returns the record type with its registered schema id.
func (r *AvroRecord) WithID(id int32) *AvroRecord {
	c := *r
	c.id = id
	return &c
}

// Append appends row i of cols (one array per column, of the record's
// types) to dst in the Confluent wire format.
func (r *AvroRecord) Append(dst []byte, cols []arrow.Array, i int) ([]byte, error) {
	row := make(map[string]any, len(cols))
	for j, arr := range cols {
		v, err := avroValue(arr, r.types[j], i)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", r.names[j], err)
		}
		row[r.names[j]] = v
	}
	data, err := avro.Marshal(r.schema, row)
	if err != nil {
		return nil, err
	}
	dst = append(dst, 0)
	dst = binary.BigEndian.AppendUint32(dst, uint32(r.id))
	return append(dst, data...), nil
}

// avroValue is row i of arr as the Go value hamba/avro encodes for the
// column's Avro type (nil for NULL).
func avroValue(arr arrow.Array, t types.T, i int) (any, error) {
	if arr.IsNull(i) {
		return nil, nil
	}
	switch a := arr.(type) {
	case *array.Boolean:
		return a.Value(i), nil
	case *array.Int16:
		return int(a.Value(i)), nil
	case *array.Int32:
		return int(a.Value(i)), nil
	case *array.Int64:
		return a.Value(i), nil
	case *array.Float32:
		return a.Value(i), nil
	case *array.Float64:
		return a.Value(i), nil
	case *array.Decimal128:
		v := a.Value(i)
		return new(big.Rat).SetFrac(v.BigInt(), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(t.Scale)), nil)), nil
	case *array.Date32:
		return a.Value(i).ToTime().UTC(), nil
	case *array.Timestamp:
		return time.UnixMicro(int64(a.Value(i))).UTC(), nil
	case *array.String:
		return a.Value(i), nil
	case *array.Binary:
		return a.Value(i), nil
	case *array.MonthDayNanoInterval:
		return a.ValueStr(i), nil
	}
	return nil, fmt.Errorf("arrow %s has no Avro form", arr.DataType())
}
