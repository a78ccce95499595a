package ops

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// HashJoinSpec describes a HashJoin. Input 0 is the left side, input 1 the
// right.
type HashJoinSpec struct {
	// Left and Right are the inputs' schemas.
	Left, Right types.Schema
	// LeftKeys[i] = RightKeys[i] are the equality keys, columns of one type.
	LeftKeys, RightKeys []int
	// NullSafe[i] makes key i match a NULL with a NULL (IS NOT DISTINCT
	// FROM); nil: no key does.
	NullSafe []bool
	// LeftStreamKey and RightStreamKey identify a row of each input.
	LeftStreamKey, RightStreamKey []int
	// OuterLeft and OuterRight keep that side's rows that pair with none,
	// padded with NULLs for the other side.
	OuterLeft, OuterRight bool
	// Residual, if set, is the rest of the join condition, over Output's
	// columns (a semi or anti join: Pairs'): a pair is joined only where it
	// is true.
	Residual expr.Expr
	// Semi and Anti make a semi or anti join: Output is Left, and a left
	// row is emitted while it pairs with some right row (Semi) or with none
	// (Anti). Pairs is then the schema of a pair, the residual's input,
	// which LeftPos and RightPos place the inputs' columns in.
	Semi, Anti bool
	Pairs      types.Schema
	// LeftTable and RightTable hold each side's rows:
	// join key | stream key → degree (uvarint) | row. A semi or anti join
	// without Residual keeps only the number of right rows per join key:
	// RightTable holds join key → count (uvarint).
	LeftTable, RightTable statestore.TableID
	// Output is the output schema; LeftPos[k] and RightPos[k] are where
	// column k of each input goes in it.
	Output            types.Schema
	LeftPos, RightPos []int
	// HotKeyRows is how many rows of one side a join key may pair a change
	// with before the join reports the key as hot (0: DefaultHotKeyRows).
	HotKeyRows int
	// Logger receives the hot-key reports (slog.Default when nil).
	Logger *slog.Logger
	// Unread marks the Output columns the join's consumer never reads
	// (nil: it may read every one): the join keeps and emits those that
	// no key or residual needs as NULL (hashjoin_unread.go). Semi and
	// anti joins ignore it.
	Unread []bool
	// LeftOnePerKey and RightOnePerKey say that the side's input never
	// retracts and never has two rows with one join key, which the planner
	// proved (StreamHashJoin.OnePerKey): once a key's row came, the other
	// side's rows of the key pair with nothing more, and an inner join
	// keeps none of them (hashjoin_once.go). Ignored for other joins.
	LeftOnePerKey, RightOnePerKey bool
}

// DefaultHotKeyRows is the HotKeyRows of a join that sets none: a key with
// that many rows on one side makes every change to the other side's rows of
// the key join that many rows.
const DefaultHotKeyRows = 10_000

// HashJoin maintains an equi-join of two inputs under inserts and deletes.
// Each side's rows live in its state table under their join key; a change
// on one side is paired with the other side's rows of the same key (read
// from state, and from the changes of the epoch not yet written), the
// pairs the residual condition accepts are emitted with the change's op,
// and the change is recorded on its side. A row of an outer side carries
// its degree, how many rows of the other side it pairs with: its row padded
// with NULLs is emitted while the degree is 0 and retracted when it leaves
// 0. A NULL in a join key never matches (such rows are not kept: they pair
// with nothing, and an outer side's padded row needs nothing but itself),
// but in a null-safe key, where NULL matches NULL.
// Updates are emitted as a delete and an insert.
//
// HashJoin is driven by one fragment goroutine.
type HashJoin struct {
	spec  HashJoinSpec
	mem   memory.Allocator
	state exec.StateReader
	sides [2]*joinSide
	// prefilters are the conditions each side's inserted rows must meet
	// to pair at all (sidePrefilters; nil: none).
	prefilters [2]expr.Expr
	// onePerKey marks the sides whose key's one row makes the other
	// side's rows of the key unneeded (onePerKeySides).
	onePerKey [2]bool
	// narrow is the residual over the columns it reads (nil: none, or
	// all; hashjoin_residual.go).
	narrow *narrowResidual
	// blank marks each side's input columns kept and emitted as NULL
	// (blankColumns; nil: none).
	blank [2][]bool
	// hot counts the keys reported hot; hotSeen keeps the first few, so
	// each is reported once.
	hot     atomic.Int64
	hotSeen map[string]bool
	// jkBuf, keyBuf and valBuf are scratch space for encoding a change's
	// join key, state key and state value (the strings and writes made
	// from them copy them).
	jkBuf, keyBuf, valBuf []byte
	// chunkKeys holds the join and state keys of a chunk's changes
	// (joinChange).
	chunkKeys []byte
	// writes and order are scratch space for a side's writes at the
	// barrier and their order.
	writes []joinWrite
	order  []int32
}

