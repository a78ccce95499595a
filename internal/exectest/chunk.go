// Package exectest holds test helpers shared by the exec packages: chunks
// built from text (pipe-separated rows or Arrow JSON, each with an op),
// chunks printed as `op | col1 | col2` lines, an in-memory state store that
// counts writes, an Output that collects chunks, and a scripted Source.
// Nothing here is used outside tests.
package exectest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/cockroachdb/datadriven"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/sql/types"
)

// ParseSchema parses a column list such as "id bigint, name text,
// price numeric(10,2)". Every column is nullable unless followed by
// "not null".
func ParseSchema(spec string) (types.Schema, error) {
	var s types.Schema
	for _, part := range splitTopLevel(spec) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		nullable := true
		low := strings.ToLower(part)
		if strings.HasSuffix(low, " not null") {
			nullable = false
			part = strings.TrimSpace(part[:len(part)-len(" not null")])
		}
		name, tname, ok := strings.Cut(part, " ")
		if !ok {
			return nil, fmt.Errorf("exectest: column %q has no type", part)
		}
		t, err := ParseType(tname)
		if err != nil {
			return nil, fmt.Errorf("exectest: column %q: %w", name, err)
		}
		s = append(s, types.Column{Name: name, Type: t, Nullable: nullable})
	}
	if len(s) == 0 {
		return nil, fmt.Errorf("exectest: empty schema %q", spec)
	}
	return s, nil
}

// splitTopLevel splits s at commas that are not inside parentheses.
func splitTopLevel(s string) []string {
	var parts []string
	depth, start := 0, 0
	for i, c := range s {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, s[start:])
}

// ParseType parses a SQL type name as written in DDL (bigint, int, smallint,
// double precision, real, text, varchar, boolean, date, timestamp,
// timestamptz, interval, bytea, jsonb, numeric, numeric(p,s)).
func ParseType(name string) (types.T, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	switch n {
	case "bigint", "int8":
		return types.Int64Type, nil
	case "int", "integer", "int4":
		return types.Int32Type, nil
	case "smallint", "int2":
		return types.Int16Type, nil
	case "double", "double precision", "float8", "float":
		return types.Float64Type, nil
	case "real", "float4":
		return types.Float32Type, nil
	case "text", "varchar", "string":
		return types.TextType, nil
	case "bool", "boolean":
		return types.BoolType, nil
	case "date":
		return types.DateType, nil
	case "timestamp":
		return types.TSType, nil
	case "timestamptz":
		return types.TSTZType, nil
	case "interval":
		return types.IntervalT, nil
	case "bytea":
		return types.ByteaType, nil
	case "jsonb":
		return types.JSONBType, nil
	case "numeric", "decimal":
		return types.DefaultNumeric, nil
	}
	var p, s int32
	if k, _ := fmt.Sscanf(n, "numeric(%d,%d)", &p, &s); k == 2 {
		return types.NumericType(p, s), nil
	}
	return types.T{}, fmt.Errorf("unknown type %q", name)
}

// ParseOp parses an op as Op.String prints it: +, -, U-, U+.
func ParseOp(s string) (exec.Op, error) {
	switch s {
	case "+":
		return exec.Insert, nil
	case "-":
		return exec.Delete, nil
	case "U-":
		return exec.UpdateDelete, nil
	case "U+":
		return exec.UpdateInsert, nil
	}
	return 0, fmt.Errorf("exectest: unknown op %q (want +, -, U- or U+)", s)
}

