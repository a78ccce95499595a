package ops

import "hash/maphash"

// partitionFilterBits is the size of a partitionFilter in bits (4 MiB).
const partitionFilterBits = 1 << 25

// partitionFilterProbes is how many bits a key sets in a partitionFilter.
const partitionFilterProbes = 4

// partitionFilter is a Bloom filter of the partition keys an append-only
// GroupTopN's state may hold while its cache does not (those it found in
// state at Open, those it evicted): a partition neither cached nor in the
// filter has no row in state, so it is not read. A key is never removed; as
// the filter fills, more absent keys look present and are read from state,
// which is what every miss cost without it. Its bits are allocated with the
// first key; full says every key may be present (Open found more partitions
// than it reads).
type partitionFilter struct {
	seed maphash.Seed
	bits []uint64
	full bool
}

// reset empties the filter.
func (f *partitionFilter) reset() {
	f.bits, f.full = nil, false
}

// add notes that the state may hold partition pk.
func (f *partitionFilter) add(pk string) {
	if f.bits == nil {
		f.seed = maphash.MakeSeed()
		f.bits = make([]uint64, partitionFilterBits/64)
	}
	h := maphash.String(f.seed, pk)
	a, b := uint32(h), uint32(h>>32)|1
	for i := uint32(0); i < partitionFilterProbes; i++ {
		bit := (a + i*b) % partitionFilterBits
		f.bits[bit/64] |= 1 << (bit % 64)
	}
}

// mayHold reports whether the state may hold partition pk: false means it
// surely does not.
func (f *partitionFilter) mayHold(pk []byte) bool {
	if f.full {
		return true
	}
	if f.bits == nil {
		return false
	}
	h := maphash.Bytes(f.seed, pk)
	a, b := uint32(h), uint32(h>>32)|1
	for i := uint32(0); i < partitionFilterProbes; i++ {
		bit := (a + i*b) % partitionFilterBits
		if f.bits[bit/64]&(1<<(bit%64)) == 0 {
			return false
		}
	}
	return true
}
