// Package datagen is the datagen source: a stream of generated rows, each
// column filled by a sequence or by random values, configured with
// RisingWave-style WITH options (fields.<col>.kind = 'sequence' | 'random',
// ...). Row r's values depend only on r and each column's seed, so a
// restarted source continues exactly where it stopped.
package datagen

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// RowIDColumn is the name of the hidden BIGINT column the source appends to
// the declared columns: the row's number, counting from 0.
const RowIDColumn = "_row_id"

// DefaultBatchRows is the most rows a chunk holds unless datagen.batch.rows
// says otherwise.
const DefaultBatchRows = 8192

// MaxRowsPerSecond bounds datagen.rows.per.second.
const MaxRowsPerSecond = 1_000_000_000

// Defaults of a column's generator.
const (
	DefaultMin    = 0    // random numbers
	DefaultMax    = 1000 // random numbers
	DefaultLength = 10   // random strings
	DefaultStart  = 0    // sequences
	// MaxLength bounds fields.<col>.length.
	MaxLength = 1 << 16
)

// Random dates and timestamps default to the year 2024 (UTC).
var (
	DefaultMinTime = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	DefaultMaxTime = time.Date(2024, 12, 31, 23, 59, 59, 999999000, time.UTC)
)

// Kind is how a column's values are generated.
type Kind uint8

// The kinds of generator.
const (
	// Random draws each value uniformly from [Min, Max] (numbers, dates,
	// timestamps), as Length letters (strings), or true/false (booleans).
	Random Kind = iota
	// Sequence counts from Start to End: row r has Start+r; the stream ends
	// after End. Strings hold the number in decimal.
	Sequence
	// Constant gives every row the same Value (integer, floating-point,
	// boolean and text columns): what a generator of a fixed record, such
	// as ArkFlow's generate input, needs.
	Constant
)

// Field is the generator of one declared column.
type Field struct {
	Kind Kind
	// Start and End bound a sequence (inclusive).
	Start, End int64
	// Min and Max bound random integers, NUMERIC (in units of the column's
	// scale), dates (days since 1970-01-01) and timestamps (microseconds
	// since the epoch), inclusive.
	Min, Max int64
	// MinFloat and MaxFloat bound random REAL and DOUBLE PRECISION values.
	MinFloat, MaxFloat float64
	// Length is the length of random strings.
	Length int
	// Seed selects the random values; it defaults to a hash of the column's
	// name, so columns differ and reordering the declaration changes nothing.
	Seed int64
	// Value is a constant column's value, as given, and parsed by type.
	Value      string
	ConstInt   int64
	ConstFloat float64
	ConstBool  bool
}

// Options configures a Source.
type Options struct {
	// Schema is the stream's declared columns (without RowIDColumn).
	Schema types.Schema
	// Fields has one generator per column of Schema.
	Fields []Field
	// RowsPerSecond paces the rows; 0 generates as fast as possible.
	RowsPerSecond int64
	// TotalRows is how many rows the stream has; 0 means unbounded (a
	// sequence column still ends it at its end).
	TotalRows int64
	// BatchRows is the most rows a chunk holds.
	BatchRows int
	// Key is the state key the source records its position under.
	Key []byte
}

