package ops

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/statestore"
)

// onePerKeySides returns which sides of the join spec describes have one
// row per join key that frees the other side's rows of the key: sides
// marked LeftOnePerKey or RightOnePerKey of an inner join.
//
// Such a side never retracts and never has two rows with one key (the
// planner's proof, StreamHashJoin.OnePerKey: an append-only input unique
// on its join key, Nexmark's auctions by id). A row of the other side whose
// key has that row pairs with it once, when the later of the two comes,
// and never again: no other row of the key will come, and this one never
// goes. So a change of the other side that finds the key's row pairs with
// it and is not kept (an auction's bids that came after it: every bid but
// a few, q4's and q9's state), and the key's row, when it comes, pairs with
// the rows of the other side kept so far and deletes them (the bids that
// came before their auction). A delete on the other side pairs with the
// key's row as an insert did, and has no kept row to delete. An outer side
// would need its rows' degrees, a semi or anti join its left rows, so only
// inner joins drop rows.
//
// The key's row that the side's prefilter rejects (q20's auction of
// another category) pairs with nothing, but is the key's row all the same:
// the join keeps it as a marker, its degree and no row, so that the other
// side's rows of the key are not kept either (markRejected; q20's bids of
// those auctions, four in five).
func onePerKeySides(spec HashJoinSpec) [2]bool {
	if spec.OuterLeft || spec.OuterRight || spec.Semi || spec.Anti {
		return [2]bool{}
	}
	return [2]bool{spec.LeftOnePerKey, spec.RightOnePerKey}
}

// dropPaired deletes from other, the side opposite a one-per-key side, the
// rows change ch paired with (every candidate, whether the residual held or
// not): they can pair with no row after ch's. A delete on a one-per-key side
// is an error: the plan proved there is none, and the rows it would pair
// with are gone.
func (h *HashJoin) dropPaired(other *joinSide, ch joinChange, pairMatch []joinMatch, ins bool) error {
	if !ins {
		return fmt.Errorf("hash join: a delete on a side planned as never retracting (key %x)", ch.jk)
	}
	for p := ch.lo; p < ch.hi; p++ {
		other.set(ch.jk, pairMatch[p].key, joinEntry{})
	}
	return nil
}

// markRejected records the inserts rows of chunk c of side input, a side
// with one row per key, which its prefilter rejected: each is its key's
// one row, kept as a marker (degree 0 and an empty row, which no row of a
// side with columns encodes to), and the other side's rows of the key,
// kept until it came, pair with nothing and are deleted.
func (h *HashJoin) markRejected(input int, c exec.Chunk, rows []int) error {
	own, other := h.sides[input], h.sides[1-input]
	for _, i := range rows {
		if h.anyNullKey(c.Batch, own.keys, i) {
			continue
		}
		h.jkBuf = statestore.AppendRow(h.jkBuf[:0], own.keyTypes, c.Batch, own.keys, i)
		jk := h.jkBuf
		ms, err := h.matches(other, jk)
		if err != nil {
			return err
		}
		for _, m := range ms {
			other.set(jk, m.key, joinEntry{})
		}
		h.keyBuf = statestore.AppendKey(h.keyBuf[:0], own.table, statestore.Vnode(jk), jk)
		if len(own.streamKey) > 0 {
			h.keyBuf = statestore.AppendRow(h.keyBuf, own.skTypes, c.Batch, own.streamKey, i)
		}
		own.set(jk, string(h.keyBuf), joinEntry{row: []byte{}, val: binary.AppendUvarint(nil, 0)})
	}
	return nil
}

// cacheNew caches the rows a side with one row per key wrote under the join
// key jk, which it had no rows under before (the key's one row came this
// epoch; a key's row never goes): they are then the key's committed rows,
// which a change of the other side reads without opening an iterator —
// q20's and q4's bids find their auction, which came a moment before, so.
func (s *joinSide) cacheNew(jk string, changes *joinDirty) {
	var rows []joinMatch
	for _, r := range changes.rows {
		if r.e.row != nil {
			rows = append(rows, joinMatch{key: r.key, row: r.e.row, degree: r.e.degree})
		}
	}
	if len(rows) == 0 {
		return
	}
	slices.SortFunc(rows, func(a, b joinMatch) int { return strings.Compare(a.key, b.key) })
	s.cacheRows([]byte(jk), rows)
}
