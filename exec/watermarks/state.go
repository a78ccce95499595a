package watermarks

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"time"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/statestore"
)

// The keys of a source's state table (vnode 0) that this package writes,
// beside the connector's position under "offset" and the dead letters
// under "dlq/":
//
//	wm         the splits and the watermark (encodeState)
//	late/<seq> a late row (8-byte big-endian seq; encodeLateRow)
//	lateseq    the next late row's seq, in decimal
func stateKey(t statestore.TableID) []byte {
	return statestore.AppendKey(nil, t, 0, []byte("wm"))
}

func latePrefix(t statestore.TableID) []byte {
	return statestore.AppendKey(nil, t, 0, []byte("late/"))
}

func lateKey(prefix []byte, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(nil), prefix...), seq)
}

func lateSeqKey(t statestore.TableID) []byte {
	return statestore.AppendKey(nil, t, 0, []byte("lateseq"))
}

// encodeState is the value of the wm key: a flag byte (1: there is a
// watermark), the watermark (8 bytes), then per split its id (4), a flag
// byte (1: it has a value) and its value (8), all big-endian.
func (s *generator) encodeState() []byte {
	v := make([]byte, 0, 9+13*len(s.splits))
	v = append(v, boolByte(s.has))
	v = binary.BigEndian.AppendUint64(v, uint64(s.wm))
	for id, sp := range s.splits {
		v = binary.BigEndian.AppendUint32(v, uint32(id))
		v = append(v, boolByte(sp.has))
		v = binary.BigEndian.AppendUint64(v, uint64(sp.max))
	}
	return v
}

// decodeState reverses encodeState.
func (s *generator) decodeState(v []byte) error {
	if len(v) < 9 || (len(v)-9)%13 != 0 {
		return fmt.Errorf("%d bytes", len(v))
	}
	s.has, s.wm = v[0] == 1, int64(binary.BigEndian.Uint64(v[1:]))
	s.splits = map[int32]*split{}
	for p := v[9:]; len(p) > 0; p = p[13:] {
		s.splits[int32(binary.BigEndian.Uint32(p))] = &split{has: p[4] == 1, max: int64(binary.BigEndian.Uint64(p[5:]))}
	}
	return nil
}

// restoreSeq reads the next late row's seq.
func (s *generator) restoreSeq(r exec.StateReader) error {
	v, ok, err := r.Get(lateSeqKey(s.spec.Table))
	if err != nil || !ok {
		return err
	}
	s.seq, err = strconv.ParseUint(string(v), 10, 64)
	return err
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// encodeLateRow is the value of a late row: split (4 bytes), value (8),
// watermark (8), time in µs (8), then the row's text.
func encodeLateRow(r LateRow) []byte {
	v := make([]byte, 0, 28+len(r.Row))
	v = binary.BigEndian.AppendUint32(v, uint32(r.Split))
	v = binary.BigEndian.AppendUint64(v, uint64(r.Value))
	v = binary.BigEndian.AppendUint64(v, uint64(r.Watermark))
	v = binary.BigEndian.AppendUint64(v, uint64(r.At.UnixMicro()))
	return append(v, r.Row...)
}

// decodeLateRow reverses encodeLateRow.
func decodeLateRow(seq uint64, v []byte) (LateRow, error) {
	if len(v) < 28 {
		return LateRow{}, fmt.Errorf("late row of %d bytes is too short", len(v))
	}
	return LateRow{
		Seq:       seq,
		Split:     int32(binary.BigEndian.Uint32(v)),
		Value:     int64(binary.BigEndian.Uint64(v[4:])),
		Watermark: int64(binary.BigEndian.Uint64(v[12:])),
		At:        time.UnixMicro(int64(binary.BigEndian.Uint64(v[20:]))).UTC(),
		Row:       string(v[28:]),
	}, nil
}

// LateRows calls fn with each late row kept in the source state table
// table, oldest first, until fn returns false.
func LateRows(r exec.StateReader, table statestore.TableID, fn func(LateRow) bool) error {
	prefix := latePrefix(table)
	return r.Scan(prefix, statestore.PrefixEnd(prefix), func(k, v []byte) (bool, error) {
		if len(k) != len(prefix)+8 {
			return true, nil
		}
		row, err := decodeLateRow(binary.BigEndian.Uint64(k[len(prefix):]), v)
		if err != nil {
			return false, err
		}
		return fn(row), nil
	})
}
