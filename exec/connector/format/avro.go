package format

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/hamba/avro/v2"
	"github.com/weir-stream/weir/sql/types"
)

// AvroDecoder decodes Avro records in the Confluent wire format: a zero
// magic byte, the writer schema's registry id as 4 big-endian bytes, then the
// Avro binary encoding of a record. The writer schema is fetched from the
// registry on the first record carrying its id and compiled, with the
// column mapping, into a plan cached per id.
//
// Fields of the writer's record fill the columns of the same name (exact
// name first, else case-insensitive); fields naming no column are skipped
// and columns naming no field are NULL. A field may be a nullable union
// ["null", T] (in either order). The accepted Avro types per column type:
// BOOLEAN boolean; SMALLINT/INTEGER/BIGINT int, long (range checked);
// REAL/DOUBLE float, double, int, long; NUMERIC decimal (bytes or fixed,
// rescaled rounding half away from zero), int, long; TEXT string, enum;
// JSONB string (normalized); BYTEA bytes, fixed, string; DATE date;
// TIMESTAMP/TIMESTAMPTZ timestamp-millis/micros and their local- forms. Any
// other pairing is an error naming the column, reported for each record
// written with that schema.
//
// An AvroDecoder is used by one goroutine; its registry may be shared.
type AvroDecoder struct {
	registry RegistryClient
	schema   types.Schema
	plans    map[int32]*avroPlan
	r        *avro.Reader
}

// NewAvroDecoder returns a decoder of Confluent-framed Avro records into
// rows of schema, resolving writer schemas through registry.
func NewAvroDecoder(registry RegistryClient, schema types.Schema) *AvroDecoder {
	return &AvroDecoder{
		registry: registry,
		schema:   schema,
		plans:    map[int32]*avroPlan{},
		r:        avro.NewReader(nil, 0),
	}
}

type avroKind uint8

const (
	avroBool avroKind = iota
	avroInt
	avroLong
	avroFloat
	avroDouble
	avroString
	avroBytes
	avroFixed
	avroEnum
	avroDate
	avroTSMillis
	avroTSMicros
	avroDecimalBytes
	avroDecimalFixed
	avroOther
)

// avroField is how one field of the writer's record is read.
type avroField struct {
	col     int         // column filled, -1: skipped
	schema  avro.Schema // the whole field schema (skipping) or its non-null branch
	nullIdx int64       // union branch that is null, -1: not a union
	kind    avroKind
	scale   int      // writer scale of a decimal
	size    int      // size of a fixed
	symbols []string // of an enum
}

// avroPlan is a compiled writer schema, or the error compiling it gave.
type avroPlan struct {
	fields []avroField
	err    error
}

// Decode parses one Confluent-framed Avro record and appends it to b, whose
// schema must be the decoder's. On error nothing is appended.
func (d *AvroDecoder) Decode(value []byte, b *RowBuilder) error {
	if len(b.schema) != len(d.schema) {
		return fmt.Errorf("avro: row builder has %d columns, decoder %d", len(b.schema), len(d.schema))
	}
	if len(value) < 5 || value[0] != 0 {
		return errors.New("avro: not a Confluent-framed record (want magic byte 0 and a 4-byte schema id)")
	}
	id := int32(binary.BigEndian.Uint32(value[1:5]))
	plan, ok := d.plans[id]
	if !ok {
		text, err := d.registry.SchemaByID(context.Background(), id)
		if err != nil {
			// Not cached: the registry may be back for the next record.
			return fmt.Errorf("avro: %w", err)
		}
		plan = d.compile(text)
		d.plans[id] = plan
	}
	if plan.err != nil {
		return plan.err
	}
	for i := range b.vals {
		b.vals[i].null = true
	}
	r := d.r.Reset(value[5:])
	for i := range plan.fields {
		f := &plan.fields[i]
		if f.col < 0 {
			r.ReadNext(f.schema)
		} else if err := d.readField(f, b); err != nil {
			return &FieldError{Column: d.schema[f.col].Name, Err: err}
		}
		if r.Error != nil {
			return fmt.Errorf("avro: malformed record: %w", r.Error)
		}
	}
	if err := checkNotNull(b); err != nil {
		return err
	}
	b.commit()
	return nil
}

