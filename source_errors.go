package weir

import (
	"sync"
	"time"
)

// sourceErrors counts the records each source could not decode (each view
// over a stream reads it with a source of its own). It is the system table
// weir_source_errors. Safe for concurrent use.
type sourceErrors struct {
	mu   sync.Mutex
	byID map[sourceID]*sourceErrorCount
}

// sourceID names a source: the stream it reads, for the view it feeds.
type sourceID struct{ stream, view string }

type sourceErrorCount struct {
	count      int64
	lastError  string
	lastLine   int64
	lastOffset int64
}

func newSourceErrors() *sourceErrors { return &sourceErrors{byID: map[sourceID]*sourceErrorCount{}} }

// sink returns what takes the bad records of the source reading stream for
// view, which hands every bad record to guard (nil: count only).
func (s *sourceErrors) sink(stream, view string, guard *guardedSource) *sourceRecordErrors {
	return &sourceRecordErrors{s: s, id: sourceID{stream, view}, guard: guard}
}

// forget drops the counts of the sources feeding view (dropped).
func (s *sourceErrors) forget(view string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id := range s.byID {
		if id.view == view {
			delete(s.byID, id)
		}
	}
}

// sourceRecordErrors takes the bad records of one source (it is the
// connector.RecordErrors the source is given): it counts them for
// weir_source_errors and applies the stream's on.error policy.
type sourceRecordErrors struct {
	s     *sourceErrors
	id    sourceID
	guard *guardedSource
}

// RecordError implements connector.RecordErrors: a bad line of a file.
func (k *sourceRecordErrors) RecordError(offset, line int64, raw []byte, err error) {
	k.count(offset, line, err)
	if k.guard != nil {
		k.guard.record(badRecord{Partition: -1, Offset: offset, Raw: raw, Err: err.Error(), At: time.Now()})
	}
}

// RecordPartitionError implements connector.RecordErrors: a bad record of
// a partitioned source (Kafka).
func (k *sourceRecordErrors) RecordPartitionError(partition int32, offset int64, raw []byte, err error) {
	k.count(offset, -1, err)
	if k.guard != nil {
		k.guard.record(badRecord{Partition: partition, Offset: offset, Raw: raw, Err: err.Error(), At: time.Now()})
	}
}

func (k *sourceRecordErrors) count(offset, line int64, err error) {
	k.s.mu.Lock()
	defer k.s.mu.Unlock()
	c := k.s.byID[k.id]
	if c == nil {
		c = &sourceErrorCount{}
		k.s.byID[k.id] = c
	}
	c.count++
	c.lastError, c.lastLine, c.lastOffset = err.Error(), line, offset
}