// joinWrite is a write of OnBarrier: entry e under state key key.
type joinWrite struct {
	key string
	e   joinEntry
}

// sortedWrites appends to order the indexes of writes, of one table, in
// key order: by vnode first (a key's bytes after the table id), counted
// into place, then within each vnode by the rest of the key.
func sortedWrites(writes []joinWrite, order []int32) []int32 {
	var start [statestore.NumVnodes + 1]int32
	vnode := func(k string) int {
		return int(k[statestore.KeyPrefixLen-2])<<8 | int(k[statestore.KeyPrefixLen-1])
	}
	for i := range writes {
		start[vnode(writes[i].key)+1]++
	}
	for v := 1; v < len(start); v++ {
		start[v] += start[v-1]
	}
	order = slices.Grow(order[:0], len(writes))[:len(writes)]
	next := start
	for i := range writes {
		v := vnode(writes[i].key)
		order[next[v]] = int32(i)
		next[v]++
	}
	for v := range statestore.NumVnodes {
		slices.SortFunc(order[start[v]:start[v+1]], func(a, b int32) int {
			return strings.Compare(writes[a].key[statestore.KeyPrefixLen:], writes[b].key[statestore.KeyPrefixLen:])
		})
	}
	return order
}

// joinSide is one input's rows and how to encode them.
type joinSide struct {
	schema    types.Schema
	types     []types.T
	keys      []int
	keyTypes  []types.T
	streamKey []int
	skTypes   []types.T
	outer     bool
	table     statestore.TableID
	pos       []int
	// dirty are the epoch's changes not written yet: join key → state key
	// → entry (hashjoin_dirty.go).
	dirty map[string]*joinDirty
	// cache holds committed rows by join key, each key's in state-key
	// order (cached counts its bytes, cacheEntryBytes a key or row);
	// OnBarrier applies the epoch's changes to it, so that it stays what
	// the state holds across epochs. Past maxCachedBytes, keys picked at
	// random leave it until half is left (evict).
	cache  map[string][]joinMatch
	cached int
	// rowHint is the capacity a new row's encoding starts with.
	rowHint int
	// present records the join keys the side has rows under, when it
	// knows them all (nil: it does not); absent are the keys it told
	// have no row this epoch (absentAgain).
	present *joinPresence
	absent  map[string]struct{}
	// onePerKey: the side has one row per join key, ever (HashJoinSpec's
	// LeftOnePerKey, of an inner join), so a key's rows written at a
	// barrier are all it will hold, cached without a read.
	onePerKey bool
}

// joinEntry is a row of a side as the epoch left it (row nil: deleted).
// val, when set, is its state value already encoded (degree and row, row
// its tail), which OnBarrier writes as it is.
type joinEntry struct {
	row    []byte
	degree uint64
	val    []byte
}

// newJoinEntry returns the entry of a row with its degree, its state value
// encoded once, into a buffer of capacity hint (row is then its tail).
func newJoinEntry(degree uint64, hint int, encode func([]byte) []byte) joinEntry {
	val := binary.AppendUvarint(make([]byte, 0, hint), degree)
	n := len(val)
	val = encode(val)
	return joinEntry{row: val[n:], degree: degree, val: val}
}

