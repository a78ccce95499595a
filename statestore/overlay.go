package statestore

import (
	"sort"
)

// Reader is the read side of the store, a snapshot or an Overlay: point
// reads, ordered range scans and iterators over state keys.
type Reader interface {
	// Get returns the value of key, or (nil, false, nil) when it is absent.
	Get(key []byte) (value []byte, ok bool, err error)
	// Scan calls fn for every key in [lo, hi) in key order until fn returns
	// false or an error. key and value are valid only during the call.
	Scan(lo, hi []byte, fn func(key, value []byte) (bool, error)) error
	// NewIter returns an iterator over the keys in [lo, hi) (iterator.go).
	NewIter(lo, hi []byte) (Iterator, error)
}

// Overlay is a Reader that shows Changes over Base: a key of Changes with a
// value reads as that value, one with a nil value reads as absent, and every
// other key reads as in Base. It is how a transaction sees its own writes
// over the snapshot it started from. An Overlay is not safe for concurrent
// use while Changes is modified.
type Overlay struct {
	Base    Reader
	Changes map[string][]byte
}

// Get returns the value of key with the changes applied.
func (o *Overlay) Get(key []byte) ([]byte, bool, error) {
	if v, ok := o.Changes[string(key)]; ok {
		return v, v != nil, nil
	}
	if o.Base == nil {
		return nil, false, nil
	}
	return o.Base.Get(key)
}

// Scan calls fn for every key in [lo, hi) with the changes applied, in key
// order.
func (o *Overlay) Scan(lo, hi []byte, fn func(key, value []byte) (bool, error)) error {
	return ScanMerged(o.Base, lo, hi, o.Changes, fn)
}

// ScanMerged calls fn, in key order, for every key in [lo, hi) of base
// (nil: an empty base) with changes over it: a key of changes with a nil value
// is skipped, one with a value is passed with that value, wherever base has
// it or not. It stops when fn returns false or an error.
func ScanMerged(base Reader, lo, hi []byte, changes map[string][]byte, fn func(key, value []byte) (bool, error)) error {
	keys := make([]string, 0, len(changes))
	for k := range changes {
		if k >= string(lo) && (hi == nil || k < string(hi)) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	stopped := false
	// emitChanged passes the changed keys below bound (all when bound is nil).
	emitChanged := func(bound []byte) error {
		for len(keys) > 0 && (bound == nil || keys[0] < string(bound)) {
			k := keys[0]
			keys = keys[1:]
			if v := changes[k]; v != nil {
				more, err := fn([]byte(k), v)
				if err != nil || !more {
					stopped = true
					return err
				}
			}
		}
		return nil
	}
	if base != nil {
		err := base.Scan(lo, hi, func(key, value []byte) (bool, error) {
			if err := emitChanged(key); err != nil || stopped {
				return false, err
			}
			if _, ok := changes[string(key)]; ok {
				return true, nil
			}
			more, err := fn(key, value)
			if err != nil || !more {
				stopped = true
			}
			return more, err
		})
		if err != nil || stopped {
			return err
		}
	}
	return emitChanged(nil)
}
