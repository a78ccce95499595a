package ops

import (
	"context"
	"encoding/binary"
	"time"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/statestore"
)

// hashAggExpiry is the state TTL of a HashAgg: groups not changed for TTL
// leave the view (a Delete of their row) and their state is deleted.
//
// Time is the barrier's (exec.Barrier.Time): a group's last change is the
// time of the barrier that ended the epoch it changed in. Times are kept in
// buckets of width TTL/expiryBuckets: a group expires at the first barrier
// at least TTL after the end of its bucket, so it lives between TTL and
// TTL + width after its last change. Expiry is decided from state only (the
// bucket recorded at a barrier, and the barrier's time), so a group evicted
// from memory, or restored from a checkpoint, expires like one in memory.
//
// State, in the aggregate's ExpiryTable:
//
//	by group: table | vnode(group key) | 0x00 | group key → bucket (8 bytes, big-endian)
//	by time:  table | vnode 0 | 0x01 | bucket (8 bytes) | vnode (2 bytes) | group key → empty
//
// A group's entries are written when it changes in a bucket later than the
// recorded one (at most once per bucket width, however often it changes),
// and deleted when the group goes. The by-time entries are scanned in order
// at each barrier, up to the bucket that expires.
type hashAggExpiry struct {
	ttl   int64 // ms
	width int64 // ms
	table statestore.TableID
	// bucket is, per slot, the bucket recorded in state for the group
	// (-1: none).
	bucket []int64
	// expired lists the slots expired at the current barrier.
	expired []int32
	key     []byte
}

// expiryBuckets is how many buckets a TTL is divided into: expiry is up to
// 1/expiryBuckets later than the TTL.
const expiryBuckets = 16

// expiryBatch bounds the groups expired at one barrier, so that a mass
// expiry is spread over a few barriers instead of stalling one.
const expiryBatch = 1 << 16

// Tags after the vnode of the ExpiryTable's keys.
const (
	expiryByGroup byte = 0x00
	expiryByTime  byte = 0x01
)

func newHashAggExpiry(ttl time.Duration, table statestore.TableID) *hashAggExpiry {
	ms := max(ttl.Milliseconds(), 1)
	return &hashAggExpiry{ttl: ms, width: max(ms/expiryBuckets, 1), table: table}
}

func (x *hashAggExpiry) grow(n int) {
	for len(x.bucket) < n {
		x.bucket = append(x.bucket, -1)
	}
}

// byGroupKey appends the by-group key of a group to dst.
func (x *hashAggExpiry) byGroupKey(dst []byte, vnode uint16, group string) []byte {
	dst = statestore.AppendKey(dst, x.table, vnode, nil)
	return append(append(dst, expiryByGroup), group...)
}

// byTimeKey appends the by-time key of a group in bucket b to dst.
func (x *hashAggExpiry) byTimeKey(dst []byte, b int64, vnode uint16, group string) []byte {
	dst = append(statestore.AppendKey(dst, x.table, 0, nil), expiryByTime)
	dst = binary.BigEndian.AppendUint64(dst, uint64(b))
	dst = binary.BigEndian.AppendUint16(dst, vnode)
	return append(dst, group...)
}

// loadExpiry reads the bucket recorded for group g.
func (h *HashAgg) loadExpiry(g int32) error {
	x := h.expiry
	x.bucket[g] = -1
	if h.state == nil || h.stateInMemory {
		return nil
	}
	x.key = x.byGroupKey(x.key[:0], h.vnodes[g], h.keys[g])
	v, ok, err := h.state.Get(x.key)
	if err != nil || !ok {
		return err
	}
	if len(v) != 8 {
		return sqlstate.Errorf(sqlstate.Internal, "hash aggregate: expiry entry of group %x has %d bytes", h.keys[g], len(v))
	}
	x.bucket[g] = int64(binary.BigEndian.Uint64(v))
	return nil
}

