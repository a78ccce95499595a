package exectest

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/weir-stream/weir/exec"
)

// WriteStats counts the calls made on writers.
type WriteStats struct {
	Sets, Deletes, DeleteRanges int
}

func (s WriteStats) String() string {
	return fmt.Sprintf("sets=%d deletes=%d delete-ranges=%d", s.Sets, s.Deletes, s.DeleteRanges)
}

// Store is an in-memory exec.StateStore for tests: committed key/value pairs
// in a map, writers that buffer until Commit, and counters of what was
// written. It is safe for concurrent use.
type Store struct {
	mu        sync.Mutex
	data      map[string][]byte
	committed WriteStats
	commits   int
	// FailCommit, when set, makes every Commit fail with it (the writes are
	// dropped).
	failCommit error
}

// NewStore returns an empty Store.
func NewStore() *Store { return &Store{data: map[string][]byte{}} }

// SetFailCommit makes later commits fail with err (nil restores success).
func (s *Store) SetFailCommit(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failCommit = err
}

// Get returns a copy of the committed value of key.
func (s *Store) Get(key []byte) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.data[string(key)]
	if !ok {
		return nil, false, nil
	}
	return append([]byte(nil), v...), true, nil
}

// Scan calls fn for every committed key in [lo, hi) in key order. A nil hi
// means no upper bound. fn runs without the store's lock held.
func (s *Store) Scan(lo, hi []byte, fn func(key, value []byte) (bool, error)) error {
	type kv struct{ k, v []byte }
	s.mu.Lock()
	var kvs []kv
	for k, v := range s.data {
		kb := []byte(k)
		if bytes.Compare(kb, lo) < 0 || (hi != nil && bytes.Compare(kb, hi) >= 0) {
			continue
		}
		kvs = append(kvs, kv{kb, append([]byte(nil), v...)})
	}
	s.mu.Unlock()
	sort.Slice(kvs, func(i, j int) bool { return bytes.Compare(kvs[i].k, kvs[j].k) < 0 })
	for _, e := range kvs {
		more, err := fn(e.k, e.v)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// NewWriter returns an empty writer.
func (s *Store) NewWriter() exec.CommittableWriter { return &Writer{store: s} }

// Stats returns the totals of every committed writer.
func (s *Store) Stats() WriteStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.committed
}

// Commits returns the number of successful commits.
func (s *Store) Commits() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commits
}

// Len returns the number of committed keys.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.data)
}

// Dump prints every committed pair as `key -> value` lines in key order,
// both in hex unless format is given, which then prints each pair.
func (s *Store) Dump(format func(key, value []byte) string) string {
	if format == nil {
		format = func(k, v []byte) string { return fmt.Sprintf("%x -> %x", k, v) }
	}
	var b strings.Builder
	_ = s.Scan(nil, nil, func(k, v []byte) (bool, error) {
		b.WriteString(format(k, v))
		b.WriteByte('\n')
		return true, nil
	})
	return b.String()
}

type writeKind uint8

const (
	writeSet writeKind = iota
	writeDelete
	writeDeleteRange
)

type write struct {
	kind writeKind
	k, v []byte
	hi   []byte
}

// Writer is the Store's exec.CommittableWriter. It buffers writes in order
// and applies them on Commit. Stats counts the calls made on it. A Writer is
// used by one goroutine.
type Writer struct {
	store  *Store
	writes []write
	Stats  WriteStats
	closed bool
}

var errWriterClosed = errors.New("exectest: writer used after Close or Commit")

// Set buffers key = value.
func (w *Writer) Set(key, value []byte) error {
	if w.closed {
		return errWriterClosed
	}
	w.Stats.Sets++
	w.writes = append(w.writes, write{kind: writeSet, k: append([]byte(nil), key...), v: append([]byte(nil), value...)})
	return nil
}

// Delete buffers the deletion of key.
func (w *Writer) Delete(key []byte) error {
	if w.closed {
		return errWriterClosed
	}
	w.Stats.Deletes++
	w.writes = append(w.writes, write{kind: writeDelete, k: append([]byte(nil), key...)})
	return nil
}

// DeleteRange buffers the deletion of every key in [lo, hi).
func (w *Writer) DeleteRange(lo, hi []byte) error {
	if w.closed {
		return errWriterClosed
	}
	w.Stats.DeleteRanges++
	w.writes = append(w.writes, write{kind: writeDeleteRange, k: append([]byte(nil), lo...), hi: append([]byte(nil), hi...)})
	return nil
}

// Commit applies the buffered writes to the store, in order.
func (w *Writer) Commit() error {
	if w.closed {
		return errWriterClosed
	}
	w.closed = true
	s := w.store
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failCommit != nil {
		return s.failCommit
	}
	for _, wr := range w.writes {
		switch wr.kind {
		case writeSet:
			s.data[string(wr.k)] = wr.v
		case writeDelete:
			delete(s.data, string(wr.k))
		case writeDeleteRange:
			for k := range s.data {
				if bytes.Compare([]byte(k), wr.k) >= 0 && bytes.Compare([]byte(k), wr.hi) < 0 {
					delete(s.data, k)
				}
			}
		}
	}
	s.committed.Sets += w.Stats.Sets
	s.committed.Deletes += w.Stats.Deletes
	s.committed.DeleteRanges += w.Stats.DeleteRanges
	s.commits++
	return nil
}

// Close drops any writes not committed.
func (w *Writer) Close() {
	w.closed = true
	w.writes = nil
}
