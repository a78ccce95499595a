package ops

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/statestore"
)

// appendTopNMaxHi is the largest Hi an append-only GroupTopN keeps each
// partition's rows for in one sorted slice (appendTopN); past it, a
// partition is a TopN with its chunked cache.
const appendTopNMaxHi = 1024

// appendTopNCacheBytes bounds the bytes of the committed partitions an
// append-only GroupTopN keeps cached (appendGroup.bytes). A larger cache
// saves reads of state but costs more in lookups in a larger map and in the
// garbage collector's marking: Nexmark q18 and q19 ran fastest with 4 to 8
// MiB.
const appendTopNCacheBytes = 8 << 20

// appendTopNScanGroups is how many partitions Open notes in the filter at
// most; a state with more makes the filter full (every partition not cached
// is read).
const appendTopNScanGroups = 1 << 20

// appendGroupBytes and appendEntryBytes are what a cached partition and a
// row of it cost besides their bytes.
const (
	appendGroupBytes = 128
	appendEntryBytes = 32
)

// appendTopN is the GroupTopN of an append-only input ranked by row_number
// with Hi at most appendTopNMaxHi. A row ranked past Hi can never come back
// (nothing before it is ever deleted), so a partition holds its first Hi
// rows only, in state and in memory: one sorted slice, the epoch's changes
// applied in place.
//
// It keeps the partitions it read in a cache that stays what the committed
// state holds (the partitions the epoch touched keep their committed rows
// beside until the barrier writes the difference), in two generations: the
// partitions rows reached since the generation began, and those of the
// generation before, which move up when a row reaches them. A barrier that
// finds the current generation past half of cacheBytes drops the older one
// whole and starts a new one, so the cache stays within about cacheBytes
// and what leaves it is what no row reached for a generation. A row that
// ranks past Hi in a full cached partition is dropped without a read of
// state, and a partition neither cached nor in the filter of those state
// holds is new: it is not read either. Since the window is the
// rows ranked Lo to Hi of the slice, what the view has is the committed
// rows' window; the barrier emits its difference with the new one.
type appendTopN struct {
	g *GroupTopN
	// cur and prev are the cache's generations, partitions by key; curBytes
	// counts the bytes of cur.
	cur, prev  map[string]*appendGroup
	curBytes   int
	cacheBytes int
	// filter holds the key of every partition with rows in state.
	filter partitionFilter
	// touched are the partitions the epoch changed, each with the first
	// bytes of its key to sort them by.
	touched []touchedGroup
	// arena holds the committed rows of the touched partitions (their old).
	arena []appendEntry
	// Scratch encodings of a row's partition key, state key suffix and row.
	pk, key, row []byte
	enc          appendEncoders
}

// appendGroup is a partition of an appendTopN.
type appendGroup struct {
	pk string
	// rows are the partition's first rows (at most Hi) in rank order.
	rows []appendEntry
	// old are the committed rows while touched: the epoch changed rows.
	old     []appendEntry
	touched bool
	// bytes is what the partition costs in the cache.
	bytes int
	// first holds the rows while there is at most one (rn = 1 keeps no
	// more), so that they take no allocation of their own.
	first [1]appendEntry
}

// touchedGroup is a partition the epoch changed, with the first 16 bytes of
// its key as two big-endian words (zero-padded), so that sorting the
// touched partitions compares words and reads a key only on a tie.
type touchedGroup struct {
	k0, k1 uint64
	grp    *appendGroup
}

// newTouchedGroup returns grp with the words of its key.
func newTouchedGroup(grp *appendGroup) touchedGroup {
	var b [16]byte
	copy(b[:], grp.pk)
	return touchedGroup{k0: binary.BigEndian.Uint64(b[:8]), k1: binary.BigEndian.Uint64(b[8:]), grp: grp}
}

// compareTouched orders touched partitions by key.
func compareTouched(x, y touchedGroup) int {
	switch {
	case x.k0 != y.k0:
		return cmp.Compare(x.k0, y.k0)
	case x.k1 != y.k1:
		return cmp.Compare(x.k1, y.k1)
	}
	return strings.Compare(x.grp.pk, y.grp.pk)
}