// ParseOptions validates the WITH options of CREATE STREAM ... WITH
// (connector = 'datagen', ...) against the declared schema. Keys are
// case-insensitive. A trailing RowIDColumn in schema (the hidden column the
// engine appends) is ignored. Errors are *sqlstate.Error naming the option
// (22023) or the column (0A000 for a type datagen cannot generate). Key is
// left for the caller.
func ParseOptions(opts map[string]string, schema types.Schema) (Options, error) {
	if n := len(schema); n > 0 && strings.EqualFold(schema[n-1].Name, RowIDColumn) && schema[n-1].Type == types.Int64Type {
		schema = schema[:n-1]
	}
	o := Options{Schema: schema, BatchRows: DefaultBatchRows, Fields: make([]Field, len(schema))}
	if len(schema) == 0 {
		return Options{}, sqlstate.Errorf(sqlstate.InvalidParameterValue, "a datagen stream needs at least one column")
	}
	for i, c := range schema {
		if strings.EqualFold(c.Name, RowIDColumn) {
			return Options{}, sqlstate.Errorf(sqlstate.DuplicateColumn, "column name %q is reserved by the datagen source", c.Name)
		}
		if !supported(c.Type) {
			return Options{}, sqlstate.Errorf(sqlstate.FeatureNotSupported, "column %q: the datagen source cannot generate %s", c.Name, c.Type.SQL())
		}
		o.Fields[i] = defaultField(c)
	}
	// Each column's options, by property; the kind is read first.
	props := make([]map[string]string, len(schema))
	for k, v := range opts {
		key := strings.ToLower(k)
		switch key {
		case "connector":
			if !strings.EqualFold(v, "datagen") {
				return Options{}, bad("connector", "the datagen source needs connector = 'datagen', not %q", v)
			}
			continue
		case "datagen.rows.per.second":
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil || n < 0 || n > MaxRowsPerSecond {
				return Options{}, bad(key, "%s must be an integer between 0 and %d, not %q", key, MaxRowsPerSecond, v)
			}
			o.RowsPerSecond = n
			continue
		case "datagen.rows.total":
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil || n < 0 {
				return Options{}, bad(key, "%s must be a non-negative integer, not %q", key, v)
			}
			o.TotalRows = n
			continue
		case "datagen.batch.rows":
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 1 || n > 1<<20 {
				return Options{}, bad(key, "%s must be an integer between 1 and 1048576, not %q", key, v)
			}
			o.BatchRows = n
			continue
		}
		rest, ok := strings.CutPrefix(key, "fields.")
		dot := strings.LastIndexByte(rest, '.')
		if !ok || dot <= 0 {
			return Options{}, bad(k, "unknown option %q for the datagen source", k)
		}
		col, prop := rest[:dot], rest[dot+1:]
		i := index(schema, col)
		if i < 0 {
			return Options{}, bad(k, "option %q names no declared column", k)
		}
		switch prop {
		case "kind", "start", "end", "min", "max", "length", "seed", "value":
		default:
			return Options{}, bad(k, "unknown property %q in option %q (kind, start, end, min, max, length, seed or value)", prop, k)
		}
		if props[i] == nil {
			props[i] = map[string]string{}
		}
		props[i][prop] = v
	}
	for i, c := range schema {
		if props[i] == nil {
			continue
		}
		f, err := parseField(c, o.Fields[i], props[i])
		if err != nil {
			return Options{}, err
		}
		o.Fields[i] = f
	}
	return o, nil
}

func index(schema types.Schema, name string) int {
	for i, c := range schema {
		if strings.EqualFold(c.Name, name) {
			return i
		}
	}
	return -1
}

// supported reports whether datagen can generate a column of type t.
func supported(t types.T) bool {
	switch t.Family {
	case types.Int16, types.Int32, types.Int64, types.Float32, types.Float64, types.Numeric,
		types.Bool, types.Text, types.Date, types.Timestamp, types.TimestampTZ:
		return true
	}
	return false
}

// defaultField is the generator of a column with no options: random values
// within the defaults.
func defaultField(c types.Column) Field {
	f := Field{Kind: Random, Start: DefaultStart, End: typeMax(c.Type), Min: DefaultMin, Max: DefaultMax,
		MinFloat: DefaultMin, MaxFloat: DefaultMax, Length: DefaultLength, Seed: nameSeed(c.Name)}
	switch c.Type.Family {
	case types.Numeric:
		f.Max = unitsMax(c.Type)
		if s := c.Type.Scale; s <= 15 {
			f.Max = min(f.Max, DefaultMax*int64(math.Pow10(int(s))))
		}
	case types.Date:
		f.Min, f.Max = DefaultMinTime.Unix()/86400, DefaultMaxTime.Unix()/86400
	case types.Timestamp, types.TimestampTZ:
		f.Min, f.Max = DefaultMinTime.UnixMicro(), DefaultMaxTime.UnixMicro()
	}
	return f
}

