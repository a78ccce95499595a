package wire

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/weir-stream/weir/sql/session"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// copyIn is the connection's side of COPY FROM STDIN (session.CopyIn): it
// sends CopyInResponse and then reads the client's CopyData messages until
// CopyDone or CopyFail. After a failed COPY the client's remaining copy
// messages arrive outside COPY, where serve drops them, as Postgres does.
type copyIn struct {
	c   *conn
	bin *binaryCopy // set for the binary format
}

// Begin sends CopyInResponse for columns of the types in the format.
func (ci *copyIn) Begin(bin bool, columns []types.T) error {
	var format byte
	if bin {
		format = 1
		ci.bin = &binaryCopy{types: columns}
	}
	codes := make([]uint16, len(columns))
	for i := range codes {
		codes[i] = uint16(format)
	}
	ci.c.send(&pgproto3.CopyInResponse{OverallFormat: format, ColumnFormatCodes: codes})
	ci.c.flush()
	return ci.c.writeErr
}

// Next returns the data of the next CopyData message (in the binary
// format: the text lines of the tuples it completes), io.EOF at CopyDone,
// and 57014 at CopyFail. Flush and Sync are ignored, as in Postgres.
func (ci *copyIn) Next() ([]byte, error) {
	for {
		msg, err := ci.c.be.Receive()
		if err != nil {
			return nil, err
		}
		switch m := msg.(type) {
		case *pgproto3.CopyData:
			if ci.bin == nil {
				return m.Data, nil
			}
			text, err := ci.bin.transcode(m.Data)
			if err != nil || len(text) > 0 {
				return text, err
			}
		case *pgproto3.CopyDone:
			if ci.bin != nil {
				if err := ci.bin.finish(); err != nil {
					return nil, err
				}
			}
			return nil, io.EOF
		case *pgproto3.CopyFail:
			return nil, sqlstate.Errorf(sqlstate.QueryCanceled, "COPY from stdin failed: %s", m.Message)
		case *pgproto3.Flush, *pgproto3.Sync:
		default:
			return nil, sqlstate.Errorf(sqlstate.ProtocolViolation, "unexpected message type %T during COPY from stdin", msg)
		}
	}
}

// sendCopyOut sends the rows of a COPY … TO STDOUT: CopyOutResponse, one
// CopyData per row (and the header or the binary format's signature and
// trailer), CopyDone and the tag COPY n.
func (c *conn) sendCopyOut(ctx context.Context, res *session.Result) error {
	if res.Endless {
		c.following.Store(true)
		defer c.following.Store(false)
		if c.srv.isShutdown() {
			// The shutdown may have looked before the flag was set.
			c.cancelQuery()
		}
	}
	o := *res.CopyOut
	var format byte
	colFormat := formatText
	if o.Binary() {
		format, colFormat = 1, formatBinary
	}
	codes := make([]uint16, len(res.Columns))
	for i := range codes {
		codes[i] = uint16(format)
	}
	c.send(&pgproto3.CopyOutResponse{OverallFormat: format, ColumnFormatCodes: codes})
	formats := make([]int16, len(res.Columns))
	for i := range formats {
		formats[i] = colFormat
	}
	rs := rowStream{rd: res.Rows, cols: res.Columns, formats: formats}
	defer rs.close()
	var line, field []byte
	switch {
	case o.Binary():
		line = append(line, "PGCOPY\n\xff\r\n\x00"...)
		line = append(line, 0, 0, 0, 0, 0, 0, 0, 0)
		c.copyData(line)
	case o.Header:
		line = line[:0]
		for i, col := range res.Columns {
			if i > 0 {
				line = append(line, o.Delimiter)
			}
			line = appendCopyField(line, []byte(col.Name), o)
		}
		line = append(line, '\n')
		c.copyData(line)
	}
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		ok, err := rs.advance()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		rows := int(rs.batch.NumRows())
		for ; rs.next < rows; rs.next++ {
			line = line[:0]
			if o.Binary() {
				line = binary.BigEndian.AppendUint16(line, uint16(len(rs.encs)))
			}
			for k := range rs.encs {
				e := &rs.encs[k]
				if o.Binary() {
					if e.isNull(rs.next) {
						line = binary.BigEndian.AppendUint32(line, 0xFFFFFFFF)
						continue
					}
					at := len(line)
					line = append(line, 0, 0, 0, 0)
					line = e.put(line, rs.next)
					binary.BigEndian.PutUint32(line[at:], uint32(len(line)-at-4))
					continue
				}
				if k > 0 {
					line = append(line, o.Delimiter)
				}
				if e.isNull(rs.next) {
					line = append(line, o.Null...)
					continue
				}
				field = e.put(field[:0], rs.next)
				line = appendCopyField(line, field, o)
			}
			if !o.Binary() {
				line = append(line, '\n')
			}
			c.copyData(line)
			n++
		}
		// Each batch goes out as it is made: the rows of a SUBSCRIBE
		// come an epoch at a time and never end.
		c.flush()
		if c.writeErr != nil {
			return c.writeErr
		}
	}
	if o.Binary() {
		c.copyData([]byte{0xff, 0xff})
	}
	c.send(&pgproto3.CopyDone{})
	c.send(&pgproto3.CommandComplete{CommandTag: fmt.Appendf(nil, "COPY %d", n)})
	return c.writeErr
}

// copyData writes one CopyData message holding data.
func (c *conn) copyData(data []byte) {
	b := append(c.wbuf[:0], 'd', 0, 0, 0, 0)
	b = append(b, data...)
	binary.BigEndian.PutUint32(b[1:], uint32(len(b)-1))
	c.wbuf = b
	c.write(b)
}

// appendCopyField appends v, a value's text, as a field of COPY's text or
// CSV format: text escapes the backslash, the delimiter and the control
// characters; CSV quotes a field that holds the delimiter, the quote, a
// line break, or that reads as the NULL string, doubling its quotes (or
// prefixing them with the escape).
func appendCopyField(dst, v []byte, o session.CopyOptions) []byte {
	if o.Format != "csv" {
		for _, ch := range v {
			switch ch {
			case '\\':
				dst = append(dst, '\\', '\\')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				if o.Delimiter == '\t' {
					dst = append(dst, '\\', 't')
				} else {
					dst = append(dst, ch)
				}
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\v':
				dst = append(dst, '\\', 'v')
			default:
				if ch == o.Delimiter {
					dst = append(dst, '\\')
				}
				dst = append(dst, ch)
			}
		}
		return dst
	}
	quote := string(v) == o.Null || string(v) == `\.`
	for _, ch := range v {
		if ch == o.Delimiter || ch == o.Quote || ch == o.Escape || ch == '\n' || ch == '\r' {
			quote = true
			break
		}
	}
	if !quote {
		return append(dst, v...)
	}
	dst = append(dst, o.Quote)
	for _, ch := range v {
		if ch == o.Quote || ch == o.Escape {
			dst = append(dst, o.Escape)
		}
		dst = append(dst, ch)
	}
	return append(dst, o.Quote)
}
