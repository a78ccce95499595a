package format

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql/types"
)

// SinkType is how a sink writes changes (its type option): append-only
// (inserts only), upsert (the row under its key; a delete is a tombstone)
// or debezium (before/after envelopes).
type SinkType string

// The sink types.
const (
	SinkAppendOnly SinkType = "append-only"
	SinkUpsert     SinkType = "upsert"
	SinkDebezium   SinkType = "debezium"
)

// SinkEncoder encodes a sink's changes as JSON, CSV or Avro records: it
// implements ops.SinkEncoder. cols are the sink's visible columns (their
// indexes in the chunk and types), key the indexes into cols of its key.
type SinkEncoder struct {
	mem  memory.Allocator
	text []expr.Expr // each column cast to text: Postgres's text form
	// avroValue and avroKey encode rows and keys with format avro (avroKey
	// nil without a key).
	avroValue, avroKey *AvroRecord
	typ                SinkType
	format             string // json | csv | avro
	names              []string
	cols               []int
	types              []types.T
	key                []int

	// fieldNames are the columns' names as JSON strings, each followed by
	// a colon: what every row's object starts its fields with.
	fieldNames [][]byte

	buf, keyBuf, nextKey, before, env []byte
	csvBuf                            bytes.Buffer
	csvw                              *csv.Writer
	fields                            []string
	tsMillis                          int64 // the time of the chunk being encoded (Debezium's ts_ms)
}

// NewSinkEncoder returns the encoder of a sink of type typ and format
// json, csv or avro (which needs WithAvro). names are its visible
// columns, cols their indexes in the chunks, ts their types, and key the
// indexes into names of its key (none when empty).
func NewSinkEncoder(mem memory.Allocator, typ SinkType, format string, names []string, cols []int, ts []types.T, key []int) (*SinkEncoder, error) {
	e := &SinkEncoder{mem: mem, typ: typ, format: format, names: names, cols: cols, types: ts, key: key}
	e.csvw = csv.NewWriter(&e.csvBuf)
	for _, n := range names {
		q, err := json.Marshal(n)
		if err != nil {
			return nil, err
		}
		e.fieldNames = append(e.fieldNames, append(q, ':'))
	}
	for j, col := range cols {
		x, err := expr.Cast(expr.Column(col, names[j], ts[j]), types.TextType)
		if err != nil {
			return nil, err
		}
		e.text = append(e.text, x)
	}
	return e, nil
}

// Encode implements ops.SinkEncoder.
func (e *SinkEncoder) Encode(c exec.Chunk, emit func(key, value []byte)) error {
	if e.format == "avro" {
		return e.encodeAvro(c, emit)
	}
	enc := make([]*array.String, len(e.cols))
	for j, x := range e.text {
		arr, err := x.Eval(context.Background(), e.mem, c.Batch)
		if err != nil {
			return err
		}
		defer arr.Release()
		str, ok := arr.(*array.String)
		if !ok {
			return fmt.Errorf("sink: column %s as text is Arrow %s", e.names[j], arr.DataType())
		}
		enc[j] = str
	}
	e.tsMillis = time.Now().UnixMilli()
	n := c.NumRows()
	keyed := false // keyBuf holds row i's key already (an update's second row)
	for i := 0; i < n; i++ {
		op := c.OpAt(i)
		switch e.typ {
		case SinkAppendOnly:
			if !op.IsInsert() {
				return fmt.Errorf("an append-only sink received a %s", op)
			}
			emit(nil, e.row(enc, i))
		case SinkUpsert:
			if !keyed {
				e.keyBuf = e.keyOf(e.keyBuf[:0], enc, i)
			}
			keyed = false
			switch {
			case op.IsInsert():
				emit(e.keyBuf, e.row(enc, i))
			case op == exec.UpdateDelete && i+1 < n && c.OpAt(i+1) == exec.UpdateInsert &&
				bytes.Equal(e.keyBuf, e.nextKeyOf(enc, i+1)):
				// The update's new row follows under the same key, which
				// keyBuf is.
				keyed = true
			default:
				emit(e.keyBuf, nil)
			}
		case SinkDebezium:
			e.keyBuf = e.keyOf(e.keyBuf[:0], enc, i)
			if op == exec.UpdateDelete && i+1 < n && c.OpAt(i+1) == exec.UpdateInsert {
				e.before = append(e.before[:0], e.row(enc, i)...)
				emit(e.keyBuf, e.envelope(e.before, e.row(enc, i+1), "u"))
				i++
				continue
			}
			if op.IsInsert() {
				emit(e.keyBuf, e.envelope(nil, e.row(enc, i), "c"))
			} else {
				emit(e.keyBuf, e.envelope(e.row(enc, i), nil, "d"))
			}
		}
	}
	return nil
}

// nextKeyOf is keyOf into a second buffer, to compare with keyBuf.
func (e *SinkEncoder) nextKeyOf(enc []*array.String, i int) []byte {
	e.nextKey = e.keyOf(e.nextKey[:0], enc, i)
	return e.nextKey
}