// NewHashJoin returns a HashJoin for spec.
func NewHashJoin(spec HashJoinSpec, mem memory.Allocator) *HashJoin {
	side := func(s types.Schema, keys, sk []int, outer bool, table statestore.TableID, pos []int) *joinSide {
		js := &joinSide{schema: s, keys: keys, streamKey: sk, outer: outer, table: table, pos: pos, dirty: map[string]*joinDirty{}}
		for _, c := range s {
			js.types = append(js.types, c.Type)
		}
		for _, k := range keys {
			js.keyTypes = append(js.keyTypes, s[k].Type)
		}
		for _, k := range sk {
			js.skTypes = append(js.skTypes, s[k].Type)
		}
		return js
	}
	h := &HashJoin{spec: spec, mem: mem, prefilters: sidePrefilters(spec), onePerKey: onePerKeySides(spec), narrow: newNarrowResidual(spec), blank: blankColumns(spec), sides: [2]*joinSide{
		side(spec.Left, spec.LeftKeys, spec.LeftStreamKey, spec.OuterLeft, spec.LeftTable, spec.LeftPos),
		side(spec.Right, spec.RightKeys, spec.RightStreamKey, spec.OuterRight, spec.RightTable, spec.RightPos),
	}}
	h.sides[0].onePerKey, h.sides[1].onePerKey = h.onePerKey[0], h.onePerKey[1]
	return h
}

// Open keeps the committed state the join reads the other side's rows from.
func (h *HashJoin) Open(_ context.Context, oc exec.OpenContext) error {
	h.state = oc.State
	for _, s := range h.sides {
		if err := openPresence(h.state, s); err != nil {
			return err
		}
	}
	return nil
}

// joinMatch is a row of the other side that has the join key of a change.
type joinMatch struct {
	key    string // its state key
	row    []byte
	degree uint64
}

// matches returns the rows of side s with the encoded join key jk.
func (h *HashJoin) matches(s *joinSide, jk []byte) ([]joinMatch, error) {
	base, err := h.committed(s, jk)
	if err != nil {
		return nil, err
	}
	dirty := s.dirty[string(jk)]
	if dirty == nil {
		// The committed rows as they are (callers only read them).
		h.noteHot(s, jk, len(base))
		return base, nil
	}
	out := make([]joinMatch, 0, len(base)+len(dirty.rows))
	for _, m := range base {
		if _, changed := dirty.get(m.key); !changed {
			out = append(out, m)
		}
	}
	// The epoch's rows in key order, as the committed ones: a change's
	// pairs come out in the same order every run.
	for _, r := range dirty.sorted() {
		if r.e.row != nil {
			out = append(out, joinMatch{key: r.key, row: r.e.row, degree: r.e.degree})
		}
	}
	h.noteHot(s, jk, len(out))
	return out, nil
}

// maxHotKeysKept bounds the hot keys a join remembers having reported.
const maxHotKeysKept = 1024

// noteHot reports jk, a key of side s with n rows, once, when n reaches
// HotKeyRows: the work of each change to the key grows with n, which a
// user should hear of (RisingWave's users meet it as a stalled join).
func (h *HashJoin) noteHot(s *joinSide, jk []byte, n int) {
	limit := h.spec.HotKeyRows
	if limit <= 0 {
		limit = DefaultHotKeyRows
	}
	if n < limit {
		return
	}
	side := "left"
	if s == h.sides[1] {
		side = "right"
	}
	id := side + string(jk)
	if h.hotSeen[id] {
		return
	}
	if h.hotSeen == nil {
		h.hotSeen = map[string]bool{}
	}
	if len(h.hotSeen) < maxHotKeysKept {
		h.hotSeen[id] = true
	}
	h.hot.Add(1)
	log := h.spec.Logger
	if log == nil {
		log = slog.Default()
	}
	log.Warn("hot join key: every change to it joins this many rows of the other side", "side", side, "rows", n, "key", fmt.Sprintf("%x", jk))
}

