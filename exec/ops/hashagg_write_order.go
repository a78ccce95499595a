package ops

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"slices"

	"github.com/weir-stream/weir/statestore"
)

// stateWrite is a state write buffered in an arena: where its key and value
// lie, and whether it is a delete.
type stateWrite struct {
	off        int
	klen, vlen int32
	del        bool
}

// writeKey is an entry of sortStateWrites: the 16 key bytes after the table
// id and vnode as two big-endian words, zero-padded, and the write's index.
type writeKey struct {
	hi, lo uint64
	i      int32
}

// keyWords returns the first 16 bytes of b as two big-endian words,
// zero-padded: ordering by (hi, lo) orders byte strings except among those
// equal in their first 16 bytes.
func keyWords(b []byte) (hi, lo uint64) {
	var buf [16]byte
	copy(buf[:], b)
	return binary.BigEndian.Uint64(buf[:8]), binary.BigEndian.Uint64(buf[8:])
}

// sortStateWrites returns writes (by index, in order, a slice of *order
// grown as needed) in the order of their keys in arena, writes to one key
// in the order they were made. Keys of one table are sorted by a counting
// sort by vnode, then each vnode's entries by the 16 key bytes after the
// vnode, comparing whole keys only on ties: far fewer and cheaper
// comparisons than a comparison sort of the keys in the arena. Keys of
// several tables are sorted by a comparison sort.
func sortStateWrites(arena []byte, writes []stateWrite, order *[]writeKey) []writeKey {
	if cap(*order) < len(writes) {
		*order = make([]writeKey, len(writes), len(writes)+len(writes)/4)
	}
	out := (*order)[:len(writes)]
	key := func(w stateWrite) []byte { return arena[w.off : w.off+int(w.klen)] }
	byKey := func(a, b writeKey) int {
		if c := cmp.Compare(a.hi, b.hi); c != 0 {
			return c
		}
		if c := cmp.Compare(a.lo, b.lo); c != 0 {
			return c
		}
		if c := bytes.Compare(key(writes[a.i]), key(writes[b.i])); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	}
	if !oneTable(arena, writes) {
		for i := range writes {
			out[i] = writeKey{i: int32(i)}
		}
		slices.SortFunc(out, byKey)
		return out
	}
	var start [statestore.NumVnodes + 1]int
	vnodeOf := func(w stateWrite) int {
		return int(binary.BigEndian.Uint16(arena[w.off+statestore.KeyPrefixLen-2:]))
	}
	for _, w := range writes {
		start[vnodeOf(w)+1]++
	}
	for v := 1; v <= statestore.NumVnodes; v++ {
		start[v] += start[v-1]
	}
	next := start
	for i, w := range writes {
		v := vnodeOf(w)
		hi, lo := keyWords(key(w)[statestore.KeyPrefixLen:])
		out[next[v]] = writeKey{hi: hi, lo: lo, i: int32(i)}
		next[v]++
	}
	for v := range statestore.NumVnodes {
		if bucket := out[start[v]:start[v+1]]; len(bucket) > 1 {
			slices.SortFunc(bucket, byKey)
		}
	}
	return out
}

// oneTable reports whether every key of writes has a table id and vnode
// prefix, of one table.
func oneTable(arena []byte, writes []stateWrite) bool {
	if len(writes) == 0 {
		return true
	}
	first := writes[0]
	if first.klen < statestore.KeyPrefixLen {
		return false
	}
	table := binary.BigEndian.Uint32(arena[first.off:])
	for _, w := range writes[1:] {
		if w.klen < statestore.KeyPrefixLen || binary.BigEndian.Uint32(arena[w.off:]) != table {
			return false
		}
	}
	return true
}
