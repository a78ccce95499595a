package pgcopy

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/weir-stream/weir/exec/connector/format"
	"github.com/weir-stream/weir/sql/session"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// badCopyFileFormat is Postgres' 22P04, for data that does not fit the
// format or the columns.
const badCopyFileFormat = "22P04"

// Decoder decodes the text or CSV data of one COPY FROM STDIN into a
// RowBuilder whose schema is the columns the COPY loads, in order. Write
// takes the data as it arrives; a record may span calls. Close ends the
// data. A Decoder is used by one goroutine.
type Decoder struct {
	opts  session.CopyOptions
	table string
	b     *format.RowBuilder

	pending []byte // the start of a record whose end has not arrived
	line    int    // the lines read so far
	header  bool   // the header line is still to come
	ended   bool   // the end-of-data marker \. was read

	fields  [][]byte
	nulls   []bool
	scratch []byte
}

// NewDecoder returns a Decoder of data in opts' format for COPY into table,
// appending rows to b; a NULL in a column of b's schema that is not
// Nullable fails with 23502.
func NewDecoder(opts session.CopyOptions, table string, b *format.RowBuilder) *Decoder {
	n := len(b.Schema())
	return &Decoder{opts: opts, table: table, b: b, header: opts.Header,
		fields: make([][]byte, n), nulls: make([]bool, n)}
}

// Write decodes the complete records of data (after what earlier calls
// left over) and keeps the incomplete rest. data is not retained.
func (d *Decoder) Write(data []byte) error {
	src := data
	if len(d.pending) > 0 {
		d.pending = append(d.pending, data...)
		src = d.pending
	}
	for len(src) > 0 && !d.ended {
		end := d.recordEnd(src)
		if end < 0 {
			break
		}
		if err := d.record(src[:end]); err != nil {
			return err
		}
		src = src[end+1:]
	}
	if d.ended {
		src = nil
	}
	if len(d.pending) > 0 {
		// src is the tail of pending: move it to the front.
		d.pending = d.pending[:copy(d.pending, src)]
	} else {
		d.pending = append(d.pending, src...)
	}
	return nil
}

// Close decodes a last record that has no line break after it.
func (d *Decoder) Close() error {
	if len(d.pending) > 0 && !d.ended {
		if d.opts.Format == "csv" && d.recordEnd(append(d.pending, '\n')) < 0 {
			d.line++
			return d.errLine(sqlstate.Errorf(badCopyFileFormat, "unterminated CSV quoted field"), bytes.TrimRight(d.pending, "\r\n"))
		}
		rec := d.pending
		d.pending = nil
		return d.record(rec)
	}
	return nil
}

// recordEnd returns the index of the line break that ends the first
// record of src, or -1 when it has not arrived. A CSV record's quoted
// fields may hold line breaks.
func (d *Decoder) recordEnd(src []byte) int {
	if d.opts.Format != "csv" {
		return bytes.IndexByte(src, '\n')
	}
	q, esc := d.opts.Quote, d.opts.Escape
	in := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case in && c == esc && esc != q:
			i++ // the escaped character
		case c == q:
			in = !in
		case c == '\n' && !in:
			return i
		}
	}
	return -1
}

// record decodes one record (its line break removed).
func (d *Decoder) record(rec []byte) error {
	d.line += 1 + bytes.Count(rec, []byte{'\n'})
	if n := len(rec); n > 0 && rec[n-1] == '\r' {
		rec = rec[:n-1]
	}
	if string(rec) == `\.` {
		d.ended = true
		return nil
	}
	if d.header && !d.opts.HeaderMatch {
		// A header is skipped unread, whatever it holds.
		d.header = false
		return nil
	}
	var err error
	if d.opts.Format == "csv" {
		err = d.splitCSV(rec)
	} else {
		err = d.splitText(rec)
	}
	if err != nil {
		return d.errLine(err, rec)
	}
	if d.header {
		d.header = false
		return d.checkHeader(rec)
	}
	for i, c := range d.b.Schema() {
		if d.nulls[i] && !c.Nullable {
			return d.errLine(sqlstate.Errorf(sqlstate.NotNullViolation,
				"null value in column \"%s\" of relation \"%s\" violates not-null constraint", c.Name, d.table), rec)
		}
	}
	if err := d.b.AppendFields(d.fields, d.nulls); err != nil {
		var fe *format.FieldError
		if errors.As(err, &fe) {
			for i, c := range d.b.Schema() {
				if c.Name == fe.Column {
					return sqlstate.From(fe.Err).WithWhere(fmt.Sprintf("COPY %s, line %d, column %s: \"%s\"", d.table, d.line, fe.Column, d.fields[i]))
				}
			}
		}
		return d.errLine(err, rec)
	}
	return nil
}

// checkHeader checks the header line's names under HEADER MATCH.
func (d *Decoder) checkHeader(rec []byte) error {
	for i, c := range d.b.Schema() {
		got := string(d.fields[i])
		if d.nulls[i] {
			return d.errLine(sqlstate.Errorf(badCopyFileFormat, "column name mismatch in header line field %d: got null value (\"%s\"), expected \"%s\"", i+1, d.opts.Null, c.Name), rec)
		}
		if got != c.Name {
			return d.errLine(sqlstate.Errorf(badCopyFileFormat, "column name mismatch in header line field %d: got \"%s\", expected \"%s\"", i+1, got, c.Name), rec)
		}
	}
	return nil
}

