package wire

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/sql/types"
)

// rowStream is the position of a client in a result's rows: the current
// batch (borrowed from the reader, valid until its next Next), its column
// encoders and the next row to send. A suspended portal keeps one between
// Execute messages. It does not own rd.
type rowStream struct {
	rd      array.RecordReader
	cols    types.Schema
	formats []int16 // per column; nil is all text

	batch arrow.RecordBatch
	encs  []columnEncoder
	next  int
	count int64 // rows sent so far
	done  bool
}

// close forgets the stream's batch; the reader is released by its owner.
func (rs *rowStream) close() {
	rs.batch = nil
	rs.encs = nil
}

// advance makes rs.batch a batch with unsent rows; it reports false at the
// end of the rows.
func (rs *rowStream) advance() (bool, error) {
	for rs.batch == nil || rs.next >= int(rs.batch.NumRows()) {
		if rs.rd == nil || !rs.rd.Next() {
			rs.batch, rs.encs = nil, nil
			if rs.rd != nil {
				if err := rs.rd.Err(); err != nil {
					return false, err
				}
			}
			return false, nil
		}
		b := rs.rd.RecordBatch()
		if int(b.NumCols()) != len(rs.cols) {
			return false, fmt.Errorf("wire: batch has %d columns, result has %d", b.NumCols(), len(rs.cols))
		}
		rs.encs = rs.encs[:0]
		for i, col := range rs.cols {
			f := formatText
			if i < len(rs.formats) {
				f = rs.formats[i]
			}
			enc, err := newColumnEncoder(b.Column(i), col.Type, f)
			if err != nil {
				return false, fmt.Errorf("column %q: %w", col.Name, err)
			}
			rs.encs = append(rs.encs, enc)
		}
		rs.batch, rs.next = b, 0
	}
	return true, nil
}

// sendRows sends up to max rows of rs as DataRow messages (all of them when
// max is 0); it returns how many it sent and whether the rows are exhausted.
// It checks ctx between batches. Unlike Postgres, which notices the end of
// a portal only on the Execute after it, sendRows looks one batch ahead, so
// a portal whose last row was just sent completes at once.
func (c *conn) sendRows(ctx context.Context, rs *rowStream, max int64) (int64, bool, error) {
	var sent int64
	for max == 0 || sent < max {
		if err := ctx.Err(); err != nil {
			return sent, false, err
		}
		ok, err := rs.advance()
		if err != nil {
			return sent, false, err
		}
		if !ok {
			rs.done = true
			return sent, true, nil
		}
		n := int(rs.batch.NumRows())
		for ; rs.next < n && (max == 0 || sent < max); rs.next++ {
			c.dataRow(rs.encs, rs.next)
			sent++
			rs.count++
		}
		if c.writeErr != nil {
			return sent, false, c.writeErr
		}
	}
	ok, err := rs.advance()
	if err != nil {
		return sent, false, err
	}
	rs.done = !ok
	return sent, rs.done, nil
}

// dataRow writes row i of the encoders' columns as one DataRow message.
func (c *conn) dataRow(encs []columnEncoder, i int) {
	b := append(c.wbuf[:0], 'D', 0, 0, 0, 0)
	b = binary.BigEndian.AppendUint16(b, uint16(len(encs)))
	for k := range encs {
		e := &encs[k]
		if e.isNull(i) {
			b = binary.BigEndian.AppendUint32(b, 0xFFFFFFFF)
			continue
		}
		at := len(b)
		b = append(b, 0, 0, 0, 0)
		b = e.put(b, i)
		binary.BigEndian.PutUint32(b[at:], uint32(len(b)-at-4))
	}
	binary.BigEndian.PutUint32(b[1:], uint32(len(b)-1))
	c.wbuf = b
	c.write(b)
}
