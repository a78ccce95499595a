package exectest

import (
	"context"
	"encoding/binary"
	"io"
	"sync"

	"github.com/weir-stream/weir/exec"
)

// Source is a scripted exec.Source. Next returns the queued chunks in order,
// then exec.ErrNoData, or io.EOF once Finish was called and the queue is
// empty. At a barrier it writes the number of chunks returned so far under
// Key; Open reads that position back. Add and Finish may be called from any
// goroutine; the exec.Source methods are called by the runtime.
type Source struct {
	// Key is the state key of the read position ("source" when nil).
	Key []byte
	// FailNext, when set, is returned by the next call of Next (once).
	FailNext error
	// PanicNext, when set, makes the next call of Next panic with it (once).
	PanicNext any

	mu       sync.Mutex
	queue    []exec.Chunk
	eof      bool
	pos      uint64
	barriers []exec.Barrier
	opened   bool
	closed   bool
}

// NewSource returns a Source with chunks queued; it owns them.
func NewSource(chunks ...exec.Chunk) *Source {
	return &Source{queue: chunks}
}

// Add queues chunks; s takes them over.
func (s *Source) Add(chunks ...exec.Chunk) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, chunks...)
}

// Finish makes Next return io.EOF once the queue is empty.
func (s *Source) Finish() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.eof = true
}

func (s *Source) key() []byte {
	if s.Key == nil {
		return []byte("source")
	}
	return s.Key
}

// Open restores the position written at the last committed barrier.
func (s *Source) Open(_ context.Context, oc exec.OpenContext) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opened = true
	if oc.State == nil {
		return nil
	}
	v, ok, err := oc.State.Get(s.key())
	if err != nil || !ok {
		return err
	}
	if len(v) == 8 {
		s.pos = binary.BigEndian.Uint64(v)
	}
	return nil
}

// Next returns the next queued chunk.
func (s *Source) Next(context.Context) (exec.Chunk, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.FailNext != nil {
		err := s.FailNext
		s.FailNext = nil
		return exec.Chunk{}, err
	}
	if s.PanicNext != nil {
		p := s.PanicNext
		s.PanicNext = nil
		panic(p)
	}
	if len(s.queue) == 0 {
		if s.eof {
			return exec.Chunk{}, io.EOF
		}
		return exec.Chunk{}, exec.ErrNoData
	}
	c := s.queue[0]
	s.queue = s.queue[1:]
	s.pos++
	return c, nil
}

// OnBarrier records the position and the barrier.
func (s *Source) OnBarrier(_ context.Context, b exec.Barrier, w exec.StateWriter) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.barriers = append(s.barriers, b)
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], s.pos)
	return w.Set(s.key(), v[:])
}

// Close releases any chunk still queued.
func (s *Source) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.queue {
		c.Release()
	}
	s.queue = nil
	s.closed = true
	return nil
}

// Position returns the number of chunks returned so far (plus the restored
// position).
func (s *Source) Position() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pos
}

// Barriers returns the barriers seen so far.
func (s *Source) Barriers() []exec.Barrier {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]exec.Barrier(nil), s.barriers...)
}

// Opened and Closed report whether Open and Close were called.
func (s *Source) Opened() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.opened }

// Closed reports whether Close was called.
func (s *Source) Closed() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.closed }