// appendEntry is a row of an appendGroup: the suffix of its state key after
// the partition key (sort key | stream key), then the row's encoding.
type appendEntry struct {
	b []byte
	k int
}

func (e appendEntry) key() []byte { return e.b[:e.k] }
func (e appendEntry) row() []byte { return e.b[e.k:] }

// appendEncoders encode the columns of one input batch.
type appendEncoders struct {
	batch   arrow.RecordBatch
	pk, sk  []statestore.ValueEncoder
	sort    []statestore.ValueEncoder
	sortCol []arrow.Array
	row     []statestore.ValueEncoder
}

// newAppendTopN returns the append-only path of g.
func newAppendTopN(g *GroupTopN) *appendTopN {
	return &appendTopN{g: g, cacheBytes: appendTopNCacheBytes}
}

// open forgets every partition and notes in the filter those the state
// holds.
func (a *appendTopN) open() error {
	a.cur, a.prev = map[string]*appendGroup{}, map[string]*appendGroup{}
	a.curBytes = 0
	a.touched = a.touched[:0]
	clear(a.arena)
	a.arena = a.arena[:0]
	a.filter.reset()
	a.enc = appendEncoders{}
	return a.scanPartitions()
}

// scanPartitions adds the key of every partition in state to the filter,
// reading one row of each: at most appendTopNScanGroups, after which the
// filter is full.
func (a *appendTopN) scanPartitions() error {
	base := a.g.base
	it, err := a.g.state.StateReader.NewIter(base, statestore.PrefixEnd(base))
	if err != nil {
		return err
	}
	groups := 0
	for ok := it.First(); ok; {
		if groups == appendTopNScanGroups {
			a.filter.full = true
			break
		}
		rest := it.Key()[len(base):]
		for _, t := range a.g.pkTypes {
			if rest, err = statestore.SkipValue(rest, t); err != nil {
				it.Close()
				return fmt.Errorf("per-group top-N: state key %x: %w", it.Key(), err)
			}
		}
		pk := it.Key()[:len(it.Key())-len(rest)]
		a.filter.add(string(pk[len(base):]))
		groups++
		ok = it.SeekGE(statestore.PrefixEnd(pk))
	}
	return it.Close()
}

// encoders returns the encoders of the columns of b.
func (a *appendTopN) encoders(b arrow.RecordBatch) *appendEncoders {
	e := &a.enc
	if e.batch == b {
		return e
	}
	spec := a.g.spec
	e.batch = b
	e.pk, e.sk, e.sort, e.sortCol, e.row = e.pk[:0], e.sk[:0], e.sort[:0], e.sortCol[:0], e.row[:0]
	for _, c := range spec.PartitionBy {
		e.pk = append(e.pk, statestore.NewValueEncoder(spec.Schema[c].Type, b.Column(c)))
	}
	for _, k := range spec.Keys {
		col, t := b.Column(k.Column), spec.Schema[k.Column].Type
		if k.Desc {
			e.sort = append(e.sort, statestore.NewValueEncoderDesc(t, col))
		} else {
			e.sort = append(e.sort, statestore.NewValueEncoder(t, col))
		}
		e.sortCol = append(e.sortCol, col)
	}
	for _, c := range spec.StreamKey {
		e.sk = append(e.sk, statestore.NewValueEncoder(spec.Schema[c].Type, b.Column(c)))
	}
	for c, col := range spec.Schema {
		e.row = append(e.row, statestore.NewValueEncoder(col.Type, b.Column(c)))
	}
	return e
}

