package weir

import (
	"sync"

	"github.com/weir-stream/weir/exec/connector/file"
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

// sink returns the error sink of the source reading stream for view.
func (s *sourceErrors) sink(stream, view string) file.ErrorSink {
	return &streamErrorSink{s: s, id: sourceID{stream, view}}
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

type streamErrorSink struct {
	s  *sourceErrors
	id sourceID
}

func (k *streamErrorSink) RecordError(offset, line int64, _ []byte, err error) {
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
