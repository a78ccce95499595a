package ops

import "hash/maphash"

// distinctPresence records, by hash, the (group, value) keys of one
// aggDistinctSets' multisets that trim dropped from memory while their
// group was known (every key it has in state was in its map). A group
// stays known after the drop: a value missing from its map that the
// record says was never dropped has no count in state, so it costs no
// Pebble read. That is most values of a query like Nexmark q16, whose
// groups keep meeting bidders and auctions they have never seen; only a
// value the record may hold (one dropped, or a false positive) is read.
//
// It is a chain of split-block Bloom filters (one 32-byte block a key,
// one bit in each of its eight words, so a probe costs one cache miss),
// the first a 32nd of distinctPresenceBytes (few filters to probe for a
// key never recorded, which has to miss in each), each next one twice the
// size of the one before, a new one started when the last
// holds as many keys as its bits allow (distinctPresenceBitsPerKey); once
// they take distinctPresenceBytes the last one takes every further key,
// answering "maybe" more often as it fills but never "no" for a key
// recorded. A value whose count returns to 0 stays recorded (a false
// "maybe", answered by a read).
type distinctPresence struct {
	filters []distinctFilter
	bytes   int
}

// distinctFilter is one split-block Bloom filter of a distinctPresence.
type distinctFilter struct {
	blocks [][8]uint32
	keys   int // keys added
	room   int // keys it takes before the next filter is started
}

const (
	// distinctPresenceBitsPerKey is the bits of a filter per key it
	// takes: about 0.1% false positives when full.
	distinctPresenceBitsPerKey = 16
	// minDistinctFilterBlocks is the 32-byte blocks of a record's first
	// filter at least (2 KiB).
	minDistinctFilterBlocks = 64
)

// distinctSalts pick a filter block's bits, one per word, from a hash's
// low half (the constants of Parquet's split-block Bloom filter).
var distinctSalts = [8]uint32{0x47b6137b, 0x44974d91, 0x8824ad5b, 0xa2b7289d, 0x705495c7, 0x2df1424b, 0x9efc4947, 0x5c6bfb31}

// distinctPresenceBytes bounds the filters of one aggDistinctSets: half
// of the multisets' own budget (32 MiB by default, filters of 1, 2, 4, 8
// and 16 MiB taking 15.5 M keys at 16 bits each, where the multisets hold
// a twentieth of that).
func distinctPresenceBytes() int { return max(distinctCacheBytes/2, 32*32*minDistinctFilterBlocks) }

// distinctSeed hashes the group keys and encoded values of every
// distinctPresence of the process.
var distinctSeed = maphash.MakeSeed()

// distinctGroupHash returns the hash of a group key, from which the hashes
// of its values are derived.
func distinctGroupHash(key string) uint64 { return maphash.String(distinctSeed, key) }

// distinctIntHash returns the hash of the BIGINT value v in the group of
// hash gh.
func distinctIntHash(gh uint64, v int64) uint64 {
	return distinctMix(gh ^ uint64(v)*0x9e3779b97f4a7c15)
}

// distinctStringHash returns the hash of the encoded value v in the group
// of hash gh.
func distinctStringHash(gh uint64, v string) uint64 {
	return distinctMix(gh ^ maphash.String(distinctSeed, v))
}

// distinctMix is splitmix64's finalizer: every bit of x moves every bit
// of the result.
func distinctMix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// newDistinctPresence returns an empty record.
func newDistinctPresence() *distinctPresence {
	p := &distinctPresence{}
	p.grow(distinctPresenceBytes() / 32 / 32)
	return p
}

func (p *distinctPresence) grow(blocks int) {
	p.filters = append(p.filters, distinctFilter{blocks: make([][8]uint32, blocks), room: blocks * 256 / distinctPresenceBitsPerKey})
	p.bytes += blocks * 32
}

// block returns the block of f that the key of hash h falls in.
func (f *distinctFilter) block(h uint64) *[8]uint32 {
	return &f.blocks[(h>>32)*uint64(len(f.blocks))>>32]
}

// add records the key of hash h.
func (p *distinctPresence) add(h uint64) {
	last := &p.filters[len(p.filters)-1]
	if last.keys >= last.room && p.bytes+2*len(last.blocks)*32 <= distinctPresenceBytes() {
		p.grow(2 * len(last.blocks))
		last = &p.filters[len(p.filters)-1]
	}
	b, x := last.block(h), uint32(h)
	for i, salt := range distinctSalts {
		b[i] |= 1 << ((x * salt) >> 27)
	}
	last.keys++
}

// mayHave reports whether the key of hash h may have been recorded: false
// means it has not.
func (p *distinctPresence) mayHave(h uint64) bool {
	x := uint32(h)
	for f := len(p.filters) - 1; f >= 0; f-- {
		b := p.filters[f].block(h)
		all := true
		for i, salt := range distinctSalts {
			if b[i]&(1<<((x*salt)>>27)) == 0 {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}
