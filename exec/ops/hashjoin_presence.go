package ops

import (
	"hash/maphash"
	"math/bits"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/statestore"
)

// joinPresence is a side's record of the join keys it has written rows
// under, kept only when its state table was empty when the join opened:
// a key it has not recorded has no committed rows, so a change whose key
// is new to the other side (a new auction, which no bid has named yet)
// pairs with nothing without opening a Pebble iterator. It answers "no"
// exactly and "maybe" for a recorded key or a false positive (then the
// state is read).
//
// It is a chain of Bloom filters, each twice the size of the one before,
// a new one started when the last holds as many keys as its bits allow
// (presenceBitsPerKey); once they take maxPresenceBytes the last one takes
// every further key, answering "maybe" more often as it fills but never
// "no" for a key recorded.
type joinPresence struct {
	filters []presenceFilter
	bytes   int
}

// presenceFilter is one Bloom filter of a joinPresence.
type presenceFilter struct {
	bits []uint64
	keys int // keys added
	room int // keys it takes before the next filter is started
}

const (
	// presenceBitsPerKey is the bits of a filter per key it takes: with
	// presenceProbes bits per key, about 2% false positives when full.
	presenceBitsPerKey = 10
	presenceProbes     = 3
	// firstPresenceBits is the size of a side's first filter.
	firstPresenceBits = 1 << 16
	// maxPresenceBytes bounds the filters of a side.
	maxPresenceBytes = 4 << 20
)

// presenceSeed hashes join keys for every joinPresence of the process.
var presenceSeed = maphash.MakeSeed()

// newJoinPresence returns an empty record.
func newJoinPresence() *joinPresence {
	p := &joinPresence{}
	p.grow(firstPresenceBits)
	return p
}

func (p *joinPresence) grow(nbits int) {
	p.filters = append(p.filters, presenceFilter{bits: make([]uint64, nbits/64), room: nbits / presenceBitsPerKey})
	p.bytes += nbits / 8
}

// presenceHash returns the two halves of jk's hash, from which the filter bits
// are derived (h1 + i·h2).
func presenceHash(jk []byte) (uint64, uint64) {
	h := maphash.Bytes(presenceSeed, jk)
	return h, bits.RotateLeft64(h, 32) | 1
}

// add records jk.
func (p *joinPresence) add(jk []byte) {
	last := &p.filters[len(p.filters)-1]
	if last.keys >= last.room && p.bytes+2*len(last.bits)*8 <= maxPresenceBytes {
		p.grow(2 * len(last.bits) * 64)
		last = &p.filters[len(p.filters)-1]
	}
	h1, h2 := presenceHash(jk)
	n := uint64(len(last.bits) * 64)
	for i := uint64(0); i < presenceProbes; i++ {
		b := (h1 + i*h2) % n
		last.bits[b/64] |= 1 << (b % 64)
	}
	last.keys++
}

// mayHave reports whether jk may have been recorded: false means it has
// not.
func (p *joinPresence) mayHave(jk []byte) bool {
	h1, h2 := presenceHash(jk)
	for f := range p.filters {
		set := p.filters[f].bits
		n := uint64(len(set) * 64)
		all := true
		for i := uint64(0); i < presenceProbes && all; i++ {
			b := (h1 + i*h2) % n
			all = set[b/64]&(1<<(b%64)) != 0
		}
		if all {
			return true
		}
	}
	return false
}

// openPresence starts a record of the keys of side s if its state table
// holds no row: then every row it will hold is one the join writes. A side
// that opens on rows (a restart from a checkpoint) keeps no record and
// reads the state for every key it has not cached.
func openPresence(state exec.StateReader, s *joinSide) error {
	s.present = nil
	if state == nil {
		return nil
	}
	lo, hi := statestore.TableSpan(s.table)
	it, err := state.NewIter(lo, hi)
	if err != nil {
		return err
	}
	empty := !it.First()
	if err := it.Close(); err != nil {
		return err
	}
	if empty {
		s.present = newJoinPresence()
	}
	return nil
}
