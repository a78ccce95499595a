package ops

import (
	"bytes"

	"github.com/weir-stream/weir/exec"
)

// sharedState is the state a GroupTopN's partitions read: each partition's
// iterator is a window of one iterator over the whole table, opened at the
// first read of an epoch and closed at its barrier (release), since a
// Pebble iterator costs far more to open than to seek and most partitions
// are read once. The partitions read one at a time (a refill opens, reads
// and closes its iterator), so they never move the shared one under each
// other.
type sharedState struct {
	exec.StateReader
	lo, hi []byte // the table's range
	it     exec.StateIterator
}

// NewIter returns the window [lo, hi) of the shared iterator.
func (s *sharedState) NewIter(lo, hi []byte) (exec.StateIterator, error) {
	if s.it == nil {
		it, err := s.StateReader.NewIter(s.lo, s.hi)
		if err != nil {
			return nil, err
		}
		s.it = it
	}
	return &windowIter{it: s.it, lo: lo, hi: hi}, nil
}

// release closes the shared iterator, so that the next epoch reads what
// this one wrote.
func (s *sharedState) release() error {
	if s.it == nil {
		return nil
	}
	err := s.it.Close()
	s.it = nil
	return err
}

// windowIter is the range [lo, hi) of a shared iterator.
type windowIter struct {
	it     exec.StateIterator
	lo, hi []byte
	valid  bool
}

func (w *windowIter) First() bool { return w.SeekGE(w.lo) }

func (w *windowIter) SeekGE(key []byte) bool {
	if bytes.Compare(key, w.lo) < 0 {
		key = w.lo
	}
	w.valid = w.it.SeekGE(key) && w.inside()
	return w.valid
}

func (w *windowIter) Next() bool {
	w.valid = w.valid && w.it.Next() && w.inside()
	return w.valid
}

func (w *windowIter) inside() bool { return w.hi == nil || bytes.Compare(w.it.Key(), w.hi) < 0 }

func (w *windowIter) Valid() bool   { return w.valid }
func (w *windowIter) Key() []byte   { return w.it.Key() }
func (w *windowIter) Value() []byte { return w.it.Value() }
func (w *windowIter) Error() error  { return w.it.Error() }

// Close leaves the shared iterator open; its errors come back at release.
func (w *windowIter) Close() error { return w.it.Error() }