// compile maps the fields of the writer schema text to the decoder's
// columns.
func (d *AvroDecoder) compile(text string) *avroPlan {
	s, err := avro.ParseWithCache(text, "", &avro.SchemaCache{})
	if err != nil {
		return &avroPlan{err: fmt.Errorf("avro: writer schema: %w", err)}
	}
	rec, ok := s.(*avro.RecordSchema)
	if !ok {
		return &avroPlan{err: fmt.Errorf("avro: writer schema is a %s, not a record", s.Type())}
	}
	p := &avroPlan{}
	taken := make([]bool, len(d.schema))
	for _, wf := range rec.Fields() {
		col := d.column(wf.Name(), taken)
		f := avroField{col: col, schema: wf.Type(), nullIdx: -1}
		if col < 0 {
			p.fields = append(p.fields, f)
			continue
		}
		taken[col] = true
		c := d.schema[col]
		if u, ok := f.schema.(*avro.UnionSchema); ok {
			ts := u.Types()
			if len(ts) != 2 || (ts[0].Type() != avro.Null) == (ts[1].Type() != avro.Null) {
				return &avroPlan{err: &FieldError{Column: c.Name, Err: fmt.Errorf("Avro union %s is not a nullable union [\"null\", T]", u)}}
			}
			f.nullIdx, f.schema = 0, ts[1]
			if ts[1].Type() == avro.Null {
				f.nullIdx, f.schema = 1, ts[0]
			}
		}
		classify(&f)
		if !avroFits(f.kind, c.Type.Family) {
			return &avroPlan{err: &FieldError{Column: c.Name, Err: fmt.Errorf("Avro type %s cannot be read as %s", avroTypeName(f.schema), c.Type)}}
		}
		p.fields = append(p.fields, f)
	}
	return p
}

// column returns the column named name not yet taken, -1 if none.
func (d *AvroDecoder) column(name string, taken []bool) int {
	for i, c := range d.schema {
		if !taken[i] && c.Name == name {
			return i
		}
	}
	for i, c := range d.schema {
		if !taken[i] && strings.EqualFold(c.Name, name) {
			return i
		}
	}
	return -1
}

func logicalOf(s avro.Schema) avro.LogicalType {
	if ls, ok := s.(avro.LogicalTypeSchema); ok && ls.Logical() != nil {
		return ls.Logical().Type()
	}
	return ""
}

// classify sets f.kind (and its parameters) from f.schema.
func classify(f *avroField) {
	lt := logicalOf(f.schema)
	switch s := f.schema.(type) {
	case *avro.PrimitiveSchema:
		switch s.Type() {
		case avro.Boolean:
			f.kind = avroBool
		case avro.Int:
			f.kind = avroInt
			if lt == avro.Date {
				f.kind = avroDate
			}
		case avro.Long:
			f.kind = avroLong
			switch lt {
			case avro.TimestampMillis, avro.LocalTimestampMillis:
				f.kind = avroTSMillis
			case avro.TimestampMicros, avro.LocalTimestampMicros:
				f.kind = avroTSMicros
			}
		case avro.Float:
			f.kind = avroFloat
		case avro.Double:
			f.kind = avroDouble
		case avro.String:
			f.kind = avroString
		case avro.Bytes:
			f.kind = avroBytes
			if lt == avro.Decimal {
				f.kind = avroDecimalBytes
				f.scale = s.Logical().(*avro.DecimalLogicalSchema).Scale()
			}
		default:
			f.kind = avroOther
		}
	case *avro.FixedSchema:
		f.kind, f.size = avroFixed, s.Size()
		if lt == avro.Decimal {
			f.kind = avroDecimalFixed
			f.scale = s.Logical().(*avro.DecimalLogicalSchema).Scale()
		}
	case *avro.EnumSchema:
		f.kind, f.symbols = avroEnum, s.Symbols()
	default:
		f.kind = avroOther
	}
}

// avroFits reports whether values of kind k can fill a column of family fam.
func avroFits(k avroKind, fam types.Family) bool {
	switch fam {
	case types.Bool:
		return k == avroBool
	case types.Int16, types.Int32, types.Int64:
		return k == avroInt || k == avroLong
	case types.Float32, types.Float64:
		return k == avroFloat || k == avroDouble || k == avroInt || k == avroLong
	case types.Numeric:
		return k == avroDecimalBytes || k == avroDecimalFixed || k == avroInt || k == avroLong
	case types.Text:
		return k == avroString || k == avroEnum
	case types.JSONB:
		return k == avroString
	case types.Bytea:
		return k == avroBytes || k == avroFixed || k == avroString
	case types.Date:
		return k == avroDate
	case types.Timestamp, types.TimestampTZ:
		return k == avroTSMillis || k == avroTSMicros
	}
	return false
}

func avroTypeName(s avro.Schema) string {
	if lt := logicalOf(s); lt != "" {
		return string(lt)
	}
	if n, ok := s.(avro.NamedSchema); ok {
		return fmt.Sprintf("%s %s", s.Type(), n.FullName())
	}
	return string(s.Type())
}