// HotKeys returns how many keys the join has reported hot. It is safe to
// call from any goroutine.
func (h *HashJoin) HotKeys() int64 { return h.hot.Load() }

// maxCachedBytes bounds the bytes of the committed rows a side keeps
// cached (cacheBytes).
const maxCachedBytes = 16 << 20

// cacheEntryBytes is what a cached key or row costs besides its bytes.
const cacheEntryBytes = 64

// cacheBytes returns what the cached rows of a key cost.
func cacheBytes(jk string, rows []joinMatch) int {
	n := len(jk) + cacheEntryBytes
	for _, m := range rows {
		n += len(m.key) + len(m.row) + cacheEntryBytes
	}
	return n
}

// committed returns the rows of side s with the encoded join key jk in the
// committed state, which does not change until the epoch's barrier: they
// are read from Pebble once and then kept (a hot key, an auction many bids
// go to, is read once, not once per row; a small side, once in all), at
// most maxCachedBytes kept.
func (h *HashJoin) committed(s *joinSide, jk []byte) ([]joinMatch, error) {
	if h.state == nil {
		return nil, nil
	}
	if rows, ok := s.cache[string(jk)]; ok {
		return rows, nil
	}
	if s.present != nil && !s.present.mayHave(jk) {
		// No committed row. A key asked for again this epoch (an
		// auction its bids keep asking for) is cached, empty, so that
		// the barrier puts the epoch's rows in; one asked for once (a
		// new auction asking for bids) is not, nor then its rows.
		if !s.absentAgain(jk) {
			return nil, nil
		}
		s.cacheRows(jk, nil)
		return nil, nil
	}
	var rows []joinMatch
	prefix := statestore.AppendKey(nil, s.table, statestore.Vnode(jk), jk)
	it, err := h.state.NewIter(prefix, statestore.PrefixEnd(prefix))
	if err != nil {
		return nil, err
	}
	for ok := it.First(); ok; ok = it.Next() {
		degree, row, err := decodeJoinValue(it.Value())
		if err != nil {
			it.Close()
			return nil, err
		}
		rows = append(rows, joinMatch{key: string(it.Key()), row: append([]byte{}, row...), degree: degree})
	}
	if err := it.Close(); err != nil {
		return nil, err
	}
	s.cacheRows(jk, rows)
	return rows, nil
}

// cacheRows caches rows as the committed rows of the join key jk of s,
// within maxCachedBytes.
func (s *joinSide) cacheRows(jk []byte, rows []joinMatch) {
	weight := cacheBytes(string(jk), rows)
	if s.cache == nil {
		s.cache = map[string][]joinMatch{}
	}
	if s.cached+weight > maxCachedBytes {
		s.evict()
	}
	if weight <= maxCachedBytes/2 {
		s.cache[string(jk)] = rows
		s.cached += weight
	}
}

// maxAbsentKeys bounds the keys without committed rows a side remembers
// being asked for in an epoch.
const maxAbsentKeys = 1 << 16

// absentAgain reports whether jk, a key without committed rows, was asked
// for before in the epoch, and notes it.
func (s *joinSide) absentAgain(jk []byte) bool {
	if _, again := s.absent[string(jk)]; again {
		return true
	}
	if s.absent == nil {
		s.absent = map[string]struct{}{}
	}
	if len(s.absent) < maxAbsentKeys {
		s.absent[string(jk)] = struct{}{}
	}
	return false
}

// commitCache applies the epoch's changes of s to the keys it caches, in
// state-key order, as OnBarrier writes them: the cache then holds what the
// committed state does.
func (s *joinSide) commitCache() {
	for jk, changes := range s.dirty {
		rows, ok := s.cache[jk]
		if !ok {
			if s.onePerKey {
				s.cacheNew(jk, changes)
			}
			continue
		}
		before := cacheBytes(jk, rows)
		for _, r := range changes.rows {
			k, e := r.key, r.e
			i, found := slices.BinarySearchFunc(rows, k, func(m joinMatch, k string) int { return strings.Compare(m.key, k) })
			switch {
			case e.row == nil && found:
				rows = slices.Delete(rows, i, i+1)
			case e.row != nil && found:
				rows[i] = joinMatch{key: k, row: e.row, degree: e.degree}
			case e.row != nil:
				rows = slices.Insert(rows, i, joinMatch{key: k, row: e.row, degree: e.degree})
			}
		}
		s.cache[jk] = rows
		s.cached += cacheBytes(jk, rows) - before
	}
	if s.cached > maxCachedBytes {
		s.evict()
	}
}