// ParseChunk builds a chunk of schema from text, one row per line. A row is
// an op followed either by pipe-separated values in column order
// (`+ | 1 | alice`, NULL for a null, strings unquoted and trimmed) or by an
// Arrow JSON object (`- {"id": 1, "name": "alice"}`). Blank lines are skipped.
// Ops is nil when every row is an Insert. The caller owns the returned chunk.
func ParseChunk(mem memory.Allocator, schema types.Schema, text string) (exec.Chunk, error) {
	var ops []exec.Op
	var objs []json.RawMessage
	for lineNo, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		opText, rest, _ := strings.Cut(line, " ")
		op, err := ParseOp(opText)
		if err != nil {
			return exec.Chunk{}, fmt.Errorf("line %d: %w", lineNo+1, err)
		}
		rest = strings.TrimSpace(rest)
		var obj json.RawMessage
		switch {
		case strings.HasPrefix(rest, "{"):
			obj = json.RawMessage(rest)
		case strings.HasPrefix(rest, "|"):
			obj, err = pipeRowToJSON(schema, rest[1:])
			if err != nil {
				return exec.Chunk{}, fmt.Errorf("line %d: %w", lineNo+1, err)
			}
		default:
			return exec.Chunk{}, fmt.Errorf("line %d: want `op | v1 | v2` or `op {json}`, got %q", lineNo+1, line)
		}
		ops = append(ops, op)
		objs = append(objs, obj)
	}
	doc, err := json.Marshal(objs)
	if err != nil {
		return exec.Chunk{}, err
	}
	if len(objs) == 0 {
		doc = []byte("[]")
	}
	rec, _, err := array.RecordFromJSON(mem, schema.Arrow(), bytes.NewReader(doc))
	if err != nil {
		return exec.Chunk{}, fmt.Errorf("exectest: arrow json: %w", err)
	}
	c := exec.Chunk{Batch: rec, Ops: ops}
	if c.AppendOnly() {
		c.Ops = nil
	}
	return c, nil
}

// pipeRowToJSON turns the values of a pipe-separated row into an Arrow JSON
// object: numbers and booleans stay bare, everything else becomes a string.
func pipeRowToJSON(schema types.Schema, row string) (json.RawMessage, error) {
	vals := strings.Split(row, "|")
	if len(vals) != len(schema) {
		return nil, fmt.Errorf("row has %d values, schema has %d columns", len(vals), len(schema))
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, col := range schema {
		v := strings.TrimSpace(vals[i])
		if i > 0 {
			b.WriteByte(',')
		}
		name, _ := json.Marshal(col.Name)
		b.Write(name)
		b.WriteByte(':')
		switch {
		case v == "NULL":
			b.WriteString("null")
		case col.Type.IsInteger() || col.Type.IsFloat() || col.Type.Family == types.Bool:
			b.WriteString(v)
		default:
			s, _ := json.Marshal(v)
			b.Write(s)
		}
	}
	b.WriteByte('}')
	return json.RawMessage(b.String()), nil
}

// MustChunk is ParseChunk for tests: it fails t on error. The schema is
// parsed with ParseSchema.
func MustChunk(t testing.TB, mem memory.Allocator, schema string, rows string) exec.Chunk {
	t.Helper()
	s, err := ParseSchema(schema)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseChunk(mem, s, rows)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// FormatValue prints row i of arr: NULL for a null, else the Arrow value
// string.
func FormatValue(arr arrow.Array, i int) string {
	if arr.IsNull(i) {
		return "NULL"
	}
	return arr.ValueStr(i)
}

// FormatRow prints row i of rec as `v1 | v2`.
func FormatRow(rec arrow.RecordBatch, i int) string {
	var b strings.Builder
	for j := 0; j < int(rec.NumCols()); j++ {
		if j > 0 {
			b.WriteString(" | ")
		}
		b.WriteString(FormatValue(rec.Column(j), i))
	}
	return b.String()
}

// FormatChunk prints c as one `op | col1 | col2` line per row, each line
// ending in a newline. It does not release c.
func FormatChunk(c exec.Chunk) string {
	var b strings.Builder
	for i := 0; i < c.NumRows(); i++ {
		b.WriteString(c.OpAt(i).String())
		if c.Batch.NumCols() > 0 {
			b.WriteString(" | ")
			b.WriteString(FormatRow(c.Batch, i))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// FormatHeader prints the column names of rec's schema as `op | name1 | name2`.
func FormatHeader(s *arrow.Schema) string {
	var b strings.Builder
	b.WriteString("op")
	for _, f := range s.Fields() {
		b.WriteString(" | ")
		b.WriteString(f.Name)
	}
	return b.String()
}

// SchemaArg parses the datadriven argument key (as in `schema=(id bigint,
// name text)`) with ParseSchema.
func SchemaArg(d *datadriven.TestData, key string) (types.Schema, error) {
	for _, a := range d.CmdArgs {
		if a.Key == key {
			return ParseSchema(strings.Join(a.Vals, ","))
		}
	}
	return nil, fmt.Errorf("exectest: missing argument %s=(...)", key)
}