// typeMax is the largest integer a column of type t holds (as a sequence
// value or an integer bound).
func typeMax(t types.T) int64 {
	switch t.Family {
	case types.Int16:
		return math.MaxInt16
	case types.Int32:
		return math.MaxInt32
	case types.Numeric:
		if d := t.Precision - t.Scale; d < 19 {
			return int64(math.Pow10(int(d))) - 1
		}
	}
	return math.MaxInt64
}

// typeMin is the smallest integer a column of type t holds.
func typeMin(t types.T) int64 {
	switch t.Family {
	case types.Int16:
		return math.MinInt16
	case types.Int32:
		return math.MinInt32
	case types.Numeric:
		return -typeMax(t)
	}
	return math.MinInt64
}

// unitsMax is the largest NUMERIC of type t in units of its scale, capped
// at what an int64 holds.
func unitsMax(t types.T) int64 {
	if t.Precision < 19 {
		return int64(math.Pow10(int(t.Precision))) - 1
	}
	return math.MaxInt64
}

// nameSeed is a column's default seed: an FNV-1a hash of its lower-case name.
func nameSeed(name string) int64 {
	h := uint64(14695981039346656037)
	for _, c := range []byte(strings.ToLower(name)) {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return int64(h)
}

// parseField applies a column's fields.<col>.* properties to f.
func parseField(c types.Column, f Field, props map[string]string) (Field, error) {
	key := func(p string) string { return "fields." + c.Name + "." + p }
	if v, ok := props["kind"]; ok {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "random":
			f.Kind = Random
		case "sequence":
			f.Kind = Sequence
			switch t := c.Type; {
			case t.IsInteger(), t.IsFloat(), t.Family == types.Numeric, t.Family == types.Text:
			default:
				return f, bad(key("kind"), "column %q of type %s cannot be a sequence", c.Name, t.SQL())
			}
		case "constant":
			f.Kind = Constant
			v, ok := props["value"]
			if !ok {
				return f, bad(key("value"), "a constant column needs %s", key("value"))
			}
			f.Value = v
			var err error
			switch t := c.Type; {
			case t.IsInteger():
				f.ConstInt, err = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
				if err == nil && (f.ConstInt < typeMin(t) || f.ConstInt > typeMax(t)) {
					err = fmt.Errorf("out of range for %s", t.SQL())
				}
			case t.IsFloat():
				f.ConstFloat, err = strconv.ParseFloat(strings.TrimSpace(v), 64)
			case t.Family == types.Bool:
				f.ConstBool, err = strconv.ParseBool(strings.TrimSpace(v))
			case t.Family == types.Text:
			default:
				return f, bad(key("kind"), "column %q of type %s cannot be a constant (integer, floating-point, boolean or text columns can)", c.Name, t.SQL())
			}
			if err != nil {
				return f, bad(key("value"), "%s must be a value of type %s, not %q", key("value"), c.Type.SQL(), v)
			}
		default:
			return f, bad(key("kind"), "%s must be 'sequence', 'random' or 'constant', not %q", key("kind"), v)
		}
	}
	if _, ok := props["value"]; ok && f.Kind != Constant {
		return f, bad(key("value"), "%s applies only to constant columns", key("value"))
	}
	only := func(p string, k Kind, what string) error {
		if _, ok := props[p]; ok && f.Kind != k {
			return bad(key(p), "%s applies only to %s columns", key(p), what)
		}
		return nil
	}
	for _, p := range []string{"start", "end"} {
		if err := only(p, Sequence, "sequence"); err != nil {
			return f, err
		}
	}
	for _, p := range []string{"min", "max", "length"} {
		if err := only(p, Random, "random"); err != nil {
			return f, err
		}
	}
	if v, ok := props["seed"]; ok {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return f, bad(key("seed"), "%s must be an integer, not %q", key("seed"), v)
		}
		f.Seed = n
	}
	if f.Kind == Sequence {
		lo, hi := typeMin(c.Type), typeMax(c.Type)
		for _, p := range []string{"start", "end"} {
			v, ok := props[p]
			if !ok {
				continue
			}
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil || n < lo || n > hi {
				return f, bad(key(p), "%s must be an integer between %d and %d, not %q", key(p), lo, hi, v)
			}
			if p == "start" {
				f.Start = n
			} else {
				f.End = n
			}
		}
		if f.Start > f.End {
			return f, bad(key("end"), "%s (%d) is before the start (%d)", key("end"), f.End, f.Start)
		}
		return f, nil
	}
	if v, ok := props["length"]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if c.Type.Family != types.Text {
			return f, bad(key("length"), "%s applies only to VARCHAR columns", key("length"))
		}
		if err != nil || n < 0 || n > MaxLength {
			return f, bad(key("length"), "%s must be an integer between 0 and %d, not %q", key("length"), MaxLength, v)
		}
		f.Length = n
	}
	for _, p := range []string{"min", "max"} {
		v, ok := props[p]
		if !ok {
			continue
		}
		if err := parseBound(c.Type, &f, p, strings.TrimSpace(v), key(p)); err != nil {
			return f, err
		}
	}
	if f.Min > f.Max || f.MinFloat > f.MaxFloat {
		return f, bad(key("max"), "%s is below %s", key("max"), key("min"))
	}
	return f, nil
}

