package sourceguard

import (
	"cmp"
	"slices"
	"sync"
	"time"
)

// ErrorCounts counts the records each source could not decode (each view
// over a stream reads it with a source of its own): the system table
// weir_source_errors. Safe for concurrent use.
type ErrorCounts struct {
	mu   sync.Mutex
	byID map[sourceID]*errorCount
}

// sourceID names a source: the stream it reads, for the view it feeds.
type sourceID struct{ stream, view string }

type errorCount struct {
	count      int64
	lastError  string
	lastLine   int64
	lastOffset int64
}

// NewErrorCounts returns counts with no errors.
func NewErrorCounts() *ErrorCounts { return &ErrorCounts{byID: map[sourceID]*errorCount{}} }

// For returns what takes the bad records of the source reading stream for
// view, which hands every bad record to guard (nil: count only).
func (s *ErrorCounts) For(stream, view string, guard *Source) *RecordErrors {
	return &RecordErrors{s: s, id: sourceID{stream, view}, guard: guard}
}

// Forget drops the counts of the sources feeding view (dropped).
func (s *ErrorCounts) Forget(view string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id := range s.byID {
		if id.view == view {
			delete(s.byID, id)
		}
	}
}

// ErrorCount is the row of weir_source_errors of one source: how many bad
// records it met, and the last one's error and position (LastLine is -1
// when the input has no lines).
type ErrorCount struct {
	Stream, View string
	Count        int64
	LastError    string
	LastLine     int64
	LastOffset   int64
}

// Snapshot returns the counts of every source that met a bad record,
// ordered by stream, then view.
func (s *ErrorCounts) Snapshot() []ErrorCount {
	s.mu.Lock()
	out := make([]ErrorCount, 0, len(s.byID))
	for id, c := range s.byID {
		out = append(out, ErrorCount{Stream: id.stream, View: id.view, Count: c.count, LastError: c.lastError, LastLine: c.lastLine, LastOffset: c.lastOffset})
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b ErrorCount) int {
		return cmp.Or(cmp.Compare(a.Stream, b.Stream), cmp.Compare(a.View, b.View))
	})
	return out
}

// RecordErrors takes the bad records of one source (it is the
// connector.RecordErrors the source is given): it counts them for
// weir_source_errors and applies the stream's on.error policy.
type RecordErrors struct {
	s     *ErrorCounts
	id    sourceID
	guard *Source
}

// RecordError implements connector.RecordErrors: a bad line of a file.
func (k *RecordErrors) RecordError(offset, line int64, raw []byte, err error) {
	k.count(offset, line, err)
	if k.guard != nil {
		k.guard.record(BadRecord{Partition: -1, Offset: offset, Raw: raw, Err: err.Error(), At: time.Now()})
	}
}

// RecordPartitionError implements connector.RecordErrors: a bad record of
// a partitioned source (Kafka).
func (k *RecordErrors) RecordPartitionError(partition int32, offset int64, raw []byte, err error) {
	k.count(offset, -1, err)
	if k.guard != nil {
		k.guard.record(BadRecord{Partition: partition, Offset: offset, Raw: raw, Err: err.Error(), At: time.Now()})
	}
}

func (k *RecordErrors) count(offset, line int64, err error) {
	k.s.mu.Lock()
	defer k.s.mu.Unlock()
	c := k.s.byID[k.id]
	if c == nil {
		c = &errorCount{}
		k.s.byID[k.id] = c
	}
	c.count++
	c.lastError, c.lastLine, c.lastOffset = err.Error(), line, offset
}
