package ops

import (
	"bytes"
	"context"
	"maps"
	"math"
	"slices"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// JoinExpirySide says when a row of one side of a join can no longer pair
// with a row the other side has yet to send: every pair satisfies
// other.OtherColumn ≤ own.Column + Offset (in the columns' unit), so once
// the other side's watermark on OtherColumn is above own.Column + Offset,
// the row's pairs are all made. A row whose Column is NULL pairs with
// nothing.
type JoinExpirySide struct {
	Column      int
	Offset      int64
	OtherColumn int
	// Counted marks a side kept as a count of rows per join key (the right
	// side of a semi or anti join without a residual; its state key is the
	// join key alone): rows of a key may come to it after the other side's
	// watermark passed, so it frees below the lower of that watermark and
	// its own on Column, a key column; a delete keeps the key's entry.
	Counted bool
	// Index is the side's expiry index: table | vnode of the row's state
	// key | expiry time (Column + Offset) | the row's state key → nothing.
	Index statestore.TableID
}

// JoinWatermarkKey is an equality key whose two columns carry watermarks:
// the join passes on the lower of the two inputs' watermarks as a
// watermark of the output columns Out (the key's columns in the output
// that no padded row leaves NULL).
type JoinWatermarkKey struct {
	Left, Right int
	Out         []int
}

// JoinExpiry is a hash join whose rows are freed from its state once they
// can never pair again (a window join, an interval join). It indexes each
// kept row of a side with an expiry (JoinExpirySide) by its expiry time,
// keeps each input's watermarks, and at each barrier, after the join's
// writes, deletes from the side's state table the rows whose expiry is
// below the other side's watermark, and their index entries; a row of the
// epoch already below it is deleted without an entry, and a row whose
// expiry column is NULL is not kept at all. The output is the join's: a
// freed row would pair with no later row.
//
// Any kind of join frees so, since its output for a row is out when the
// row arrives and only changes when a pair comes or goes: an outer side's
// row padded with NULLs is emitted at once and retracted by its first pair
// (a freed row with no pair keeps its padded row in the output, one with
// pairs its pairs), and a semi or anti join's left row is emitted or
// retracted as its degree moves. A freed row's own later delete is still
// joined right: the join pairs a change with the other side's rows, not
// with its own stored degree.
// The join's in-memory cache may still hold a freed row until it is
// evicted; pairs with it fail the join's condition, so that is harmless.
//
// It passes on, after the barrier's writes, the lower of both inputs'
// watermarks on each equality key in Keys, as a watermark of the output
// columns Out: every later output row has the key at or above it (a pair,
// an outer side's padded row, a semi or anti join's left row: each comes
// of a change of one side, with its key, or of the other side's rows with
// the same key).
type JoinExpiry struct {
	*HashJoin
	expiry [2]*JoinExpirySide
	keys   []JoinWatermarkKey
	// watermark[i] is input i's latest watermark per column.
	watermark [2]map[int]int64
	// freed[i] is the watermark side i's rows were last freed below.
	freed [2]int64
	// pending are the epoch's index writes by index key: true to set,
	// false to delete.
	pending [2]map[string]bool
	// unkept are the state keys of the epoch's rows whose expiry column is
	// NULL: true while the row is inserted, so deleted after the join's
	// writes.
	unkept [2]map[string]bool
	// nullColumn is, for a side without an expiry, the column whose NULL
	// keeps a row from pairing (DropNulls; -1: none).
	nullColumn [2]int
	// pushed is the last output watermark per key.
	pushed  map[int]int64
	keyBuf  []byte
	rowBuf  []byte
	scratch []byte
}

// NewJoinExpiry returns h freeing the rows of the sides with an expiry
// (expiry[0] the left side's, expiry[1] the right side's; nil: none) and
// passing on the watermarks of keys.
func NewJoinExpiry(h *HashJoin, expiry [2]*JoinExpirySide, keys []JoinWatermarkKey) *JoinExpiry {
	return &JoinExpiry{
		HashJoin: h, expiry: expiry, keys: keys,
		watermark:  [2]map[int]int64{{}, {}},
		freed:      [2]int64{math.MinInt64, math.MinInt64},
		pending:    [2]map[string]bool{{}, {}},
		unkept:     [2]map[string]bool{{}, {}},
		nullColumn: [2]int{-1, -1},
		pushed:     map[int]int64{},
	}
}

// DropNulls makes side, one without an expiry (the other side's column
// carries no watermark), keep none of its rows whose column is NULL: the
// join's condition bounds the other side's column by it, so such a row
// pairs with nothing (an outer side's is padded when it comes).
func (j *JoinExpiry) DropNulls(side, column int) {
	if j.expiry[side] == nil {
		j.nullColumn[side] = column
	}
}

// PerInputWatermarks marks JoinExpiry as reading each input's watermarks.
func (j *JoinExpiry) PerInputWatermarks() {}

// OnWatermark keeps input's watermark for the next barrier.
func (j *JoinExpiry) OnWatermark(_ context.Context, input int, w exec.Watermark, _ exec.Output) error {
	if old, ok := j.watermark[input][w.Column]; !ok || w.Value > old {
		j.watermark[input][w.Column] = w.Value
	}
	return nil
}

// ProcessChunk indexes the chunk's changes of a side with an expiry, then
// hands the chunk to the join.
func (j *JoinExpiry) ProcessChunk(ctx context.Context, input int, c exec.Chunk, out exec.Output) error {
	if e := j.expiry[input]; e != nil {
		j.index(input, e, c)
	} else if col := j.nullColumn[input]; col >= 0 && c.Batch.Column(col).NullN() > 0 {
		j.noteNulls(input, col, c)
	}
	return j.HashJoin.ProcessChunk(ctx, input, c, out)
}

// noteNulls records the state keys of c's rows whose column col is NULL
// (with a join key: a NULL key's row is not kept) as unkept: an insert's
// to delete after the join's writes.
func (j *JoinExpiry) noteNulls(input, col int, c exec.Chunk) {
	s := j.sides[input]
	nulls := c.Batch.Column(col)
	for i := range c.NumRows() {
		if !nulls.IsNull(i) || j.anyNullKey(c.Batch, s.keys, i) {
			continue
		}
		j.rowBuf = statestore.AppendRow(j.rowBuf[:0], s.keyTypes, c.Batch, s.keys, i)
		j.scratch = statestore.AppendKey(j.scratch[:0], s.table, statestore.Vnode(j.rowBuf), j.rowBuf)
		if len(s.streamKey) > 0 {
			j.scratch = statestore.AppendRow(j.scratch, s.skTypes, c.Batch, s.streamKey, i)
		}
		j.unkept[input][string(j.scratch)] = c.OpAt(i).IsInsert()
	}
}

// index records the index entries of c's rows: an insert's to set, a
// delete's to delete (the row leaves state; a row inserted again under
// the same key has an entry of its own; a count per key stays). A row with
// a NULL join key is not kept by the join and has none; one with a NULL
// expiry column pairs with nothing, so it has none and is not kept either
// (unkept).
func (j *JoinExpiry) index(input int, e *JoinExpirySide, c exec.Chunk) {
	s := j.sides[input]
	col := c.Batch.Column(e.Column)
	for i := range c.NumRows() {
		if j.anyNullKey(c.Batch, s.keys, i) {
			continue
		}
		j.rowBuf = statestore.AppendRow(j.rowBuf[:0], s.keyTypes, c.Batch, s.keys, i)
		vnode := statestore.Vnode(j.rowBuf)
		j.scratch = statestore.AppendKey(j.scratch[:0], s.table, vnode, j.rowBuf)
		if len(s.streamKey) > 0 && !e.Counted {
			j.scratch = statestore.AppendRow(j.scratch, s.skTypes, c.Batch, s.streamKey, i)
		}
		at, ok := expr.WatermarkAt(col, i)
		if !ok {
			j.unkept[input][string(j.scratch)] = c.OpAt(i).IsInsert()
			continue
		}
		delete(j.unkept[input], string(j.scratch))
		j.keyBuf = statestore.AppendKey(j.keyBuf[:0], e.Index, vnode, nil)
		j.keyBuf = statestore.AppendInt64(j.keyBuf, saturatingAdd(at, e.Offset))
		j.keyBuf = append(j.keyBuf, j.scratch...)
		j.pending[input][string(j.keyBuf)] = c.OpAt(i).IsInsert() || e.Counted
	}
}

// saturatingAdd returns a+b, held at the int64 range's ends.
func saturatingAdd(a, b int64) int64 {
	s := a + b
	switch {
	case b > 0 && s < a:
		return math.MaxInt64
	case b < 0 && s > a:
		return math.MinInt64
	}
	return s
}

// bound returns the watermark side's rows expire below: the other side's
// on OtherColumn, for a counted side the lower of that and its own on
// Column; ok false while one is missing.
func (j *JoinExpiry) bound(side int, e *JoinExpirySide) (int64, bool) {
	wm, ok := j.watermark[1-side][e.OtherColumn]
	if ok && e.Counted {
		own, ownOK := j.watermark[side][e.Column]
		wm, ok = min(wm, own), ownOK
	}
	return wm, ok
}

// expiryLen is the length of an index entry's expiry time (AppendInt64's
// encoding), after the key prefix.
const expiryLen = 9

// OnBarrier writes the join's changes and the epoch's index entries, frees
// the rows that expired, then passes on the keys' watermarks. A row of the
// epoch whose expiry is below the bound the side was freed below (it came
// after the watermark that frees it: the other side's rows it can pair
// with were all there) is deleted at once, without an index entry: the
// bound may never rise again (its input ended), so no later free would
// take it. The rows whose expiry column is NULL are deleted too.
func (j *JoinExpiry) OnBarrier(ctx context.Context, b exec.Barrier, w exec.StateWriter, out exec.Output) error {
	if err := j.HashJoin.OnBarrier(ctx, b, w, out); err != nil {
		return err
	}
	for side, e := range j.expiry {
		if e == nil {
			if err := j.deleteUnkept(side, w); err != nil {
				return err
			}
			continue
		}
		if wm, ok := j.bound(side, e); ok && wm > j.freed[side] {
			if err := j.free(side, e, wm, w); err != nil {
				return err
			}
			j.freed[side] = wm
		}
		// After the range deletes of free, which would delete an entry
		// below the bound written before them. In key order, as the join
		// writes its own: Pebble sorts a large batch, or inserts it into
		// its memtable, each cheaper over sorted keys.
		for _, k := range slices.Sorted(maps.Keys(j.pending[side])) {
			set := j.pending[side][k]
			var err error
			switch {
			case set && j.freed[side] != math.MinInt64 && entryExpiry(k) < j.freed[side]:
				err = w.Delete([]byte(k[statestore.KeyPrefixLen+expiryLen:]))
			case set:
				err = w.Set([]byte(k), nil)
			default:
				err = w.Delete([]byte(k))
			}
			if err != nil {
				return err
			}
		}
		clear(j.pending[side])
		if err := j.deleteUnkept(side, w); err != nil {
			return err
		}
	}
	for _, k := range j.keys {
		l, lok := j.watermark[0][k.Left]
		r, rok := j.watermark[1][k.Right]
		if !lok || !rok {
			continue
		}
		low := min(l, r)
		if len(k.Out) == 0 {
			continue
		}
		if old, ok := j.pushed[k.Out[0]]; ok && old >= low {
			continue
		}
		j.pushed[k.Out[0]] = low
		for _, col := range k.Out {
			if err := exec.PushWatermark(ctx, out, exec.Watermark{Column: col, Value: low}); err != nil {
				return err
			}
		}
	}
	return nil
}

// free deletes the rows of side whose expiry is below bound, and their
// index entries: it reads the committed index vnode by vnode, from each
// vnode's lowest expiry up to bound, and deletes those entries with one
// range delete per vnode. The row of an entry the epoch deleted (it left
// state and may be back under the same key) is left as it is.
func (j *JoinExpiry) free(side int, e *JoinExpirySide, bound int64, w exec.StateWriter) error {
	if j.state == nil {
		return nil
	}
	lo, hi := statestore.TableSpan(e.Index)
	it, err := j.state.NewIter(lo, hi)
	if err != nil {
		return err
	}
	// last is the vnode of the last expired entry; expired whether its
	// range delete is still to come.
	var last uint16
	expired := false
	// from is the index prefix and expiry of last's first expired entry:
	// its range delete starts there, not at the vnode's first key, so
	// that it does not overlap the range deletes of earlier frees (see
	// deleteBelow).
	var from []byte
	for ok := it.First(); ok; {
		key := it.Key()
		if len(key) < statestore.KeyPrefixLen+expiryLen {
			ok = it.Next()
			continue
		}
		at, _, err := statestore.DecodeInt(key[statestore.KeyPrefixLen:statestore.KeyPrefixLen+expiryLen], types.Int64Type)
		if err != nil {
			it.Close()
			return err
		}
		vnode := uint16(key[statestore.KeyPrefixLen-2])<<8 | uint16(key[statestore.KeyPrefixLen-1])
		if at >= bound {
			// The rest of this vnode is not expired: its entries below
			// the bound go in one range delete, then on to the next.
			if expired && last == vnode {
				if err := deleteBelow(w, e.Index, vnode, from, bound); err != nil {
					it.Close()
					return err
				}
				expired = false
			}
			if int(vnode)+1 >= statestore.NumVnodes {
				return it.Close()
			}
			ok = it.SeekGE(statestore.AppendKey(j.keyBuf[:0], e.Index, vnode+1, nil))
			continue
		}
		if !expired {
			from = append(from[:0], key[:statestore.KeyPrefixLen+expiryLen]...)
		}
		if set, touched := j.pending[side][string(key)]; !touched || set {
			if err := w.Delete(key[statestore.KeyPrefixLen+expiryLen:]); err != nil {
				it.Close()
				return err
			}
		}
		last, expired = vnode, true
		ok = it.Next()
		if ok && !bytes.HasPrefix(it.Key(), statestore.AppendKey(j.keyBuf[:0], e.Index, last, nil)) {
			// The vnode's entries are all expired.
			if err := deleteBelow(w, e.Index, last, from, bound); err != nil {
				it.Close()
				return err
			}
			expired = false
		}
	}
	if expired {
		if err := deleteBelow(w, e.Index, last, from, bound); err != nil {
			it.Close()
			return err
		}
	}
	return it.Close()
}

// deleteUnkept deletes the epoch's rows of side that pair with nothing
// (unkept), after the join wrote them.
func (j *JoinExpiry) deleteUnkept(side int, w exec.StateWriter) error {
	for _, k := range slices.Sorted(maps.Keys(j.unkept[side])) {
		if j.unkept[side][k] {
			if err := w.Delete([]byte(k)); err != nil {
				return err
			}
		}
	}
	clear(j.unkept[side])
	return nil
}

// entryExpiry returns the expiry time of index key k, one index wrote
// (MaxInt64, never expired, if it did not decode).
func entryExpiry(k string) int64 {
	at, _, err := statestore.DecodeInt([]byte(k[statestore.KeyPrefixLen:statestore.KeyPrefixLen+expiryLen]), types.Int64Type)
	if err != nil {
		return math.MaxInt64
	}
	return at
}

// deleteBelow deletes the entries of index under vnode from the key from
// (index, vnode and an expiry: free's first entry below bound, none being
// before it) up to those whose expiry time is bound. Each free's range
// delete starts past the previous one's end: Pebble fragments overlapping
// range deletes (in a memtable, in a large batch) into spans each holding
// every deletion over it, quadratic in the frees a memtable holds; with
// every range starting at the vnode's first key, Nexmark q5 at 10 M
// events held ~200 MB of such fragments.
func deleteBelow(w exec.StateWriter, index statestore.TableID, vnode uint16, from []byte, bound int64) error {
	return w.DeleteRange(from, statestore.AppendKey(nil, index, vnode, statestore.AppendInt64(nil, bound)))
}
