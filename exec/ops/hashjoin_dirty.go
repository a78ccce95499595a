package ops

import (
	"slices"
	"strings"
)

// joinDirty is the epoch's changes of a join side under one join key:
// state key → entry. Most keys have one or a few (an auction's row, a
// marker, the bids that came before their auction), so the changes are a
// slice, the first one stored in the joinDirty itself, and a key with many
// (a hot key of a join that keeps its rows) gets an index by state key
// once it passes dirtyIndexAt: one small allocation per key, not a map.
type joinDirty struct {
	rows  []dirtyRow
	index map[string]int32 // rows' positions by key; nil below dirtyIndexAt
	first [1]dirtyRow
}

// dirtyRow is a row of a joinDirty: entry e of the row with state key key.
type dirtyRow struct {
	key string
	e   joinEntry
}

// dirtyIndexAt is how many rows a joinDirty holds before it indexes them.
const dirtyIndexAt = 8

// newJoinDirty returns an empty joinDirty.
func newJoinDirty() *joinDirty {
	d := &joinDirty{}
	d.rows = d.first[:0:1]
	return d
}

// find returns the position of the row key in d.rows, or -1.
func (d *joinDirty) find(key string) int {
	if d.index != nil {
		if i, ok := d.index[key]; ok {
			return int(i)
		}
		return -1
	}
	for i := range d.rows {
		if d.rows[i].key == key {
			return i
		}
	}
	return -1
}

// get returns the entry of the row key, and whether the epoch changed it.
func (d *joinDirty) get(key string) (joinEntry, bool) {
	if i := d.find(key); i >= 0 {
		return d.rows[i].e, true
	}
	return joinEntry{}, false
}

// put records e as the entry of the row key.
func (d *joinDirty) put(key string, e joinEntry) {
	if i := d.find(key); i >= 0 {
		d.rows[i].e = e
		return
	}
	d.rows = append(d.rows, dirtyRow{key: key, e: e})
	switch n := len(d.rows); {
	case d.index != nil:
		d.index[key] = int32(n - 1)
	case n > dirtyIndexAt:
		d.index = make(map[string]int32, 2*n)
		for i, r := range d.rows {
			d.index[r.key] = int32(i)
		}
	}
}

// sorted returns the rows of d in state-key order (d.rows itself when
// there is one).
func (d *joinDirty) sorted() []dirtyRow {
	if len(d.rows) < 2 {
		return d.rows
	}
	rows := slices.Clone(d.rows)
	slices.SortFunc(rows, func(a, b dirtyRow) int { return strings.Compare(a.key, b.key) })
	return rows
}