// parseBound sets the min or max (p) of a random column of type t from v.
func parseBound(t types.T, f *Field, p, v, key string) error {
	set := func(n int64) {
		if p == "min" {
			f.Min = n
		} else {
			f.Max = n
		}
	}
	switch {
	case t.IsInteger():
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < typeMin(t) || n > typeMax(t) {
			return bad(key, "%s must be an integer between %d and %d, not %q", key, typeMin(t), typeMax(t), v)
		}
		set(n)
	case t.IsFloat():
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return bad(key, "%s must be a finite number, not %q", key, v)
		}
		if p == "min" {
			f.MinFloat = x
		} else {
			f.MaxFloat = x
		}
	case t.Family == types.Numeric:
		n, err := decimal128.FromString(v, t.Precision, t.Scale)
		if err != nil || !fitsInt64(n) {
			return bad(key, "%s must be a number that fits %s, not %q", key, t.SQL(), v)
		}
		set(int64(n.LowBits()))
	case t.Family == types.Date:
		d, err := time.Parse("2006-01-02", v)
		if err != nil {
			return bad(key, "%s must be a date (YYYY-MM-DD), not %q", key, v)
		}
		set(floorDiv(d.Unix(), 86400))
	case t.Family == types.Timestamp || t.Family == types.TimestampTZ:
		ts, err := parseTimestamp(v)
		if err != nil {
			return bad(key, "%s must be a timestamp (YYYY-MM-DD HH:MM:SS[.ffffff][+zone]), not %q", key, v)
		}
		set(ts.UnixMicro())
	default:
		return bad(key, "%s applies only to number, date and timestamp columns", key)
	}
	return nil
}

func fitsInt64(n decimal128.Num) bool {
	hi, lo := n.HighBits(), n.LowBits()
	return (hi == 0 && lo <= math.MaxInt64) || (hi == -1 && lo > math.MaxInt64)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// parseTimestamp reads a timestamp literal; without a zone it is UTC.
func parseTimestamp(v string) (time.Time, error) {
	var err error
	for _, layout := range []string{"2006-01-02 15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		var t time.Time
		if t, err = time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, err
}

func bad(key, format string, args ...any) error {
	e := sqlstate.Errorf(sqlstate.InvalidParameterValue, format, args...)
	return e.WithDetail("option: " + key)
}