// evict drops cached keys, in Go's random map order, until at most half of
// maxCachedBytes is left: the keys read most often are likely to be read
// again soon, and a cache cleared whole would read them all again.
func (s *joinSide) evict() {
	for jk, rows := range s.cache {
		if s.cached <= maxCachedBytes/2 {
			return
		}
		s.cached -= cacheBytes(jk, rows)
		delete(s.cache, jk)
	}
}

func decodeJoinValue(v []byte) (uint64, []byte, error) {
	d, n := binary.Uvarint(v)
	if n <= 0 {
		return 0, nil, fmt.Errorf("hash join: bad state value %x: %w", v, statestore.ErrCorrupt)
	}
	return d, v[n:], nil
}

// appendJoinValue appends the state value of a row with its degree to dst.
func appendJoinValue(dst []byte, degree uint64, row []byte) []byte {
	return append(binary.AppendUvarint(dst, degree), row...)
}

// joinOut is a row the join emits: the own side's row own and the other
// side's decoded row other (-1: NULLs for that side).
type joinOut struct {
	op         exec.Op
	own, other int
}

// ProcessChunk pairs the changes of side input with the other side.
func (h *HashJoin) ProcessChunk(ctx context.Context, input int, c exec.Chunk, out exec.Output) error {
	n := c.NumRows()
	if n == 0 {
		return nil
	}
	if input != 0 && input != 1 {
		return fmt.Errorf("hash join: input %d", input)
	}
	if h.counted() {
		return h.semiCounted(ctx, input, c, out)
	}
	if h.prefilters[input] != nil {
		kept, err := h.prefilter(ctx, input, c)
		if err != nil || kept.Batch == nil {
			return err
		}
		defer kept.Batch.Release()
		c, n = kept, kept.NumRows()
	}
	if blanked, ok := h.blankUnread(input, c); ok {
		defer blanked.Batch.Release()
		c = blanked
	}
	own, other := h.sides[input], h.sides[1-input]
	dec := statestore.NewRowDecoder(h.mem, other.schema)
	defer dec.Release()

	// Phase 1: each change's candidates on the other side.
	changes, pairs, pairMatch, err := h.candidates(c, own, other, dec)
	if err != nil {
		return err
	}
	otherBatch := dec.NewBatch()
	defer otherBatch.Release()
	pass, pairBatch, err := h.residual(ctx, c.Batch, otherBatch, input, pairs)
	if err != nil {
		return err
	}
	if pairBatch != nil {
		defer pairBatch.Release()
	}
	if h.spec.Semi || h.spec.Anti {
		return h.semi(ctx, input, c, otherBatch, changes, pairs, pairMatch, pass, out)
	}

	// Phase 2: in order, the outputs, the degrees and the side's rows.
	// degrees: an outer other side's degrees as changed so far (an inner
	// side's rows keep theirs).
	var degrees map[string]uint64
	if other.outer {
		degrees = map[string]uint64{}
	}
	outs := make([]joinOut, 0, len(pairs)+n/8)
	for i := 0; i < n; i++ {
		ch := changes[i]
		op := c.OpAt(i)
		ins := op.IsInsert()
		outOp := exec.Delete
		if ins {
			outOp = exec.Insert
		}
		if ch.null {
			if own.outer {
				outs = append(outs, joinOut{op: outOp, own: i, other: -1})
			}
			continue
		}
		matched := uint64(0)
		for p := ch.lo; p < ch.hi; p++ {
			if !pass[p] {
				continue
			}
			matched++
			if !other.outer {
				outs = append(outs, joinOut{op: outOp, own: i, other: pairs[p].other})
				continue
			}
			m := pairMatch[p]
			d, seen := degrees[m.key]
			if !seen {
				d = m.degree
			}
			if ins {
				if other.outer && d == 0 {
					outs = append(outs, joinOut{op: exec.Delete, own: -1, other: pairs[p].other})
				}
				outs = append(outs, joinOut{op: exec.Insert, own: i, other: pairs[p].other})
				d++
			} else {
				outs = append(outs, joinOut{op: exec.Delete, own: i, other: pairs[p].other})
				if d > 0 {
					d--
				}
				if other.outer && d == 0 {
					outs = append(outs, joinOut{op: exec.Insert, own: -1, other: pairs[p].other})
				}
			}
			degrees[m.key] = d
			other.set(ch.jk, m.key, joinEntry{row: m.row, degree: d})
		}
		if own.outer && matched == 0 {
			outs = append(outs, joinOut{op: outOp, own: i, other: -1})
		}
		if h.onePerKey[input] {
			if err := h.dropPaired(other, ch, pairMatch, ins); err != nil {
				return err
			}
		}
		if h.onePerKey[1-input] && (ch.hi > ch.lo || ch.marked) {
			// The other side's one row of the key is here: the row pairs
			// with nothing more, and is not kept.
			continue
		}
		if ins {
			// The row is kept, encoded as its state value once: its own
			// buffer, sized as the last one was.
			e := newJoinEntry(matched, own.rowHint, func(dst []byte) []byte {
				return statestore.AppendRow(dst, own.types, c.Batch, nil, i)
			})
			own.rowHint = len(e.val) + len(e.val)/8
			own.set(ch.jk, string(ch.key), e)
		} else {
			own.set(ch.jk, string(ch.key), joinEntry{})
		}
	}
	if len(outs) == 0 {
		return nil
	}
	var b arrow.RecordBatch
	if pairBatch != nil && h.narrow == nil && !own.outer && !other.outer {
		// An inner join's output is the pairs that passed, in order: the
		// pairs the residual was evaluated over, not built again.
		passed := make([]int, 0, len(outs))
		for p, ok := range pass {
			if ok {
				passed = append(passed, p)
			}
		}
		b, err = expr.SelectRows(ctx, h.mem, pairBatch, passed)
	} else {
		b, err = h.build(ctx, h.spec.Output, c.Batch, otherBatch, input, outs)
	}
	if err != nil {
		return err
	}
	outOps := make([]exec.Op, len(outs))
	appendOnly := true
	for i, o := range outs {
		outOps[i] = o.op
		appendOnly = appendOnly && o.op == exec.Insert
	}
	if appendOnly {
		outOps = nil
	}
	return out.Push(ctx, exec.Chunk{Batch: b, Ops: outOps})
}