// processChunk applies the rows of c to their partitions.
func (a *appendTopN) processChunk(c exec.Chunk) error {
	n := c.NumRows()
	if n == 0 {
		return nil
	}
	enc := a.encoders(c.Batch)
	defer func() { a.enc.batch = nil }() // the batch is the caller's after the call
	hi := int(a.g.spec.Hi)
	for i := 0; i < n; i++ {
		if !c.OpAt(i).IsInsert() {
			return fmt.Errorf("per-group top-N: a delete in an input planned as append-only")
		}
		a.pk = a.pk[:0]
		for _, f := range enc.pk {
			a.pk = f(a.pk, i)
		}
		grp := a.cur[string(a.pk)]
		if grp == nil {
			var err error
			if grp, err = a.partition(a.pk); err != nil {
				return err
			}
		}
		a.key = a.key[:0]
		for k, f := range enc.sort {
			switch {
			case !enc.sortCol[k].IsNull(i):
				a.key = f(append(a.key, topNValue), i)
			case a.g.spec.Keys[k].NullsFirst:
				a.key = append(a.key, topNNullFirst)
			default:
				a.key = append(a.key, topNNullLast)
			}
		}
		for _, f := range enc.sk {
			a.key = f(a.key, i)
		}
		rows := grp.rows
		if len(rows) == hi && bytes.Compare(a.key, rows[hi-1].key()) > 0 {
			continue // ranked past Hi: it never enters
		}
		pos := sort.Search(len(rows), func(j int) bool { return bytes.Compare(rows[j].key(), a.key) >= 0 })
		found := pos < len(rows) && bytes.Equal(rows[pos].key(), a.key)
		a.row = a.row[:0]
		for _, f := range enc.row {
			a.row = f(a.row, i)
		}
		// The row this one replaces or pushes out lends its bytes if the
		// epoch made it (nothing else holds it then).
		var spare []byte
		switch {
		case found:
			spare = rows[pos].b
		case len(rows) == hi:
			spare = rows[hi-1].b
		}
		var b []byte
		if n := len(a.key) + len(a.row); cap(spare) >= n && epochMade(grp, spare) {
			b = spare[:0]
		} else {
			b = make([]byte, 0, n)
		}
		e := appendEntry{b: append(append(b, a.key...), a.row...), k: len(a.key)}
		if !grp.touched {
			grp.touched = true
			start := len(a.arena)
			a.arena = append(a.arena, rows...)
			grp.old = a.arena[start:len(a.arena):len(a.arena)]
			a.touched = append(a.touched, newTouchedGroup(grp))
		}
		switch {
		case found:
			rows[pos] = e
		case pos == len(rows) && len(rows) < hi:
			grp.rows = append(rows, e)
		case len(rows) < hi:
			grp.rows = slices.Insert(rows, pos, e)
		default: // full: the last row leaves
			copy(rows[pos+1:], rows[pos:hi-1])
			rows[pos] = e
		}
	}
	return nil
}

// appendReuseMaxOld is the most committed rows of a partition epochMade
// compares a row's bytes with.
const appendReuseMaxOld = 16

// epochMade reports whether b, the bytes of a row of partition grp, are a
// row's the epoch made: grp is touched, and none of its committed rows
// (grp.old) has them. It says no for a partition of more than
// appendReuseMaxOld committed rows.
func epochMade(grp *appendGroup, b []byte) bool {
	if !grp.touched || len(grp.old) > appendReuseMaxOld || cap(b) == 0 {
		return false
	}
	for _, o := range grp.old {
		if cap(o.b) > 0 && &o.b[:1][0] == &b[:1][0] {
			return false
		}
	}
	return true
}

// fromPrev returns the partition pk if the older generation has it, moved
// to the current one.
func (a *appendTopN) fromPrev(pk []byte) *appendGroup {
	grp := a.prev[string(pk)]
	if grp == nil {
		return nil
	}
	delete(a.prev, grp.pk)
	a.cur[grp.pk] = grp
	a.curBytes += grp.bytes
	return grp
}

// partition returns the partition pk, which the current generation does
// not have: a new one if the filter says the state has no row of it (then
// the older generation has not either: every partition there had rows
// written at a barrier), else the older generation's or one read from
// state.
func (a *appendTopN) partition(pk []byte) (*appendGroup, error) {
	if !a.filter.mayHold(pk) {
		return a.load(pk, false)
	}
	if grp := a.fromPrev(pk); grp != nil {
		return grp, nil
	}
	return a.load(pk, true)
}

