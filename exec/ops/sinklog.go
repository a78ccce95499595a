package ops

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/statestore"
)

// SinkEncoder turns the changes of a chunk into the records a sink writes
// (JSON or CSV values, upsert keys, tombstones, change envelopes). emit's
// slices are only valid during the call.
type SinkEncoder interface {
	Encode(c exec.Chunk, emit func(key, value []byte)) error
}

// SinkLog is the last operator of a sink's dataflow: it encodes every change
// into sink records and, at each barrier, writes the epoch's records into
// its state table, in the same commit as the epoch's source positions. The
// engine delivers them from there (see exec.SinkWriter) and deletes them
// once the destination holds them, so a crash between the two neither loses
// nor repeats an epoch.
//
// The log's keys are table | vnode 0 | epoch (8 bytes, big-endian) | sequence
// number in the epoch (4 bytes); values are EncodeSinkRecord's. A SinkLog
// is used by one goroutine at a time (the runtime's contract).
type SinkLog struct {
	enc   SinkEncoder
	table statestore.TableID

	arena []byte // the epoch's encoded records, back to back
	ends  []int  // the end of each record in arena
}

// NewSinkLog returns the log operator of a sink whose records enc encodes
// and table keeps.
func NewSinkLog(enc SinkEncoder, table statestore.TableID) *SinkLog {
	return &SinkLog{enc: enc, table: table}
}

// ProcessChunk implements exec.Operator: it encodes c's changes.
func (s *SinkLog) ProcessChunk(_ context.Context, _ int, c exec.Chunk, _ exec.Output) error {
	return s.enc.Encode(c, func(key, value []byte) {
		s.arena = EncodeSinkRecord(s.arena, key, value)
		s.ends = append(s.ends, len(s.arena))
	})
}

// OnBarrier implements exec.BarrierHandler: it writes the epoch's records.
func (s *SinkLog) OnBarrier(_ context.Context, b exec.Barrier, w exec.StateWriter, _ exec.Output) error {
	if len(s.ends) > 1<<32-1 {
		return sqlstate.Errorf(sqlstate.Internal, "sink: more than 2^32 records in epoch %d", b.Epoch)
	}
	start := 0
	var key []byte
	for i, end := range s.ends {
		key = SinkLogKey(key[:0], s.table, b.Epoch, uint32(i))
		if err := w.Set(key, s.arena[start:end]); err != nil {
			return err
		}
		start = end
	}
	s.arena, s.ends = s.arena[:0], s.ends[:0]
	return nil
}

// SinkLogKey appends the log key of record seq of epoch to dst.
func SinkLogKey(dst []byte, table statestore.TableID, epoch exec.Epoch, seq uint32) []byte {
	dst = statestore.AppendKey(dst, table, 0, nil)
	dst = binary.BigEndian.AppendUint64(dst, uint64(epoch))
	return binary.BigEndian.AppendUint32(dst, seq)
}

// SinkLogEpochStart returns the first log key of epoch: the log keys of
// the epochs before it sort before it.
func SinkLogEpochStart(table statestore.TableID, epoch exec.Epoch) []byte {
	return binary.BigEndian.AppendUint64(statestore.AppendKey(nil, table, 0, nil), uint64(epoch))
}

// SinkLogEpoch returns the epoch of a log key.
func SinkLogEpoch(key []byte) (exec.Epoch, error) {
	if len(key) != statestore.KeyPrefixLen+12 {
		return 0, fmt.Errorf("sink log: key %x has %d bytes", key, len(key))
	}
	return exec.Epoch(binary.BigEndian.Uint64(key[statestore.KeyPrefixLen:])), nil
}

// EncodeSinkRecord appends a record to dst: a flags byte (1: has a key,
// 2: has a value), then for each part present its length (uvarint) and
// bytes.
func EncodeSinkRecord(dst, key, value []byte) []byte {
	var flags byte
	if key != nil {
		flags |= 1
	}
	if value != nil {
		flags |= 2
	}
	dst = append(dst, flags)
	if key != nil {
		dst = append(binary.AppendUvarint(dst, uint64(len(key))), key...)
	}
	if value != nil {
		dst = append(binary.AppendUvarint(dst, uint64(len(value))), value...)
	}
	return dst
}

// DecodeSinkRecord decodes what EncodeSinkRecord wrote; the record's
// slices alias src.
func DecodeSinkRecord(src []byte) (exec.SinkRecord, error) {
	var r exec.SinkRecord
	if len(src) == 0 {
		return r, fmt.Errorf("sink log: empty record")
	}
	flags, src := src[0], src[1:]
	part := func() ([]byte, error) {
		n, k := binary.Uvarint(src)
		if k <= 0 || uint64(len(src)-k) < n {
			return nil, fmt.Errorf("sink log: truncated record")
		}
		p := src[k : k+int(n) : k+int(n)]
		src = src[k+int(n):]
		return p, nil
	}
	var err error
	if flags&1 != 0 {
		if r.Key, err = part(); err != nil {
			return r, err
		}
	}
	if flags&2 != 0 {
		if r.Value, err = part(); err != nil {
			return r, err
		}
	}
	if len(src) != 0 || flags > 3 {
		return r, fmt.Errorf("sink log: malformed record")
	}
	return r, nil
}
