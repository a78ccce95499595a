package format

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/weir-stream/weir/sql/types"
)

// CSVDecoder decodes CSV records, one per line (a quoted field cannot span
// lines). Fields are separated by Delimiter; a field that starts with a
// double quote is quoted, and a doubled quote inside it stands for one. An
// empty unquoted field is NULL; a quoted empty field ("") is the empty
// string. A trailing carriage return is ignored.
//
// Columns maps the i-th field of a record to a column of the RowBuilder's
// schema (-1: the field is ignored); nil means field i is column i and a
// record has exactly one field per column. A CSVDecoder is used by one
// goroutine.
type CSVDecoder struct {
	Delimiter rune
	Columns   []int

	fields [][]byte
	quoted []bool
	buf    []byte
}

// Split splits line into its fields. The returned slices alias line or the
// decoder's scratch space and are valid until the next call.
func (d *CSVDecoder) Split(line []byte) ([][]byte, []bool, error) {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	delim := d.Delimiter
	if delim == 0 {
		delim = ','
	}
	var dbuf [utf8.UTFMax]byte
	dl := utf8.EncodeRune(dbuf[:], delim)
	sep := dbuf[:dl]
	d.fields, d.quoted, d.buf = d.fields[:0], d.quoted[:0], d.buf[:0]
	// Quoted fields are unescaped into buf; remember offsets and fix up the
	// slices at the end because buf may grow.
	type span struct{ start, end int }
	var spans [64]span
	unq := spans[:0]
	i := 0
	for {
		if i < len(line) && line[i] == '"' {
			start := len(d.buf)
			i++
			closed := false
			for i < len(line) {
				c := line[i]
				if c == '"' {
					if i+1 < len(line) && line[i+1] == '"' {
						d.buf = append(d.buf, '"')
						i += 2
						continue
					}
					i++
					closed = true
					break
				}
				d.buf = append(d.buf, c)
				i++
			}
			if !closed {
				return nil, nil, errors.New("unterminated quoted field")
			}
			d.fields = append(d.fields, nil)
			d.quoted = append(d.quoted, true)
			unq = append(unq, span{start, len(d.buf)})
			if i == len(line) {
				break
			}
			if !hasPrefix(line[i:], sep) {
				return nil, nil, errors.New("unexpected character after quoted field")
			}
			i += dl
			continue
		}
		j := indexSep(line[i:], sep)
		if j < 0 {
			d.fields = append(d.fields, line[i:])
			d.quoted = append(d.quoted, false)
			unq = append(unq, span{-1, -1})
			break
		}
		d.fields = append(d.fields, line[i:i+j])
		d.quoted = append(d.quoted, false)
		unq = append(unq, span{-1, -1})
		i += j + dl
	}
	for k, sp := range unq {
		if sp.start >= 0 {
			d.fields[k] = d.buf[sp.start:sp.end:sp.end]
		}
	}
	return d.fields, d.quoted, nil
}

func hasPrefix(b, p []byte) bool {
	return len(b) >= len(p) && string(b[:len(p)]) == string(p)
}

func indexSep(b, sep []byte) int {
	if len(sep) == 1 {
		for i, c := range b {
			if c == sep[0] {
				return i
			}
		}
		return -1
	}
	return strings.Index(string(b), string(sep))
}

// Decode parses one CSV record and appends it to b. On error nothing is
// appended.
func (d *CSVDecoder) Decode(line []byte, b *RowBuilder) error {
	fields, quoted, err := d.Split(line)
	if err != nil {
		return err
	}
	if d.Columns == nil && len(fields) != len(b.schema) {
		return fmt.Errorf("expected %d fields, got %d", len(b.schema), len(fields))
	}
	if d.Columns != nil && len(fields) != len(d.Columns) {
		return fmt.Errorf("expected %d fields, got %d", len(d.Columns), len(fields))
	}
	for i := range b.vals {
		b.vals[i].null = true
	}
	for k, f := range fields {
		col := k
		if d.Columns != nil {
			col = d.Columns[k]
			if col < 0 {
				continue
			}
		}
		c := b.schema[col]
		v := &b.vals[col]
		if len(f) == 0 && !quoted[k] {
			v.null = true
			continue
		}
		if err := parseText(c.Type, f, v); err != nil {
			return &FieldError{Column: c.Name, Err: err}
		}
	}
	if err := checkNotNull(b); err != nil {
		return err
	}
	b.commit()
	return nil
}

func checkNotNull(b *RowBuilder) error {
	for i, c := range b.schema {
		if !c.Nullable && b.vals[i].null {
			return &FieldError{Column: c.Name, Err: errNull}
		}
	}
	return nil
}

// HeaderColumns maps the fields of a CSV header to the columns of schema:
// by name (case-insensitively) when every column is named in the header,
// in which case fields naming no column are ignored; otherwise nil (fields
// are columns in order).
func HeaderColumns(header [][]byte, schema types.Schema) []int {
	cols := make([]int, len(header))
	found := make([]bool, len(schema))
	for k, h := range header {
		cols[k] = -1
		name := strings.TrimSpace(string(h))
		for i, c := range schema {
			if !found[i] && strings.EqualFold(c.Name, name) {
				cols[k] = i
				found[i] = true
				break
			}
		}
	}
	for _, f := range found {
		if !f {
			return nil
		}
	}
	return cols
}