// expire marks dirty, with no rows, every group whose bucket has expired at
// barrier time now (ms), so that emit retracts its row and writeState
// deletes its state. It is called before emit. Groups changed in this epoch
// do not expire; by-time entries of a bucket the group has left are
// deleted.
func (h *HashAgg) expire(now int64, w exec.StateWriter) error {
	x := h.expiry
	x.expired = x.expired[:0]
	if h.state == nil || now <= x.ttl {
		return nil
	}
	limit := (now-x.ttl)/x.width - 1 // the newest bucket that has expired
	if limit < 0 {
		return nil
	}
	lo := append(statestore.AppendKey(nil, x.table, 0, nil), expiryByTime)
	hi := binary.BigEndian.AppendUint64(append([]byte(nil), lo...), uint64(limit+1))
	type entry struct {
		key    []byte
		bucket int64
		vnode  uint16
		group  string
	}
	var entries []entry
	err := h.state.Scan(lo, hi, func(k, _ []byte) (bool, error) {
		rest := k[len(lo):]
		if len(rest) < 10 {
			return false, sqlstate.Errorf(sqlstate.Internal, "hash aggregate: short expiry key %x", k)
		}
		vnode := binary.BigEndian.Uint16(rest[8:])
		if !h.spec.owns(vnode) {
			return true, nil // another parallel instance's group
		}
		entries = append(entries, entry{
			key:    append([]byte(nil), k...),
			bucket: int64(binary.BigEndian.Uint64(rest)),
			vnode:  vnode,
			group:  string(rest[10:]),
		})
		return len(entries) < expiryBatch, nil
	})
	if err != nil {
		return err
	}
	for _, e := range entries {
		g, err := h.findGroup(e.group)
		if err != nil {
			return err
		}
		switch {
		case h.dirty[g]:
			// Changed in this epoch: it lives on, and gets a new bucket.
			continue
		case x.bucket[g] != e.bucket:
			// The group moved to a later bucket (or went): a stale entry.
			if err := w.Delete(e.key); err != nil {
				return err
			}
			if !h.existed[g] { // not dirty: the case above
				h.release(g)
			}
			continue
		}
		h.rows[g] = 0
		h.markDirty(g)
		x.expired = append(x.expired, g)
		for _, mm := range h.minMaxes {
			lo := mm.keyPrefix(nil, g)
			if err := w.DeleteRange(lo, statestore.PrefixEnd(lo)); err != nil {
				return err
			}
		}
	}
	return nil
}

// recordExpiry writes, after writeState, the buckets of the groups changed
// in this epoch (now is the barrier's time in ms), and deletes the entries
// of the groups gone (expired or retracted to nothing).
func (h *HashAgg) recordExpiry(now int64, w exec.StateWriter) error {
	x := h.expiry
	cur := now / x.width
	for _, g := range h.dirtyList {
		old := x.bucket[g]
		exists := h.exists(g)
		if exists && old == cur {
			continue
		}
		if old >= 0 {
			x.key = x.byTimeKey(x.key[:0], old, h.vnodes[g], h.keys[g])
			if err := w.Delete(x.key); err != nil {
				return err
			}
		}
		x.key = x.byGroupKey(x.key[:0], h.vnodes[g], h.keys[g])
		if !exists {
			if old >= 0 {
				if err := w.Delete(x.key); err != nil {
					return err
				}
			}
			x.bucket[g] = -1
			continue
		}
		if err := w.Set(x.key, binary.BigEndian.AppendUint64(nil, uint64(cur))); err != nil {
			return err
		}
		x.key = x.byTimeKey(x.key[:0], cur, h.vnodes[g], h.keys[g])
		if err := w.Set(x.key, nil); err != nil {
			return err
		}
		x.bucket[g] = cur
	}
	return nil
}

// findGroup returns the slot of the group whose memcomparable key is key,
// reading it from state when it is not in memory.
func (h *HashAgg) findGroup(key string) (int32, error) {
	if h.mode == keyModeGeneric {
		if g, ok := h.strs[key]; ok {
			return g, nil
		}
		return h.newGroup([]byte(key), 0, false)
	}
	// keyModeInt: one integer-like column, NULL or a value.
	v, isNull, err := statestore.DecodeInt(stringBytes(key), h.spec.KeyTypes[0])
	if err != nil {
		return -1, sqlstate.Wrap(sqlstate.Internal, err, "hash aggregate: decoding an expiring group key")
	}
	if isNull {
		if h.nullSlot >= 0 {
			return h.nullSlot, nil
		}
		return h.newGroup([]byte(key), 0, true)
	}
	if g, ok := h.ints.get(v); ok {
		return g, nil
	}
	return h.newGroup([]byte(key), v, false)
}

// unexpired returns, when some rows of a chunk retract rows their group no
// longer has (it expired, and its state went with it), the mask of the rows
// to keep; nil when every row is to be kept. A retraction is dropped as it
// arrives, not netted against the chunk's other rows, so an update of an
// expired group's row (a delete and an insert) leaves the new row.
func (h *HashAgg) unexpired(slots []int32, signs []int64) []bool {
	var keep []bool
	var delta map[int32]int64 // the kept rows' changes so far, per group
	for i, g := range slots {
		if signs[i] >= 0 {
			if delta != nil {
				delta[g] += signs[i]
			}
			continue
		}
		if delta == nil {
			delta = map[int32]int64{}
			for j := range i {
				delta[slots[j]] += signs[j]
			}
		}
		if h.rows[g]+delta[g]+signs[i] < 0 {
			if keep == nil {
				keep = make([]bool, len(slots))
				for j := range keep {
					keep[j] = true
				}
			}
			keep[i] = false
			continue
		}
		delta[g] += signs[i]
	}
	return keep
}

// processKept folds the rows of c that keep marks.
func (h *HashAgg) processKept(ctx context.Context, c exec.Chunk, keep []bool) error {
	sel := make([]int, 0, len(keep))
	for i, k := range keep {
		if k {
			sel = append(sel, i)
		}
	}
	if len(sel) == 0 {
		return nil
	}
	kept, err := selectChunk(ctx, h.mem, c, sel)
	if err != nil {
		return err
	}
	defer kept.Release()
	return h.ProcessChunk(ctx, 0, kept, nil)
}
