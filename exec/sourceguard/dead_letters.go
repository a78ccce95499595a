package sourceguard

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/statestore"
)

// BadRecord is a record a source could not decode. Partition is -1 for
// sources without partitions; Offset is the connector's position of the
// record (a byte offset in a file, the offset in a Kafka partition).
type BadRecord struct {
	Partition int32
	Offset    int64
	Raw       []byte
	Err       string
	At        time.Time
}

// deadLetterSeqKey, under the dead-letter prefix, holds the next sequence
// number.
var deadLetterSeqKey = []byte("seq")

// deadLetterPrefix is where a source's state table holds its dead letters
// (its position is under "offset").
func deadLetterPrefix(table statestore.TableID) []byte {
	return statestore.AppendKey(nil, table, 0, []byte("dlq/"))
}

// deadLetterKey is the state key of dead letter seq under prefix.
func deadLetterKey(prefix []byte, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(nil), prefix...), seq)
}

// DeadLetters calls fn with each dead letter kept in the source state
// table table, in sequence order, until fn returns false. A letter whose
// value does not decode comes with the error why (and a zero BadRecord).
// rec.Raw is valid only during the call.
func DeadLetters(r exec.StateReader, table statestore.TableID, fn func(seq uint64, rec BadRecord, err error) bool) error {
	prefix := deadLetterPrefix(table)
	return r.Scan(prefix, statestore.PrefixEnd(prefix), func(k, v []byte) (bool, error) {
		if len(k) != len(prefix)+8 {
			return true, nil // the sequence counter
		}
		rec, err := decodeBadRecord(v)
		return fn(binary.BigEndian.Uint64(k[len(prefix):]), rec, err), nil
	})
}

// encodeBadRecord is the state value of a dead letter: partition (4 bytes),
// offset (8), time in µs (8), error length (4) and error, then the raw bytes.
func encodeBadRecord(r BadRecord) []byte {
	v := make([]byte, 0, 24+len(r.Err)+len(r.Raw))
	v = binary.BigEndian.AppendUint32(v, uint32(r.Partition))
	v = binary.BigEndian.AppendUint64(v, uint64(r.Offset))
	v = binary.BigEndian.AppendUint64(v, uint64(r.At.UnixMicro()))
	v = binary.BigEndian.AppendUint32(v, uint32(len(r.Err)))
	v = append(v, r.Err...)
	return append(v, r.Raw...)
}

// decodeBadRecord reverses encodeBadRecord.
func decodeBadRecord(v []byte) (BadRecord, error) {
	if len(v) < 24 {
		return BadRecord{}, fmt.Errorf("dead letter of %d bytes is too short", len(v))
	}
	r := BadRecord{
		Partition: int32(binary.BigEndian.Uint32(v)),
		Offset:    int64(binary.BigEndian.Uint64(v[4:])),
		At:        time.UnixMicro(int64(binary.BigEndian.Uint64(v[12:]))).UTC(),
	}
	n := int(binary.BigEndian.Uint32(v[20:]))
	if len(v) < 24+n {
		return BadRecord{}, fmt.Errorf("dead letter error of %d bytes overruns its record", n)
	}
	r.Err = string(v[24 : 24+n])
	r.Raw = v[24+n:]
	return r, nil
}