// joinChange is a change of a chunk: its encoded join key and state key,
// and its candidate pairs (the pairs [lo, hi)), or that its join key has a
// NULL; marked: the other side has the key's one row, which pairs with
// nothing (a marker, hashjoin_once.go). jk and key are bytes of the join's
// scratch space (HashJoin.chunkKeys), valid until the next chunk: a change
// the join does not keep (most of q20's bids) costs no string.
type joinChange struct {
	jk, key []byte
	lo, hi  int
	null    bool
	marked  bool
}

// candidates returns the changes of chunk c of side own, and their
// candidate pairs with the rows of other that have the same join key:
// the change's row, the other row's index among those appended to dec,
// and the other row.
func (h *HashJoin) candidates(c exec.Chunk, own, other *joinSide, dec *statestore.RowDecoder) ([]joinChange, []joinOut, []joinMatch, error) {
	n := c.NumRows()
	changes := make([]joinChange, n)
	keys := h.chunkKeys[:0]
	var pairs []joinOut
	var pairMatch []joinMatch
	// decoded: the other side's rows decoded so far, by state key: a row
	// many changes pair with (a hot key's) is decoded once per chunk.
	decoded := map[string]int{}
	for i := 0; i < n; i++ {
		if h.anyNullKey(c.Batch, own.keys, i) {
			changes[i].null = true
			continue
		}
		h.jkBuf = statestore.AppendRow(h.jkBuf[:0], own.keyTypes, c.Batch, own.keys, i)
		jk := h.jkBuf
		h.keyBuf = statestore.AppendKey(h.keyBuf[:0], own.table, statestore.Vnode(jk), jk)
		if len(own.streamKey) > 0 { // none: the side has one row (a global aggregate)
			h.keyBuf = statestore.AppendRow(h.keyBuf, own.skTypes, c.Batch, own.streamKey, i)
		}
		// Both keys go into keys; a slice of it stays valid when it
		// grows (the old array is left as it was).
		start := len(keys)
		keys = append(append(keys, jk...), h.keyBuf...)
		changes[i].jk = keys[start : start+len(jk) : start+len(jk)]
		changes[i].key = keys[start+len(jk) : len(keys) : len(keys)]
		ms, err := h.matches(other, jk)
		if err != nil {
			return nil, nil, nil, err
		}
		changes[i].lo = len(pairs)
		for _, m := range ms {
			if len(m.row) == 0 {
				changes[i].marked = true
				continue
			}
			row, ok := decoded[m.key]
			if !ok {
				if err := dec.Append(m.row); err != nil {
					return nil, nil, nil, err
				}
				row = len(decoded)
				decoded[m.key] = row
			}
			pairs = append(pairs, joinOut{own: i, other: row})
			pairMatch = append(pairMatch, m)
		}
		changes[i].hi = len(pairs)
	}
	h.chunkKeys = keys
	return changes, pairs, pairMatch, nil
}

