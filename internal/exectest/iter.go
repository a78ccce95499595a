package exectest

import (
	"bytes"
	"sort"

	"github.com/weir-stream/weir/exec"
)

// NewIter returns an iterator over the committed keys in [lo, hi) (a nil hi
// is unbounded) as they are now: it holds a copy of them, so later commits
// are not seen.
func (s *Store) NewIter(lo, hi []byte) (exec.StateIterator, error) {
	it := &iter{pos: -1}
	_ = s.Scan(lo, hi, func(k, v []byte) (bool, error) {
		it.keys = append(it.keys, k)
		it.values = append(it.values, v)
		return true, nil
	})
	return it, nil
}

// iter is the Store's exec.StateIterator over a sorted copy of its pairs.
type iter struct {
	keys, values [][]byte
	pos          int // -1: unpositioned; len(keys): past the end
}

func (it *iter) First() bool { it.pos = 0; return it.Valid() }

func (it *iter) SeekGE(key []byte) bool {
	it.pos = sort.Search(len(it.keys), func(i int) bool { return bytes.Compare(it.keys[i], key) >= 0 })
	return it.Valid()
}

func (it *iter) Next() bool {
	if !it.Valid() {
		return false
	}
	it.pos++
	return it.Valid()
}

func (it *iter) Valid() bool { return it.pos >= 0 && it.pos < len(it.keys) }

func (it *iter) Key() []byte {
	if !it.Valid() {
		return nil
	}
	return it.keys[it.pos]
}

func (it *iter) Value() []byte {
	if !it.Valid() {
		return nil
	}
	return it.values[it.pos]
}

func (it *iter) Error() error { return nil }

func (it *iter) Close() error { it.keys, it.values, it.pos = nil, nil, -1; return nil }
