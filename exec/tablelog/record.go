package tablelog

import (
	"encoding/binary"
	"errors"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// Changes is what one record says of one table: its changes as encoded
// rows (statestore.AppendRow of every column, hidden ones included) with
// their ops.
type Changes struct {
	Table statestore.TableID
	Ops   []exec.Op
	Rows  [][]byte
}

// Encode returns the changes chunks make to table, whose rows have the
// column types ts, as the log keeps them. The rows share one buffer, sized
// from the first row's length, and the slices are sized once: a COPY's
// chunks encode without growing a slice per row.
func Encode(table statestore.TableID, ts []types.T, chunks []exec.Chunk) Changes {
	n := 0
	for _, ch := range chunks {
		n += ch.NumRows()
	}
	c := Changes{Table: table, Ops: make([]exec.Op, 0, n), Rows: make([][]byte, 0, n)}
	if n == 0 {
		return c
	}
	var buf []byte
	ends := make([]int, 0, n)
	var enc []statestore.ValueEncoder
	for _, ch := range chunks {
		if ch.NumRows() == 0 {
			continue
		}
		// Each column's encoder, its type dispatched once for the chunk:
		// the row is statestore.AppendRow's encoding.
		enc = enc[:0]
		for j := 0; j < int(ch.Batch.NumCols()); j++ {
			enc = append(enc, statestore.NewValueEncoder(ts[j], ch.Batch.Column(j)))
		}
		for i := 0; i < ch.NumRows(); i++ {
			for _, e := range enc {
				buf = e(buf, i)
			}
			if len(ends) == 0 {
				// The first row's length, with an eighth spare, estimates the rest.
				grown := make([]byte, len(buf), len(buf)+(len(buf)+len(buf)/8+1)*(n-1))
				copy(grown, buf)
				buf = grown
			}
			ends = append(ends, len(buf))
			c.Ops = append(c.Ops, ch.OpAt(i))
		}
	}
	start := 0
	for _, end := range ends {
		c.Rows = append(c.Rows, buf[start:end:end])
		start = end
	}
	return c
}

// Truncated returns the first n changes of c: those a statement applied
// before it failed.
func (c Changes) Truncated(n int) Changes {
	c.Ops, c.Rows = c.Ops[:n], c.Rows[:n]
	return c
}

// EncodeRecord is a record's payload: per table, its id, its number of
// rows, and per row the op and the encoded row with its length
// (docs/format/table-log.md).
func EncodeRecord(parts []Changes) []byte {
	size := binary.MaxVarintLen64
	for _, p := range parts {
		size += 2 * binary.MaxVarintLen64
		for _, row := range p.Rows {
			size += 1 + uvarintLen(uint64(len(row))) + len(row)
		}
	}
	b := make([]byte, 0, size)
	b = binary.AppendUvarint(b, uint64(len(parts)))
	for _, p := range parts {
		b = binary.AppendUvarint(b, uint64(p.Table))
		b = binary.AppendUvarint(b, uint64(len(p.Rows)))
		for i, row := range p.Rows {
			b = append(b, byte(p.Ops[i]))
			b = binary.AppendUvarint(b, uint64(len(row)))
			b = append(b, row...)
		}
	}
	return b
}

// uvarintLen is the length of v's binary.AppendUvarint encoding.
func uvarintLen(v uint64) int {
	n := 1
	for ; v >= 0x80; v >>= 7 {
		n++
	}
	return n
}

// ErrBadRecord is returned for a payload that does not decode.
var ErrBadRecord = errors.New("table write log: malformed record")

// DecodeRecord reverses EncodeRecord. The rows it returns share b's
// memory.
func DecodeRecord(b []byte) ([]Changes, error) {
	uv := func() (uint64, error) {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, ErrBadRecord
		}
		b = b[n:]
		return v, nil
	}
	n, err := uv()
	if err != nil {
		return nil, err
	}
	var parts []Changes
	for ; n > 0; n-- {
		id, err := uv()
		if err != nil {
			return nil, err
		}
		rows, err := uv()
		if err != nil || rows > uint64(len(b)) {
			return nil, ErrBadRecord
		}
		p := Changes{Table: statestore.TableID(id)}
		for ; rows > 0; rows-- {
			if len(b) == 0 {
				return nil, ErrBadRecord
			}
			op := exec.Op(b[0])
			b = b[1:]
			l, err := uv()
			if err != nil || l > uint64(len(b)) {
				return nil, ErrBadRecord
			}
			p.Ops = append(p.Ops, op)
			p.Rows = append(p.Rows, b[:l:l])
			b = b[l:]
		}
		parts = append(parts, p)
	}
	return parts, nil
}
