package kafka

import (
	"encoding/binary"
	"fmt"

	"github.com/twmb/franz-go/pkg/kadm"
)

// topicState is what a source records of its topic next to the offsets:
// which topic they are offsets of, and how many times it was deleted and
// created again under the source.
type topicState struct {
	// id is the topic's id (zero when not known yet, or with brokers
	// older than Kafka 3.1, which have none). A topic whose id differs at
	// a listing, even the first after a restart, was deleted and created
	// again: its offsets begin anew.
	id kadm.TopicID
	// gen is the topic's generation: 0 for the topic the source first
	// read, incremented each time it is found deleted and created again.
	// It is part of the row ids, so that the new topic's records do not
	// take the ids of the old one's.
	gen uint32
	// late says the topic did not exist at the source's first listing: it
	// was created after the source, so everything in it is read from its
	// start, whatever scan.startup.mode says.
	late bool
}

// topicStateLen is the length of an encoded topicState: the id, the
// generation, a flags byte.
const topicStateLen = 16 + 4 + 1

// topicStateSuffix follows the source's key prefix in the key of its
// topicState. Partition keys are the prefix and 4 bytes.
const topicStateSuffix = "\xfftopic"

// topicStateKey is the state key of the source's topicState.
func (s *Source) topicStateKey() []byte {
	return append(append([]byte(nil), s.opts.Key...), topicStateSuffix...)
}

// encode returns the recorded form of t.
func (t topicState) encode() []byte {
	v := make([]byte, topicStateLen)
	copy(v, t.id[:])
	binary.BigEndian.PutUint32(v[16:], t.gen)
	if t.late {
		v[20] = 1
	}
	return v
}

// decodeTopicState reads what topicState.encode wrote.
func decodeTopicState(v []byte) (topicState, error) {
	if len(v) != topicStateLen || v[20] > 1 {
		return topicState{}, fmt.Errorf("kafka source: bad topic record (%d bytes)", len(v))
	}
	var t topicState
	copy(t.id[:], v)
	t.gen = binary.BigEndian.Uint32(v[16:])
	t.late = v[20] == 1
	return t, nil
}

// RowID is the _row_id of the record at offset of partition in generation
// gen of the topic: partition<<48 | (gen mod 256)<<40 ^ offset. Generation
// 0 gives partition<<48 | offset. The ids are unique while partitions stay
// below 32768, and those of different generations do not meet while the
// offsets stay below 2^40 and fewer than 256 generations hold rows.
func RowID(gen uint32, partition int32, offset int64) int64 {
	return int64(partition)<<48 | (int64(gen&0xff)<<40 ^ offset)
}