// set records e as the epoch's state of the row key (join key jk) of s.
func (s *joinSide) set(jk []byte, key string, e joinEntry) {
	d := s.dirty[string(jk)]
	if d == nil {
		d = newJoinDirty()
		s.dirty[string(jk)] = d
	}
	d.put(key, e)
}

// residual returns, for each candidate pair, whether the residual
// condition holds (true when there is none).
//
// It also returns the pairs it evaluated the condition over, of the output
// schema but for a semi or anti join, (nil when there was no condition;
// only the columns the condition reads where h.narrow is set), which the
// caller releases.
func (h *HashJoin) residual(ctx context.Context, ownBatch, otherBatch arrow.RecordBatch, input int, pairs []joinOut) ([]bool, arrow.RecordBatch, error) {
	pass := make([]bool, len(pairs))
	if h.spec.Residual == nil || len(pairs) == 0 {
		for i := range pass {
			pass[i] = true
		}
		return pass, nil, nil
	}
	schema := h.spec.Output
	if h.spec.Semi || h.spec.Anti {
		schema = h.spec.Pairs
	}
	var b arrow.RecordBatch
	var err error
	cond := h.spec.Residual
	if h.narrow != nil {
		cond = h.narrow.cond
		b, err = h.buildNarrow(ctx, h.narrow, ownBatch, otherBatch, input, pairs)
	} else {
		b, err = h.build(ctx, schema, ownBatch, otherBatch, input, pairs)
	}
	if err != nil {
		return nil, nil, err
	}
	arr, err := cond.Eval(ctx, h.mem, b)
	if err != nil {
		b.Release()
		return nil, nil, err
	}
	defer arr.Release()
	mask, ok := arr.(*array.Boolean)
	if !ok || mask.Len() != len(pairs) {
		b.Release()
		return nil, nil, fmt.Errorf("hash join: residual %s returned %s", h.spec.Residual, arr.DataType())
	}
	for i := range pass {
		pass[i] = mask.IsValid(i) && mask.Value(i)
	}
	return pass, b, nil
}

