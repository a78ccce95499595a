package ops

import "hash/maphash"

// Sizes of a partitionFilter in 64-bit words: it starts at
// partitionFilterFirstWords (64 KiB) and grows four times at a time to
// partitionFilterLastWords (4 MiB).
const (
	partitionFilterFirstWords = 1 << 13
	partitionFilterLastWords  = 1 << 19
)

// partitionFilterKeysPerWord is how many keys the filter takes per word
// before it grows: about eight bits of a word set, so that an absent key
// looks present once in several thousand probes.
const partitionFilterKeysPerWord = 2

// partitionFilterProbes is how many bits a key sets, all in one word, so
// that adding or probing a key costs one cache miss.
const partitionFilterProbes = 4

// partitionFilter is a Bloom filter of the partition keys an append-only
// GroupTopN's state holds (those it found at Open, and each partition at
// the barrier that writes its first rows): a partition neither cached nor
// in the filter has no row in state, so it is not read. A key is never
// removed (an append-only partition never empties).
//
// It grows with its keys, so that an operator of few partitions does not
// pay for many: it starts at partitionFilterFirstWords and, each time it
// has its share of keys, is made again four times larger from the hashes
// of its keys, which it keeps until it reaches partitionFilterLastWords
// (2 MiB of them at most). From then on it fills up, and more absent keys
// look present and are read from state, which is what every miss cost
// without a filter. full says every key may be present (Open found more
// partitions than it reads).
type partitionFilter struct {
	seed   maphash.Seed
	words  []uint64
	keys   int
	hashes []uint64
	full   bool
}

// reset empties the filter.
func (f *partitionFilter) reset() {
	f.words, f.keys, f.hashes, f.full = nil, 0, nil, false
}

// probe returns the word of the hash h in a filter of n words and the bits
// the key sets in it: the word from the hash's low bits, each bit from six
// of its high ones.
func probe(h uint64, n int) (int, uint64) {
	var mask uint64
	for i := range partitionFilterProbes {
		mask |= 1 << ((h >> (64 - 6*(i+1))) & 63)
	}
	return int(h % uint64(n)), mask
}

// set sets the bits of the hash h.
func (f *partitionFilter) set(h uint64) {
	w, mask := probe(h, len(f.words))
	f.words[w] |= mask
}

// add notes that the state holds partition pk.
func (f *partitionFilter) add(pk string) {
	if f.words == nil {
		f.seed = maphash.MakeSeed()
		f.words = make([]uint64, partitionFilterFirstWords)
	}
	h := maphash.String(f.seed, pk)
	f.keys++
	if len(f.words) < partitionFilterLastWords {
		f.hashes = append(f.hashes, h)
		if f.keys > len(f.words)*partitionFilterKeysPerWord {
			f.words = make([]uint64, 4*len(f.words))
			for _, h := range f.hashes {
				f.set(h)
			}
			if len(f.words) >= partitionFilterLastWords {
				f.hashes = nil
			}
			return
		}
	}
	f.set(h)
}

// mayHold reports whether the state may hold partition pk: false means it
// surely does not.
func (f *partitionFilter) mayHold(pk []byte) bool {
	if f.full {
		return true
	}
	if f.words == nil {
		return false
	}
	w, mask := probe(maphash.Bytes(f.seed, pk), len(f.words))
	return f.words[w]&mask == mask
}
