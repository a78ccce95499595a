package statestore

import (
	"bytes"
	"fmt"
	"sort"

	"github.com/cockroachdb/pebble/v2"
)

// Iterator is a cursor over the keys of a range in key order, in Pebble's
// shape: it starts unpositioned, First and SeekGE position it and Next
// advances it, each reporting Valid. It is an alias of the same interface
// type literal as exec.StateIterator, so a Reader's NewIter is exec's.
type Iterator = interface {
	// First moves to the first key of the range.
	First() bool
	// SeekGE moves to the first key of the range at or after key.
	SeekGE(key []byte) bool
	// Next moves to the next key.
	Next() bool
	// Valid reports whether the iterator is at a key.
	Valid() bool
	// Key and Value return the current pair; they are valid until the next
	// call that moves the iterator, and only while Valid.
	Key() []byte
	Value() []byte
	// Error returns the error that ended the iteration early, if any.
	Error() error
	// Close releases the iterator and returns Error.
	Close() error
}

// NewIter returns an iterator over the keys in [lo, hi) (a nil end is
// unbounded) as they are now: writes committed later are not seen. It
// implements exec.StateReader; the caller closes the iterator before the
// store.
func (s *Store) NewIter(lo, hi []byte) (Iterator, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	return newPebbleIter(s.db, lo, hi)
}

// NewIter returns an iterator over the keys in [lo, hi) at snapshot time, as
// Store.NewIter does; the caller closes it before the snapshot.
func (s *Snapshot) NewIter(lo, hi []byte) (Iterator, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	return newPebbleIter(s.snap, lo, hi)
}

// pebbleIter is the Iterator of a Store or Snapshot: a Pebble iterator with
// bounds, whose value is read (and its error kept) when it moves.
type pebbleIter struct {
	it     *pebble.Iterator
	lo, hi []byte
	value  []byte
	err    error
	closed bool
}

func newPebbleIter(r pebbleReader, lo, hi []byte) (*pebbleIter, error) {
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return nil, fmt.Errorf("statestore: iterator over [%x, %x): %w", lo, hi, err)
	}
	return &pebbleIter{it: it, lo: lo, hi: hi}, nil
}

// at reads the value where the Pebble iterator stands.
func (p *pebbleIter) at(valid bool) bool {
	p.value = nil
	if !valid || p.err != nil {
		return false
	}
	v, err := p.it.ValueAndErr()
	if err != nil {
		p.err = fmt.Errorf("statestore: value at %x: %w", p.it.Key(), err)
		return false
	}
	p.value = v
	return true
}

func (p *pebbleIter) First() bool { return p.at(p.it.First()) }

func (p *pebbleIter) SeekGE(key []byte) bool {
	if p.lo != nil && bytes.Compare(key, p.lo) < 0 {
		key = p.lo
	}
	return p.at(p.it.SeekGE(key))
}

func (p *pebbleIter) Next() bool {
	if !p.Valid() {
		return false
	}
	return p.at(p.it.Next())
}

func (p *pebbleIter) Valid() bool { return p.err == nil && p.it.Valid() }

func (p *pebbleIter) Key() []byte {
	if !p.Valid() {
		return nil
	}
	return p.it.Key()
}

func (p *pebbleIter) Value() []byte { return p.value }

func (p *pebbleIter) Error() error {
	if p.err != nil {
		return p.err
	}
	if err := p.it.Error(); err != nil {
		return fmt.Errorf("statestore: iterator over [%x, %x): %w", p.lo, p.hi, err)
	}
	return nil
}

func (p *pebbleIter) Close() error {
	if p.closed {
		return nil
	}
	p.closed = true
	err := p.Error()
	if cerr := p.it.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("statestore: closing iterator: %w", cerr)
	}
	p.err, p.value = ErrClosed, nil
	return err
}

// NewIter returns an iterator over the keys in [lo, hi) with the changes
// applied, as Scan visits them. Changes must not be modified while it is
// open.
func (o *Overlay) NewIter(lo, hi []byte) (Iterator, error) {
	m := &mergedIter{changes: o.Changes, lo: lo}
	for k := range o.Changes {
		if k >= string(lo) && (hi == nil || k < string(hi)) {
			m.keys = append(m.keys, k)
		}
	}
	sort.Strings(m.keys)
	if o.Base != nil {
		base, err := o.Base.NewIter(lo, hi)
		if err != nil {
			return nil, err
		}
		m.base = base
	}
	return m, nil
}

// mergedIter walks the sorted changed keys and the base iterator together: a
// changed key hides the base's pair of the same key, and one whose change is
// nil (deleted) is skipped.
type mergedIter struct {
	base    Iterator // nil: an empty base
	keys    []string // the changed keys in range, sorted
	changes map[string][]byte
	lo      []byte
	next    int // the first changed key not yet passed
	// fromBase says whether the current pair is the base's.
	fromBase   bool
	valid      bool
	key, value []byte
	err        error
}

func (m *mergedIter) baseValid() bool { return m.base != nil && m.base.Valid() }

// settle moves to the first pair at or after where the base iterator and
// next stand.
func (m *mergedIter) settle() bool {
	m.valid, m.key, m.value = false, nil, nil
	for m.err == nil {
		var bk []byte
		if m.baseValid() {
			bk = m.base.Key()
		} else if m.base != nil {
			if m.err = m.base.Error(); m.err != nil {
				return false
			}
		}
		haveChange := m.next < len(m.keys)
		if bk == nil && !haveChange {
			return false
		}
		if haveChange && (bk == nil || m.keys[m.next] <= string(bk)) {
			k := m.keys[m.next]
			m.next++
			if bk != nil && k == string(bk) {
				m.base.Next() // the change hides the base's pair
			}
			v := m.changes[k]
			if v == nil {
				continue
			}
			m.valid, m.fromBase, m.key, m.value = true, false, []byte(k), v
			return true
		}
		m.valid, m.fromBase, m.key, m.value = true, true, bk, m.base.Value()
		return true
	}
	return false
}

func (m *mergedIter) First() bool {
	if m.err != nil {
		return false
	}
	if m.base != nil {
		m.base.First()
	}
	m.next = 0
	return m.settle()
}

func (m *mergedIter) SeekGE(key []byte) bool {
	if m.err != nil {
		return false
	}
	if bytes.Compare(key, m.lo) < 0 {
		key = m.lo
	}
	if m.base != nil {
		m.base.SeekGE(key)
	}
	m.next = sort.SearchStrings(m.keys, string(key))
	return m.settle()
}

func (m *mergedIter) Next() bool {
	if !m.valid {
		return false
	}
	if m.fromBase {
		m.base.Next()
	}
	return m.settle()
}

func (m *mergedIter) Valid() bool   { return m.valid }
func (m *mergedIter) Key() []byte   { return m.key }
func (m *mergedIter) Value() []byte { return m.value }
func (m *mergedIter) Error() error  { return m.err }

func (m *mergedIter) Close() error {
	if m.err == ErrClosed {
		return nil
	}
	err := m.err
	if m.base != nil {
		if cerr := m.base.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}
	m.valid, m.key, m.value, m.err = false, nil, nil, ErrClosed
	return err
}
