// Package statestore is weir's keyed state: a Pebble database whose keys are
// laid out as table id | vnode | memcomparable key columns (keys.go), the
// memcomparable codec for typed values (memcmp.go), and the store, its write
// batches and snapshots (store.go). docs/format/state.md describes the bytes.
package statestore

import (
	"encoding/binary"
	"fmt"
)

// TableID identifies a state table: a key range owned by one operator's
// table, the catalog, or the store's metadata. It is the first four bytes of
// every key, big-endian, so a table's keys are contiguous.
type TableID uint32

// Reserved table ids. Ids below FirstUserTable are reserved for the engine;
// operators' state tables are allocated from FirstUserTable upward.
const (
	// CatalogTable holds the catalog (DDL), so a checkpoint carries code and data together.
	CatalogTable TableID = 1
	// MetaTable holds the store's own metadata (committed epoch, source offsets).
	MetaTable TableID = 2
	// FirstUserTable is the first id given to an operator's state table.
	FirstUserTable TableID = 16
)

// NumVnodes is the number of virtual nodes a table's keys are split into. A
// vnode is the unit by which state is divided among parallel instances of an
// operator and, later, among nodes.
const NumVnodes = 256

// KeyPrefixLen is the length of the table id and vnode prefix of every key.
const KeyPrefixLen = 6

// FNV-1a (64-bit) constants.
const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
)

// Vnode returns the vnode of a distribution key (typically the memcomparable
// encoding of the GROUP BY or join key columns): the 64-bit FNV-1a hash of
// distKey mod NumVnodes. The hash is fixed forever: it decides where state
// lives on disk and in checkpoints. Vnode is safe for concurrent use.
func Vnode(distKey []byte) uint16 {
	h := uint64(fnvOffset64)
	for _, c := range distKey {
		h ^= uint64(c)
		h *= fnvPrime64
	}
	// Fold the high bits in: the low byte of FNV-1a alone mixes poorly.
	h ^= h >> 32
	h ^= h >> 16
	h ^= h >> 8
	return uint16(h % NumVnodes)
}

// AppendKey appends the key table t | vnode | rest to dst and returns the
// extended slice.
func AppendKey(dst []byte, t TableID, vnode uint16, rest []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(t))
	dst = binary.BigEndian.AppendUint16(dst, vnode)
	return append(dst, rest...)
}

// TableSpan returns the span [lo, hi) holding every key of table t.
func TableSpan(t TableID) (lo, hi []byte) {
	lo = binary.BigEndian.AppendUint32(make([]byte, 0, 4), uint32(t))
	return lo, PrefixEnd(lo)
}

// VnodeOwner returns which of n parallel instances of an operator owns
// vnode: vnode*n/NumVnodes, so each instance owns a contiguous range of
// vnodes and its state is one key span of every table. n must be between 1
// and NumVnodes.
func VnodeOwner(vnode uint16, n int) int {
	return int(vnode) * n / NumVnodes
}

// VnodeSpan returns the span [lo, hi) holding every key of table t in vnode.
func VnodeSpan(t TableID, vnode uint16) (lo, hi []byte) {
	lo = AppendKey(make([]byte, 0, KeyPrefixLen), t, vnode, nil)
	return lo, PrefixEnd(lo)
}

// PrefixEnd returns the smallest key greater than every key that starts with
// prefix, for use as the exclusive upper bound of a scan. It returns nil (no
// upper bound) when prefix is empty or all 0xFF. It does not modify prefix.
func PrefixEnd(prefix []byte) []byte {
	end := append([]byte(nil), prefix...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] != 0xFF {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// SplitKey splits a key into its table id, vnode and the rest (a sub-slice of
// key). It fails when key is shorter than the table id and vnode prefix or
// its vnode is not below NumVnodes.
func SplitKey(key []byte) (t TableID, vnode uint16, rest []byte, err error) {
	if len(key) < KeyPrefixLen {
		return 0, 0, nil, fmt.Errorf("statestore: key %x shorter than its %d-byte prefix: %w", key, KeyPrefixLen, ErrCorrupt)
	}
	t = TableID(binary.BigEndian.Uint32(key))
	vnode = binary.BigEndian.Uint16(key[4:])
	if vnode >= NumVnodes {
		return 0, 0, nil, fmt.Errorf("statestore: key %x has vnode %d, not below %d: %w", key, vnode, NumVnodes, ErrCorrupt)
	}
	return t, vnode, key[KeyPrefixLen:], nil
}