// load returns the partition pk, read from state if stored (else new), and
// caches it.
func (a *appendTopN) load(pk []byte, stored bool) (*appendGroup, error) {
	grp := &appendGroup{pk: string(pk)}
	grp.rows = grp.first[:0]
	if stored {
		prefix := append(a.g.base[:len(a.g.base):len(a.g.base)], pk...)
		it, err := a.g.state.NewIter(prefix, statestore.PrefixEnd(prefix))
		if err != nil {
			return nil, err
		}
		for ok := it.First(); ok && len(grp.rows) < int(a.g.spec.Hi); ok = it.Next() {
			k := it.Key()[len(prefix):]
			b := make([]byte, 0, len(k)+len(it.Value()))
			grp.rows = append(grp.rows, appendEntry{b: append(append(b, k...), it.Value()...), k: len(k)})
		}
		if err := it.Close(); err != nil {
			return nil, err
		}
	}
	grp.bytes = grp.cost()
	a.curBytes += grp.bytes
	a.cur[grp.pk] = grp
	return grp, nil
}

// cost returns what the partition costs in the cache.
func (grp *appendGroup) cost() int {
	n := len(grp.pk) + appendGroupBytes
	for _, e := range grp.rows {
		n += len(e.b) + appendEntryBytes
	}
	return n
}

// onBarrier emits the changes of the touched partitions' windows, writes
// their rows' changes to state and bounds the cache.
func (a *appendTopN) onBarrier(ctx context.Context, w exec.StateWriter, out exec.Output) error {
	slices.SortFunc(a.touched, compareTouched)
	if err := a.emit(ctx, out); err != nil {
		return err
	}
	if err := a.g.state.release(); err != nil {
		return err
	}
	key := slices.Clone(a.g.base)
	for _, t := range a.touched {
		grp := t.grp
		key = append(key[:len(a.g.base)], grp.pk...)
		n := len(key)
		var err error
		diffSorted(grp.old, grp.rows, func(i, j int) {
			switch {
			case err != nil:
			case j < 0:
				key = append(key[:n], grp.old[i].key()...) // kept: its room serves the next
				err = w.Delete(key)
			case i < 0 || !bytes.Equal(grp.old[i].row(), grp.rows[j].row()):
				key = append(key[:n], grp.rows[j].key()...)
				err = w.Set(key, grp.rows[j].row())
			}
		})
		if err != nil {
			return err
		}
		if len(grp.old) == 0 && len(grp.rows) > 0 {
			a.filter.add(grp.pk) // its first rows in state
		}
		grp.old, grp.touched = nil, false
		bytes := grp.cost()
		a.curBytes += bytes - grp.bytes
		grp.bytes = bytes
	}
	clear(a.touched)
	a.touched = a.touched[:0]
	clear(a.arena)
	a.arena = a.arena[:0]
	if a.curBytes > a.cacheBytes/2 {
		// The older generation leaves; the filter knows its partitions.
		a.prev = a.cur
		a.cur, a.curBytes = make(map[string]*appendGroup, len(a.prev)), 0
	}
	return nil
}

// diffSorted calls fn for each state key in old or now (both sorted by
// key), in key order, with its positions in old and now: -1 for the one
// that does not hold it.
func diffSorted(old, now []appendEntry, fn func(i, j int)) {
	i, j := 0, 0
	for i < len(old) || j < len(now) {
		var c int
		switch {
		case i == len(old):
			c = 1
		case j == len(now):
			c = -1
		default:
			c = bytes.Compare(old[i].key(), now[j].key())
		}
		switch {
		case c < 0:
			fn(i, -1)
			i++
		case c > 0:
			fn(-1, j)
			j++
		default:
			fn(i, j)
			i++
			j++
		}
	}
}

// emit pushes the differences of the touched partitions' windows (the rows
// ranked Lo to Hi): every partition's deletes, then update pairs (a row
// whose rank moved, when the rank is read) and inserts, in rank order per
// partition.
func (a *appendTopN) emit(ctx context.Context, out exec.Output) error {
	rr := newRankedRows(a.g, 2*len(a.touched)) // an update pair per partition
	defer rr.release()
	lo := min(int(a.g.spec.Lo)-1, int(a.g.spec.Hi))
	// rank returns the rank of the row at position i of a window.
	rank := func(i int) int64 {
		if a.g.spec.RankUnused {
			return 0
		}
		return int64(lo + i + 1)
	}
	window := func(rows []appendEntry) []appendEntry { return rows[min(lo, len(rows)):] }
	var err error
	for _, t := range a.touched {
		was, now := window(t.grp.old), window(t.grp.rows)
		diffSorted(was, now, func(i, j int) {
			if err == nil && j < 0 {
				err = rr.add(exec.Delete, was[i].row(), rank(i))
			}
		})
	}
	for _, t := range a.touched {
		was, now := window(t.grp.old), window(t.grp.rows)
		diffSorted(was, now, func(i, j int) {
			switch {
			case err != nil || j < 0:
			case i < 0:
				err = rr.add(exec.Insert, now[j].row(), rank(j))
			case rank(i) != rank(j) || !bytes.Equal(was[i].row(), now[j].row()):
				if err = rr.add(exec.UpdateDelete, was[i].row(), rank(i)); err == nil {
					err = rr.add(exec.UpdateInsert, now[j].row(), rank(j))
				}
			}
		})
	}
	if err != nil {
		return err
	}
	return rr.push(ctx, out)
}