// row returns the encoding of row i (valid until the next call).
func (e *SinkEncoder) row(enc []*array.String, i int) []byte {
	if e.format == "csv" {
		e.fields = e.fields[:0]
		for j := range e.cols {
			if enc[j].IsNull(i) {
				e.fields = append(e.fields, "")
				continue
			}
			e.fields = append(e.fields, enc[j].Value(i))
		}
		e.csvBuf.Reset()
		_ = e.csvw.Write(e.fields)
		e.csvw.Flush()
		return bytes.TrimSuffix(e.csvBuf.Bytes(), []byte("\n"))
	}
	e.buf = e.jsonObject(e.buf[:0], enc, i, nil)
	return e.buf
}

// keyOf appends the JSON object of row i's key columns to dst; it returns
// nil without a key.
func (e *SinkEncoder) keyOf(dst []byte, enc []*array.String, i int) []byte {
	if len(e.key) == 0 {
		return nil
	}
	return e.jsonObject(dst, enc, i, e.key)
}

// jsonObject appends row i as a JSON object of the columns which (all
// when nil) to dst.
func (e *SinkEncoder) jsonObject(dst []byte, enc []*array.String, i int, which []int) []byte {
	dst = append(dst, '{')
	n := len(e.cols)
	if which != nil {
		n = len(which)
	}
	for k := range n {
		j := k
		if which != nil {
			j = which[k]
		}
		if k > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, e.fieldNames[j]...)
		dst = appendJSONValue(dst, e.types[j], enc[j], i)
	}
	return append(dst, '}')
}

// envelope returns a Debezium-style change (valid until the next call):
// before and after (JSON objects, nil for null), the operation and the
// chunk's time in ms.
func (e *SinkEncoder) envelope(before, after []byte, op string) []byte {
	out := append(e.env[:0], `{"before":`...)
	if before == nil {
		out = append(out, "null"...)
	} else {
		out = append(out, before...)
	}
	out = append(out, `,"after":`...)
	if after == nil {
		out = append(out, "null"...)
	} else {
		out = append(out, after...)
	}
	out = append(out, `,"op":"`...)
	out = append(out, op...)
	out = append(out, `","ts_ms":`...)
	out = strconv.AppendInt(out, e.tsMillis, 10)
	e.env = append(out, '}')
	return e.env
}

// appendJSONValue appends row i of text (a column of SQL type t, as text)
// as a JSON value: numbers and booleans as such (NaN and infinities as
// strings), jsonb as it is, an array as a JSON array of its elements so,
// NULL as null, everything else as the string of its Postgres text form.
func appendJSONValue(dst []byte, t types.T, text *array.String, i int) []byte {
	if text.IsNull(i) {
		return append(dst, "null"...)
	}
	return appendJSONText(dst, t, text.Value(i))
}

// appendJSONText appends v, the text of a value of type t, as appendJSONValue
// does.
func appendJSONText(dst []byte, t types.T, v string) []byte {
	switch t.Family {
	case types.Array:
		if out, ok := appendJSONArray(dst, t, v); ok {
			return out
		}
	case types.Int16, types.Int32, types.Int64:
		return append(dst, v...)
	case types.Numeric, types.Float32, types.Float64:
		// Postgres prints every number as JSON does, but NaN and the
		// infinities, which JSON has no numbers for.
		if v != "NaN" && v != "Infinity" && v != "-Infinity" {
			return append(dst, v...)
		}
	case types.Bool:
		return strconv.AppendBool(dst, v == "true")
	case types.JSONB:
		return append(dst, v...)
	}
	b, _ := json.Marshal(v)
	return append(dst, b...)
}

// encodeAvro is Encode for format avro (append-only and upsert).
func (e *SinkEncoder) encodeAvro(c exec.Chunk, emit func(key, value []byte)) error {
	cols := make([]arrow.Array, len(e.cols))
	for j, col := range e.cols {
		cols[j] = c.Batch.Column(col)
	}
	keyCols := make([]arrow.Array, len(e.key))
	for j, k := range e.key {
		keyCols[j] = cols[k]
	}
	n := c.NumRows()
	for i := 0; i < n; i++ {
		op := c.OpAt(i)
		var key []byte
		if e.avroKey != nil {
			var err error
			if key, err = e.avroKey.Append(e.keyBuf[:0], keyCols, i); err != nil {
				return err
			}
			e.keyBuf = key
		}
		switch {
		case e.typ == SinkAppendOnly && !op.IsInsert():
			return fmt.Errorf("an append-only sink received a %s", op)
		case op.IsInsert():
			v, err := e.avroValue.Append(e.buf[:0], cols, i)
			if err != nil {
				return err
			}
			e.buf = v
			emit(key, v)
		case op == exec.UpdateDelete && i+1 < n && c.OpAt(i+1) == exec.UpdateInsert && e.sameAvroKey(key, keyCols, i+1):
			// The update's new row follows under the same key.
		default:
			emit(key, nil)
		}
	}
	return nil
}

// sameAvroKey reports whether row i's key encodes as key.
func (e *SinkEncoder) sameAvroKey(key []byte, keyCols []arrow.Array, i int) bool {
	if e.avroKey == nil {
		return true
	}
	next, err := e.avroKey.Append(e.nextKey[:0], keyCols, i)
	e.nextKey = next
	return err == nil && bytes.Equal(key, next)
}