// build returns the rows outs of schema (the output, or the pairs of a
// semi or anti join): own rows from ownBatch (of side input), other rows
// from otherBatch, NULLs where an index is -1.
func (h *HashJoin) build(ctx context.Context, schema types.Schema, ownBatch, otherBatch arrow.RecordBatch, input int, outs []joinOut) (arrow.RecordBatch, error) {
	ownIdx, otherIdx := array.NewInt32Builder(h.mem), array.NewInt32Builder(h.mem)
	defer ownIdx.Release()
	defer otherIdx.Release()
	for _, o := range outs {
		appendIndex(ownIdx, o.own)
		appendIndex(otherIdx, o.other)
	}
	oi, xi := ownIdx.NewInt32Array(), otherIdx.NewInt32Array()
	defer oi.Release()
	defer xi.Release()
	cols := make([]arrow.Array, len(schema))
	release := func() {
		for _, a := range cols {
			if a != nil {
				a.Release()
			}
		}
	}
	own, other := h.sides[input], h.sides[1-input]
	place := func(s *joinSide, batch arrow.RecordBatch, idx *array.Int32) error {
		for k := range s.schema {
			var a arrow.Array
			var err error
			if batch.NumRows() == 0 {
				a = array.MakeArrayOfNull(h.mem, s.schema[k].Type.ArrowType(), idx.Len())
			} else {
				a, err = expr.Take(ctx, h.mem, batch.Column(k), idx)
				if err != nil {
					return err
				}
			}
			cols[s.pos[k]] = a
		}
		return nil
	}
	if err := place(own, ownBatch, oi); err != nil {
		release()
		return nil, err
	}
	if err := place(other, otherBatch, xi); err != nil {
		release()
		return nil, err
	}
	b := array.NewRecordBatch(schema.Arrow(), cols, int64(len(outs)))
	release()
	return b, nil
}

func appendIndex(b *array.Int32Builder, i int) {
	if i < 0 {
		b.AppendNull()
	} else {
		b.Append(int32(i))
	}
}

// anyNullKey reports whether a key column of keys that is not null-safe is
// NULL in row i: the row then matches nothing.
func (h *HashJoin) anyNullKey(b arrow.RecordBatch, keys []int, i int) bool {
	if h.spec.NullSafe == nil {
		return anyNull(b, keys, i)
	}
	for k, c := range keys {
		if !h.spec.NullSafe[k] && b.Column(c).IsNull(i) {
			return true
		}
	}
	return false
}

// anyNull reports whether a column of cols is NULL in row i.
func anyNull(b arrow.RecordBatch, cols []int, i int) bool {
	for _, c := range cols {
		if b.Column(c).IsNull(i) {
			return true
		}
	}
	return false
}

// OnBarrier writes the epoch's changes of both sides.
//
// The writes go in key order, the side of the lower table first: Pebble
// sorts a batch as large as an epoch of Nexmark q20's bids (a flushable
// batch) or inserts it into its memtable, each cheaper over sorted keys.
func (h *HashJoin) OnBarrier(_ context.Context, _ exec.Barrier, w exec.StateWriter, _ exec.Output) error {
	sides := h.sides
	if sides[1].table < sides[0].table {
		sides[0], sides[1] = sides[1], sides[0]
	}
	for _, s := range sides {
		writes := h.writes[:0]
		for jk, rows := range s.dirty {
			recorded := false
			for _, r := range rows.rows {
				if r.e.row != nil && !recorded && s.present != nil {
					s.present.add([]byte(jk))
					recorded = true
				}
				writes = append(writes, joinWrite{key: r.key, e: r.e})
			}
		}
		order := sortedWrites(writes, h.order[:0])
		h.order = order
		for _, i := range order {
			wr := &writes[i]
			var err error
			h.keyBuf = append(h.keyBuf[:0], wr.key...)
			switch e := wr.e; {
			case e.row == nil:
				err = w.Delete(h.keyBuf)
			case e.val != nil:
				err = w.Set(h.keyBuf, e.val)
			default:
				h.valBuf = appendJoinValue(h.valBuf[:0], e.degree, e.row)
				err = w.Set(h.keyBuf, h.valBuf)
			}
			if err != nil {
				return err
			}
		}
		clear(writes)
		h.writes = writes[:0]
		s.commitCache()
		s.dirty = map[string]*joinDirty{}
		clear(s.absent)
	}
	return nil
}