// errLine gives err the CONTEXT of the line rec.
func (d *Decoder) errLine(err error, rec []byte) error {
	return sqlstate.From(err).WithWhere(fmt.Sprintf("COPY %s, line %d: \"%s\"", d.table, d.line, rec))
}

// field stores the k-th field of a record; it fails when the record has
// more fields than columns.
func (d *Decoder) field(k int, v []byte, null bool) error {
	if k >= len(d.fields) {
		return sqlstate.Errorf(badCopyFileFormat, "extra data after last expected column")
	}
	d.fields[k], d.nulls[k] = v, null
	return nil
}

// fieldsDone fails when a record had fewer fields than columns.
func (d *Decoder) fieldsDone(k int) error {
	if k < len(d.fields) {
		return sqlstate.Errorf(badCopyFileFormat, "missing data for column \"%s\"", d.b.Schema()[k].Name)
	}
	return nil
}

// splitText splits a record of the text format into fields, undoing its
// backslash escapes: \b \f \n \r \t \v, octal \ddd, hexadecimal \xhh, and
// a backslash before any other character stands for that character. A
// field is NULL when its text as written is the NULL string.
func (d *Decoder) splitText(rec []byte) error {
	if cap(d.scratch) < len(rec) {
		d.scratch = make([]byte, 0, 2*len(rec))
	}
	d.scratch = d.scratch[:0]
	delim := d.opts.Delimiter
	k := 0
	start := 0
	escaped := false
	for i := 0; ; i++ {
		if i < len(rec) && rec[i] == '\\' {
			escaped = true
			i++
			continue
		}
		if i < len(rec) && rec[i] != delim {
			continue
		}
		raw := rec[start:min(i, len(rec))]
		v := raw
		null := string(raw) == d.opts.Null
		if escaped && !null {
			v = d.unescape(raw)
		}
		if err := d.field(k, v, null); err != nil {
			return err
		}
		k++
		if i >= len(rec) {
			break
		}
		start, escaped = i+1, false
	}
	return d.fieldsDone(k)
}

// unescape appends raw without its escapes to the scratch space, which
// never grows (a field only shrinks), and returns it.
func (d *Decoder) unescape(raw []byte) []byte {
	at := len(d.scratch)
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' || i+1 >= len(raw) {
			d.scratch = append(d.scratch, c)
			continue
		}
		i++
		c = raw[i]
		switch c {
		case 'b':
			c = '\b'
		case 'f':
			c = '\f'
		case 'n':
			c = '\n'
		case 'r':
			c = '\r'
		case 't':
			c = '\t'
		case 'v':
			c = '\v'
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := int(c - '0')
			for n := 1; n < 3 && i+1 < len(raw) && raw[i+1] >= '0' && raw[i+1] <= '7'; n++ {
				i++
				v = v*8 + int(raw[i]-'0')
			}
			c = byte(v)
		case 'x':
			if i+1 < len(raw) && isHex(raw[i+1]) {
				i++
				v := hexVal(raw[i])
				if i+1 < len(raw) && isHex(raw[i+1]) {
					i++
					v = v*16 + hexVal(raw[i])
				}
				c = byte(v)
			}
		}
		d.scratch = append(d.scratch, c)
	}
	return d.scratch[at:len(d.scratch):len(d.scratch)]
}

func isHex(c byte) bool { return strings.IndexByte("0123456789abcdefABCDEF", c) >= 0 }

func hexVal(c byte) int {
	switch {
	case c >= 'a':
		return int(c-'a') + 10
	case c >= 'A':
		return int(c-'A') + 10
	}
	return int(c - '0')
}

// splitCSV splits a CSV record into fields: a quoted field may hold the
// delimiter and line breaks, and the escape character before the quote or
// itself stands for it (with the default escape, a doubled quote is one).
// A field is NULL when it is unquoted and its text is the NULL string.
func (d *Decoder) splitCSV(rec []byte) error {
	if cap(d.scratch) < len(rec) {
		d.scratch = make([]byte, 0, 2*len(rec))
	}
	d.scratch = d.scratch[:0]
	delim, q, esc := d.opts.Delimiter, d.opts.Quote, d.opts.Escape
	k := 0
	i := 0
	for {
		start := i
		quoted := false
		at := len(d.scratch)
		for i < len(rec) && rec[i] != delim {
			c := rec[i]
			if c != q {
				d.scratch = append(d.scratch, c)
				i++
				continue
			}
			quoted = true
			i++
			closed := false
			for i < len(rec) {
				c = rec[i]
				if c == esc && i+1 < len(rec) && (rec[i+1] == q || rec[i+1] == esc) {
					d.scratch = append(d.scratch, rec[i+1])
					i += 2
					continue
				}
				if c == q {
					closed = true
					i++
					break
				}
				d.scratch = append(d.scratch, c)
				i++
			}
			if !closed {
				return sqlstate.Errorf(badCopyFileFormat, "unterminated CSV quoted field")
			}
		}
		v := d.scratch[at:len(d.scratch):len(d.scratch)]
		null := !quoted && string(rec[start:i]) == d.opts.Null
		if err := d.field(k, v, null); err != nil {
			return err
		}
		k++
		if i >= len(rec) {
			break
		}
		i++ // the delimiter
	}
	return d.fieldsDone(k)
}