var (
	errAvroTS = errors.New("timestamp out of range")
)

// readField reads the value of f into its column's value.
func (d *AvroDecoder) readField(f *avroField, b *RowBuilder) error {
	r := d.r
	c := b.schema[f.col]
	v := &b.vals[f.col]
	if f.nullIdx >= 0 {
		idx := r.ReadLong()
		if r.Error != nil {
			return nil // reported by Decode
		}
		if idx == f.nullIdx {
			v.null = true
			return nil
		}
		if idx != 1-f.nullIdx {
			return fmt.Errorf("union branch %d out of range", idx)
		}
	}
	var n int64
	switch f.kind {
	case avroBool:
		v.null = false
		v.i = 0
		if r.ReadBool() {
			v.i = 1
		}
		return nil
	case avroInt, avroDate:
		n = int64(r.ReadInt())
	case avroLong, avroTSMillis, avroTSMicros:
		n = r.ReadLong()
	case avroFloat:
		return setFloat(c.Type, float64(r.ReadFloat()), v)
	case avroDouble:
		return setFloat(c.Type, r.ReadDouble(), v)
	case avroString, avroBytes:
		s := r.ReadBytes()
		if r.Error != nil {
			return nil
		}
		if c.Type.Family == types.Bytea {
			v.null, v.str = false, s
			return nil
		}
		return parseText(c.Type, s, v)
	case avroFixed:
		s := make([]byte, f.size)
		r.Read(s)
		v.null, v.str = false, s
		return nil
	case avroEnum:
		i := r.ReadInt()
		if i < 0 || int(i) >= len(f.symbols) {
			return fmt.Errorf("enum symbol %d out of range", i)
		}
		v.null, v.str = false, []byte(f.symbols[i])
		return nil
	case avroDecimalBytes, avroDecimalFixed:
		var raw []byte
		if f.kind == avroDecimalBytes {
			raw = r.ReadBytes()
		} else {
			raw = make([]byte, f.size)
			r.Read(raw)
		}
		if r.Error != nil {
			return nil
		}
		dec, err := rescale(twosComplement(raw), f.scale, c.Type)
		if err != nil {
			return err
		}
		v.null, v.dec = false, dec
		return nil
	}
	if r.Error != nil {
		return nil
	}
	v.null = false
	switch c.Type.Family {
	case types.Int16:
		if n < math.MinInt16 || n > math.MaxInt16 {
			return fmt.Errorf("%s out of range", c.Type)
		}
		v.i = n
	case types.Int32:
		if n < math.MinInt32 || n > math.MaxInt32 {
			return fmt.Errorf("%s out of range", c.Type)
		}
		v.i = n
	case types.Float32, types.Float64:
		v.f = float64(n)
	case types.Numeric:
		dec, err := rescale(big.NewInt(n), 0, c.Type)
		if err != nil {
			return err
		}
		v.dec = dec
	case types.Timestamp, types.TimestampTZ:
		if f.kind == avroTSMillis {
			if n > math.MaxInt64/1000 || n < math.MinInt64/1000 {
				return errAvroTS
			}
			n *= 1000
		}
		v.i = n
	default: // BIGINT, DATE
		v.i = n
	}
	return nil
}

func setFloat(t types.T, f float64, v *value) error {
	if t.Family == types.Float32 && !math.IsInf(f, 0) && math.IsInf(float64(float32(f)), 0) {
		return fmt.Errorf("%s out of range", t)
	}
	v.null, v.f = false, f
	return nil
}

// twosComplement returns the big-endian two's-complement integer b.
func twosComplement(b []byte) *big.Int {
	n := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return n
}

// rescale turns the unscaled n of a decimal with scale from into a NUMERIC
// of type t, rounding half away from zero.
func rescale(n *big.Int, from int, t types.T) (decimal128.Num, error) {
	diff := int(t.Scale) - from
	if diff > 0 {
		n = new(big.Int).Mul(n, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(diff)), nil))
	} else if diff < 0 {
		p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-diff)), nil)
		q, m := new(big.Int).QuoRem(n, p, new(big.Int))
		if m.Abs(m).Lsh(m, 1).Cmp(p) >= 0 {
			q.Add(q, big.NewInt(int64(n.Sign())))
		}
		n = q
	}
	if n.BitLen() > 127 {
		return decimal128.Num{}, errNumericOverflow
	}
	dec := decimal128.FromBigInt(n)
	if !dec.FitsInPrecision(t.Precision) {
		return decimal128.Num{}, errNumericOverflow
	}
	return dec, nil
}