// rankedRows builds a chunk of a GroupTopN's output from encoded input
// rows and their ranks. It gathers the rows first and decodes them at push
// into builders reserved for all of them, each value once: an error there
// fails the barrier, so a row cut short in the builders is never emitted.
type rankedRows struct {
	g     *GroupTopN
	ops   []exec.Op
	rows  [][]byte
	ranks []int64
}

// newRankedRows returns an empty chunk builder of g's output with room for
// n rows.
func newRankedRows(g *GroupTopN, n int) *rankedRows {
	return &rankedRows{g: g, ops: make([]exec.Op, 0, n), rows: make([][]byte, 0, n), ranks: make([]int64, 0, n)}
}

// add appends the change op of the encoded row with its rank.
func (r *rankedRows) add(op exec.Op, row []byte, rank int64) error {
	r.ops = append(r.ops, op)
	r.rows = append(r.rows, row)
	r.ranks = append(r.ranks, rank)
	return nil
}

// push hands the rows added to out as one chunk, if there are any.
func (r *rankedRows) push(ctx context.Context, out exec.Output) error {
	n := len(r.ops)
	if n == 0 {
		return nil
	}
	rb := array.NewRecordBuilder(r.g.mem, r.g.out.Arrow())
	defer rb.Release()
	rb.Reserve(n)
	fields := rb.Fields()
	schema := r.g.spec.Schema
	text := r.g.textBytes(len(schema))
	for c := range schema {
		if b, ok := fields[c].(dataReserver); ok && text[c] > 0 {
			// Room for the bytes the last chunk's rows had, and a
			// little more, so that the values are not copied as the
			// buffer doubles.
			b.ReserveData(n * text[c] * 9 / 8)
		}
	}
	for i, row := range r.rows {
		rest := row
		var err error
		for c, col := range schema {
			if rest, err = statestore.DecodeValue(rest, col.Type, fields[c]); err != nil {
				return fmt.Errorf("per-group top-N: decoding column %d (%q) of row %x: %w", c, col.Name, row, err)
			}
		}
		if len(rest) != 0 {
			return fmt.Errorf("per-group top-N: row %x has %d bytes after its %d values: %w", row, len(rest), len(schema), statestore.ErrCorrupt)
		}
		fields[len(schema)].(*array.Int64Builder).Append(r.ranks[i])
	}
	for c := range schema {
		if b, ok := fields[c].(dataReserver); ok {
			text[c] = (b.DataLen() + n - 1) / n
		}
	}
	ops := r.ops
	if !slices.ContainsFunc(ops, func(op exec.Op) bool { return op != exec.Insert }) {
		ops = nil
	}
	r.ops, r.rows, r.ranks = nil, nil, nil
	return out.Push(ctx, exec.Chunk{Batch: rb.NewRecordBatch(), Ops: ops})
}

// dataReserver is a builder of variable-length values (text, bytea):
// its values' bytes can be reserved at once.
type dataReserver interface {
	ReserveData(n int)
	DataLen() int
}

// textBytes returns, per column of the output's n input columns, the bytes
// a row had on average in the last chunk pushed, 0 for a column of fixed
// width (its builder is not a dataReserver) or before the first.
func (g *GroupTopN) textBytes(n int) []int {
	if len(g.rowBytes) != n {
		g.rowBytes = make([]int, n)
	}
	return g.rowBytes
}

// release drops the rows not pushed.
func (r *rankedRows) release() {
	r.ops, r.rows, r.ranks = nil, nil, nil
}
