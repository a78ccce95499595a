package ops

import "hash/maphash"

// Sizes of the levels of a partitionFilter in 64-bit words: the first has
// partitionFilterFirstWords (64 KiB), each next four times as many, the
// last partitionFilterLastWords (4 MiB; 5.3 MiB for all four).
const (
	partitionFilterFirstWords = 1 << 13
	partitionFilterLastWords  = 1 << 19
)

// partitionFilterKeysPerWord is how many keys a level takes per word before
// the next level is made: about eight bits of a word set, so that an absent
// key looks present once in several thousand probes.
const partitionFilterKeysPerWord = 2

// partitionFilterProbes is how many bits a key sets, all in one word of a
// level, so that adding or probing a key costs one cache miss a level.
const partitionFilterProbes = 4

// partitionFilter is a Bloom filter of the partition keys an append-only
// GroupTopN's state holds (those it found at Open, and each partition at
// the barrier that writes its first rows): a partition neither cached nor
// in the filter has no row in state, so it is not read. A key is never
// removed (an append-only partition never empties).
//
// It grows with its keys, so that an operator of few partitions does not
// pay for many: keys go to the newest of its levels, a new one four times
// the size of the one before is made when that one has its share, and a
// probe looks at each. Past the last size the newest level fills up and
// more absent keys look present and are read from state, which is what
// every miss cost without a filter. full says every key may be present
// (Open found more partitions than it reads).
type partitionFilter struct {
	seed   maphash.Seed
	levels []filterLevel
	full   bool
}

// filterLevel is one Bloom filter of a partitionFilter and how many keys
// were added to it.
type filterLevel struct {
	words []uint64
	keys  int
}

// reset empties the filter.
func (f *partitionFilter) reset() {
	f.levels, f.full = nil, false
}

// probe returns the word of the hash h in a level of n words and the bits
// the key sets in it: the word from the hash's low bits, each bit from six
// of its high ones.
func probe(h uint64, n int) (int, uint64) {
	var mask uint64
	for i := range partitionFilterProbes {
		mask |= 1 << ((h >> (64 - 6*(i+1))) & 63)
	}
	return int(h % uint64(n)), mask
}

// add notes that the state holds partition pk.
func (f *partitionFilter) add(pk string) {
	n := len(f.levels)
	switch {
	case n == 0:
		f.seed = maphash.MakeSeed()
		f.levels = append(f.levels, filterLevel{words: make([]uint64, partitionFilterFirstWords)})
		n = 1
	case len(f.levels[n-1].words) < partitionFilterLastWords && f.levels[n-1].keys >= len(f.levels[n-1].words)*partitionFilterKeysPerWord:
		f.levels = append(f.levels, filterLevel{words: make([]uint64, 4*len(f.levels[n-1].words))})
		n++
	}
	l := &f.levels[n-1]
	w, mask := probe(maphash.String(f.seed, pk), len(l.words))
	l.words[w] |= mask
	l.keys++
}

// mayHold reports whether the state may hold partition pk: false means it
// surely does not.
func (f *partitionFilter) mayHold(pk []byte) bool {
	if f.full {
		return true
	}
	if len(f.levels) == 0 {
		return false
	}
	h := maphash.Bytes(f.seed, pk)
	for i := len(f.levels) - 1; i >= 0; i-- {
		l := &f.levels[i]
		w, mask := probe(h, len(l.words))
		if l.words[w]&mask == mask {
			return true
		}
	}
	return false
}
