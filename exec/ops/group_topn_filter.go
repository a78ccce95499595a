package ops

import "hash/maphash"

// partitionFilterWords is the size of a partitionFilter in 64-bit words
// (4 MiB).
const partitionFilterWords = 1 << 19

// partitionFilterProbes is how many bits a key sets in a partitionFilter,
// all in one word, so that a key costs one cache miss.
const partitionFilterProbes = 4

// partitionFilter is a Bloom filter of the partition keys an append-only
// GroupTopN's state holds (those it found at Open, and each partition at
// the barrier that writes its first rows): a partition neither cached nor
// in the filter has no row in state, so it is not read. A key is never
// removed (an append-only partition never empties); as the filter fills,
// more absent keys look present and are read from state, which is what
// every miss cost without it. Its words are allocated with
// the first key; full says every key may be present (Open found more
// partitions than it reads).
type partitionFilter struct {
	seed  maphash.Seed
	words []uint64
	full  bool
}

// reset empties the filter.
func (f *partitionFilter) reset() {
	f.words, f.full = nil, false
}

// probe returns the word of the hash h and the bits the key sets in it:
// the word from the hash's low bits, each bit from six of its high ones.
func probe(h uint64) (int, uint64) {
	var mask uint64
	for i := range partitionFilterProbes {
		mask |= 1 << ((h >> (64 - 6*(i+1))) & 63)
	}
	return int(h % partitionFilterWords), mask
}

// add notes that the state may hold partition pk.
func (f *partitionFilter) add(pk string) {
	if f.words == nil {
		f.seed = maphash.MakeSeed()
		f.words = make([]uint64, partitionFilterWords)
	}
	w, mask := probe(maphash.String(f.seed, pk))
	f.words[w] |= mask
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
	w, mask := probe(maphash.Bytes(f.seed, pk))
	return f.words[w]&mask == mask
}
