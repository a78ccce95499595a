package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/types"
)

// inferRecords is how many records schema inference reads, at most.
const inferRecords = 100

// inferWait bounds how long schema inference waits for a Kafka topic's
// first records.
const inferWait = 10 * time.Second

// Columns returns the columns of s's input: the file's schema; for a
// generate input, its context's fields; for a nexmark input, none (its
// connector knows them). Any other input without a schema gets columns
// inferred from its first records, and inferred is true: they are then
// fixed for the stream's life, for the user to see (and to write in the
// file if they are not what the user wants).
func (f *File) Columns(ctx context.Context, s *Stream) (cols []sql.ColumnDef, inferred bool, err error) {
	in := s.Input
	switch {
	case in.Type == "generate":
		cols, err := generateColumns(in)
		if err != nil {
			return nil, false, f.Errorf(in.Line, "input.context", "%w", err)
		}
		return cols, false, nil
	case len(in.Schema) > 0 || in.Type == "nexmark":
		return slices.Clone(in.Schema), false, nil
	}
	if cols, err = inferSchema(ctx, in); err != nil {
		return nil, false, f.Errorf(in.Line, "input", "%w (or give input.schema)", err)
	}
	return cols, true, nil
}

// inferSchema reads an input's first records and returns its columns.
func inferSchema(ctx context.Context, in Input) ([]sql.ColumnDef, error) {
	var records [][]byte
	switch in.Type {
	case "kafka":
		cl, err := kgo.NewClient(kgo.SeedBrokers(in.Brokers...), kgo.ConsumeTopics(in.Topic),
			kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
		if err != nil {
			return nil, err
		}
		defer cl.Close()
		ctx, cancel := context.WithTimeout(ctx, inferWait)
		defer cancel()
		for len(records) < inferRecords && ctx.Err() == nil {
			fs := cl.PollRecords(ctx, inferRecords-len(records))
			fs.EachRecord(func(r *kgo.Record) { records = append(records, r.Value) })
			if len(records) > 0 && fs.NumRecords() == 0 {
				break
			}
		}
		if len(records) == 0 {
			return nil, fmt.Errorf("cannot infer the schema of topic %s: no record arrived within %v", in.Topic, inferWait)
		}
	case "file":
		f, err := os.Open(in.Path)
		if err != nil {
			return nil, fmt.Errorf("cannot infer the schema of %s: %w", in.Path, err)
		}
		defer f.Close()
		if in.Codec == "csv" {
			return inferCSVSchema(f)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<24)
		for sc.Scan() && len(records) < inferRecords {
			if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
				records = append(records, bytes.Clone(line))
			}
		}
		if len(records) == 0 {
			return nil, fmt.Errorf("cannot infer the schema of %s: it has no records yet", in.Path)
		}
	}
	if in.Codec == "csv" {
		return nil, errors.New("cannot infer the schema of CSV records from Kafka")
	}
	return inferJSONSchema(records)
}

// inferJSONSchema returns the columns of JSON objects: every top-level
// key, in the order first seen, typed by its values (integers BIGINT, other
// numbers DOUBLE PRECISION, strings VARCHAR, booleans BOOLEAN, objects and
// arrays JSONB; mixed numbers DOUBLE PRECISION, other mixes VARCHAR).
func inferJSONSchema(records [][]byte) ([]sql.ColumnDef, error) {
	var names []string
	kinds := map[string]types.T{}
	for i, r := range records {
		dec := json.NewDecoder(bytes.NewReader(r))
		dec.UseNumber()
		var obj map[string]json.RawMessage
		if err := dec.Decode(&obj); err != nil {
			return nil, fmt.Errorf("record %d is not a JSON object: %v", i+1, err)
		}
		order, err := jsonKeys(r)
		if err != nil {
			return nil, err
		}
		for _, k := range order {
			prev, seen := kinds[k]
			if !seen {
				names = append(names, k)
			}
			kinds[k] = mergeKinds(prev, jsonKind(obj[k]))
		}
	}
	cols := make([]sql.ColumnDef, len(names))
	for i, n := range names {
		cols[i] = inferredColumn(n, kinds[n])
	}
	return cols, nil
}

// inferredColumn is the column name of type t, VARCHAR when no value said
// (t is types.UnknownType).
func inferredColumn(name string, t types.T) sql.ColumnDef {
	if t == types.UnknownType {
		t = types.TextType
	}
	return sql.ColumnDef{Name: sql.Name{Value: name, Quoted: true}, Type: sql.TypeName{Type: t}}
}

// jsonKeys returns the top-level keys of a JSON object in order.
func jsonKeys(r []byte) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(r))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, _ := t.(string)
		keys = append(keys, k)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// jsonKind is the SQL type of one JSON value (types.UnknownType for null).
func jsonKind(v json.RawMessage) types.T {
	s := strings.TrimSpace(string(v))
	switch {
	case s == "" || s == "null":
		return types.UnknownType
	case s == "true" || s == "false":
		return types.BoolType
	case s[0] == '"':
		return types.TextType
	case s[0] == '{' || s[0] == '[':
		return types.JSONBType
	case strings.ContainsAny(s, ".eE"):
		return types.Float64Type
	}
	return types.Int64Type
}

// mergeKinds is the type of a column whose values had types a and b.
func mergeKinds(a, b types.T) types.T {
	numeric := func(t types.T) bool { return t == types.Int64Type || t == types.Float64Type }
	switch {
	case a == types.UnknownType || a == b:
		return b
	case b == types.UnknownType:
		return a
	case numeric(a) && numeric(b):
		return types.Float64Type
	}
	return types.TextType
}

// inferCSVSchema reads a CSV header and up to inferRecords rows.
func inferCSVSchema(r io.Reader) ([]sql.ColumnDef, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("cannot infer the schema: no CSV header: %w", err)
	}
	kinds := make([]types.T, len(header))
	for range inferRecords {
		row, err := cr.Read()
		if err != nil {
			break
		}
		for i := range min(len(row), len(kinds)) {
			kinds[i] = mergeKinds(kinds[i], csvKind(row[i]))
		}
	}
	cols := make([]sql.ColumnDef, len(header))
	for i, h := range header {
		cols[i] = inferredColumn(strings.TrimSpace(h), kinds[i])
	}
	return cols, nil
}

// csvKind is the SQL type of one CSV field (types.UnknownType when empty).
func csvKind(s string) types.T {
	switch {
	case s == "":
		return types.UnknownType
	case s == "true" || s == "false":
		return types.BoolType
	}
	if _, err := strconv.ParseInt(s, 10, 64); err == nil {
		return types.Int64Type
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return types.Float64Type
	}
	return types.TextType
}

// generateColumns returns the columns of a generate input: its context's
// fields, typed by their values, which must be numbers, strings or
// booleans (the datagen source repeats them as constants).
func generateColumns(in Input) ([]sql.ColumnDef, error) {
	cols, err := inferJSONSchema([][]byte{[]byte(in.Context)})
	if err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(in.Context), &fields); err != nil {
		return nil, err
	}
	keys, err := jsonKeys([]byte(in.Context))
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		switch jsonKind(fields[k]) {
		case types.UnknownType, types.JSONBType:
			return nil, fmt.Errorf("field %q is %s: a generated record repeats numbers, strings and booleans", k, strings.TrimSpace(string(fields[k])))
		}
	}
	return cols, nil
}
