package ops

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// TopNKey is one ORDER BY key of a TopN: an input column, its direction and
// where NULLs go.
type TopNKey struct {
	Column     int
	Desc       bool
	NullsFirst bool
}

// TopNSpec describes a TopN.
type TopNSpec struct {
	// Schema is the input's schema, which is also the output's.
	Schema types.Schema
	// Keys order the rows; StreamKey identifies a row of the input and
	// breaks ties (ascending, NULL first).
	Keys      []TopNKey
	StreamKey []int
	// Limit and Offset say which rows are kept: those ranked Offset to
	// Offset+Limit-1 (from 0).
	Limit, Offset int64
	// AppendOnly says the input never retracts: rows ranked past
	// Offset+Limit-1 can never come back, so they are not kept.
	AppendOnly bool
	// Table holds the rows: sort key | stream key → row (every column,
	// memcomparable), docs/format/state.md.
	Table statestore.TableID
}

// Bytes that start each sort key value in a TopN's state keys: NULLs before
// or after every value, as the key says.
const (
	topNNullFirst = 0x00
	topNValue     = 0x01
	topNNullLast  = 0x02
)

// Bounds of the cache of a TopN beyond its Offset+Limit rows.
const (
	topNMinSpare = 16
	topNMaxSpare = 1024
)

// TopN maintains the rows of ORDER BY … LIMIT … OFFSET … over a changing
// input. Every input row is kept in state under its sort key then its stream
// key, so the state is in rank order. In memory it keeps a cache: the first
// rows of that order, at least Offset+Limit of them (or all there are) and a
// spare as many again (16 to 1,024), the epoch's changes applied. A change
// beyond the cache touches only the state; a delete that leaves fewer than
// Offset+Limit rows in the cache refills it from state (SeekGE after its
// last row, merged with the epoch's changes not yet written). At a barrier
// TopN emits the difference between the window it emitted last and the
// cache's rows Offset to Offset+Limit-1: deletes of rows that left, update
// pairs of rows that stayed but changed, inserts of rows that entered.
//
// With an append-only input a row ranked past Offset+Limit-1 is dropped from
// state at once (nothing can pull it back), so state and cache hold at most
// Offset+Limit rows; a delete is then an error.
//
// TopN is driven by one fragment goroutine.
type TopN struct {
	spec    TopNSpec
	mem     memory.Allocator
	state   exec.StateReader
	types   []types.T
	skTypes []types.T
	prefix  []byte
	// top is Offset+Limit; capacity the most rows the cache keeps.
	top, capacity int
	// cache is a prefix of the rows in rank order; complete means it holds
	// them all.
	cache    topNCache
	complete bool
	// dirty are the epoch's changes not written yet: state key → row
	// (nil: deleted).
	dirty map[string][]byte
	// beyond are keys of the epoch's rows that may lie after the cache
	// (inserted there, or pushed out of it): sorted, and added to be
	// sorted in. A refill merges them with the state; dirty says whether
	// each is still there.
	beyond, beyondNew []string
	// touched says the epoch changed rows ranked before Offset+Limit, so
	// the window may have changed.
	touched bool
	// emitted is the window emitted so far, in rank order.
	emitted []topNEntry
}

// topNEntry is a row of a TopN: its state key, the encoding of its stream
// key (which identifies it downstream) and the row.
type topNEntry struct {
	key string
	sk  string
	row []byte
}

// NewTopN returns a TopN for spec.
func NewTopN(spec TopNSpec, mem memory.Allocator) *TopN {
	return newTopN(spec, mem, statestore.AppendKey(nil, spec.Table, statestore.Vnode(nil), nil))
}

// newTopN returns a TopN for spec whose state keys start with prefix (a
// GroupTopN's partition has its own).
func newTopN(spec TopNSpec, mem memory.Allocator, prefix []byte) *TopN {
	t := &TopN{spec: spec, mem: mem, dirty: map[string][]byte{}}
	t.types = spec.Schema.Types()
	for _, k := range spec.StreamKey {
		t.skTypes = append(t.skTypes, spec.Schema[k].Type)
	}
	t.prefix = prefix
	const most = math.MaxInt32
	top := spec.Offset + spec.Limit
	if spec.Offset < 0 || spec.Limit < 0 || top > most || top < 0 {
		top = most
	}
	t.top = int(top)
	t.capacity = t.top
	if !spec.AppendOnly {
		t.capacity += min(max(t.top, topNMinSpare), topNMaxSpare)
	}
	return t
}

// Open loads the first rows of the order from state; the window they hold
// is what the view already has.
func (t *TopN) Open(_ context.Context, oc exec.OpenContext) error {
	t.state = oc.State
	t.cache.Reset()
	t.complete, t.emitted = false, nil
	if err := t.refill(); err != nil {
		return err
	}
	t.emitted = t.window()
	return nil
}

// ProcessChunk applies the changes of c to the rows; the window's changes
// are emitted at the barrier.
func (t *TopN) ProcessChunk(_ context.Context, _ int, c exec.Chunk, _ exec.Output) error {
	if t.spec.Limit == 0 {
		return nil // nothing is ever in the window
	}
	for i := 0; i < c.NumRows(); i++ {
		if err := t.applyRow(c, i); err != nil {
			return err
		}
	}
	return nil
}

// applyRow applies the change of row i of c.
func (t *TopN) applyRow(c exec.Chunk, i int) error {
	key := t.prefix
	key = t.appendSortKey(key[:len(key):len(key)], c, i)
	n := len(key)
	key = statestore.AppendRow(key, t.skTypes, c.Batch, t.spec.StreamKey, i)
	e := topNEntry{key: string(key), sk: string(key[n:])}
	if !c.OpAt(i).IsInsert() {
		return t.delete(e.key)
	}
	e.row = statestore.AppendRow(nil, t.types, c.Batch, nil, i)
	t.insert(e)
	return nil
}

// appendSortKey appends the sort key of row i of c to dst.
func (t *TopN) appendSortKey(dst []byte, c exec.Chunk, i int) []byte {
	for _, k := range t.spec.Keys {
		col, typ := c.Batch.Column(k.Column), t.types[k.Column]
		switch {
		case col.IsNull(i) && k.NullsFirst:
			dst = append(dst, topNNullFirst)
		case col.IsNull(i):
			dst = append(dst, topNNullLast)
		case k.Desc:
			dst = statestore.AppendValueDesc(append(dst, topNValue), typ, col, i)
		default:
			dst = statestore.AppendValue(append(dst, topNValue), typ, col, i)
		}
	}
	return dst
}

// streamKeyOf returns the stream key part of the state key key.
func (t *TopN) streamKeyOf(key []byte) ([]byte, error) {
	rest := key[len(t.prefix):]
	var err error
	for _, k := range t.spec.Keys {
		if len(rest) == 0 {
			return nil, fmt.Errorf("top-N: state key %x is cut short: %w", key, statestore.ErrCorrupt)
		}
		marker := rest[0]
		rest = rest[1:]
		switch {
		case marker != topNValue:
		case k.Desc:
			rest, err = statestore.SkipValueDesc(rest, t.types[k.Column])
		default:
			rest, err = statestore.SkipValue(rest, t.types[k.Column])
		}
		if err != nil {
			return nil, fmt.Errorf("top-N: state key %x: %w", key, err)
		}
	}
	return rest, nil
}

// search returns where key is or would be in the cache.
func (t *TopN) search(key string) (int, bool) {
	return t.cache.Search(key)
}

// insert adds row e (or replaces the row of its key).
func (t *TopN) insert(e topNEntry) {
	i, found := t.search(e.key)
	if !found && t.spec.AppendOnly && i >= t.top {
		return // ranked past the window for good: not kept
	}
	// Noted before the row may push itself out of the cache below, so that
	// it goes to beyond then and a refill in this epoch finds it.
	t.dirty[e.key] = e.row
	switch {
	case found:
		t.cache.Set(i, e)
	case i < t.cache.Len() || t.complete:
		t.cache.Insert(i, e)
		if t.cache.Len() > t.capacity {
			last := t.cache.Last()
			t.cache.Delete(t.cache.Len() - 1)
			t.complete = false
			if t.spec.AppendOnly {
				t.dirty[last.key] = nil
			} else if _, changed := t.dirty[last.key]; changed {
				t.beyondNew = append(t.beyondNew, last.key)
			}
		}
	default:
		t.beyondNew = append(t.beyondNew, e.key)
	}
	t.touched = t.touched || i < t.top
}

// delete removes the row of state key key.
func (t *TopN) delete(key string) error {
	if t.spec.AppendOnly {
		return fmt.Errorf("top-N: a delete in an input planned as append-only")
	}
	t.dirty[key] = nil
	i, found := t.search(key)
	if !found {
		return nil
	}
	t.cache.Delete(i)
	t.touched = t.touched || i < t.top
	if !t.complete && t.cache.Len() < t.top {
		return t.refill()
	}
	return nil
}

// refill reads the rows after the cache's last, from state and the epoch's
// changes, until the cache holds capacity rows or every row.
func (t *TopN) refill() error {
	lo := t.prefix
	if t.cache.Len() > 0 {
		lo = []byte(t.cache.Last().key + "\x00")
	}
	if len(t.beyondNew) > 0 {
		slices.Sort(t.beyondNew)
		t.beyond = slices.Compact(mergeSorted(t.beyond, t.beyondNew))
		t.beyondNew = t.beyondNew[:0]
	}
	// The epoch's rows after the cache, in order; those before lo are in
	// the cache or gone.
	t.beyond = t.beyond[sort.SearchStrings(t.beyond, string(lo)):]
	if t.cache.Len() < t.top {
		t.touched = true
	}
	var it exec.StateIterator
	if t.state != nil {
		var err error
		if it, err = t.state.NewIter(lo, statestore.PrefixEnd(t.prefix)); err != nil {
			return err
		}
	}
	ok := it != nil && it.First()
	for t.cache.Len() < t.capacity {
		var stateKey string
		if ok {
			stateKey = string(it.Key())
			if _, changed := t.dirty[stateKey]; changed {
				ok = it.Next() // the epoch's version is in beyond, or deleted
				continue
			}
		}
		if len(t.beyond) > 0 && t.dirty[t.beyond[0]] == nil {
			t.beyond = t.beyond[1:] // deleted since
			continue
		}
		var e topNEntry
		if len(t.beyond) > 0 && (!ok || t.beyond[0] < stateKey) {
			e = topNEntry{key: t.beyond[0], row: t.dirty[t.beyond[0]]}
			t.beyond = t.beyond[1:]
		} else if ok {
			e = topNEntry{key: stateKey, row: append([]byte(nil), it.Value()...)}
			ok = it.Next()
		} else {
			t.complete = true
			break
		}
		sk, err := t.streamKeyOf([]byte(e.key))
		if err != nil {
			if it != nil {
				it.Close()
			}
			return err
		}
		e.sk = string(sk)
		t.cache.Append(e)
	}
	if it != nil {
		return it.Close()
	}
	return nil
}

// mergeSorted returns the sorted strings of a and b, in order.
func mergeSorted(a, b []string) []string {
	out := make([]string, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if a[0] <= b[0] {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}

// window returns the rows ranked Offset to Offset+Limit-1, as the cache
// has them.
func (t *TopN) window() []topNEntry {
	lo := int(min(t.spec.Offset, int64(t.cache.Len())))
	hi := min(t.top, t.cache.Len())
	if t.spec.Limit == 0 {
		return nil
	}
	return t.cache.Slice(lo, hi)
}

// OnBarrier emits the window's changes since the last barrier and writes
// the epoch's changes to state.
func (t *TopN) OnBarrier(ctx context.Context, _ exec.Barrier, w exec.StateWriter, out exec.Output) error {
	if t.touched {
		if err := t.emit(ctx, out); err != nil {
			return err
		}
		t.touched = false
	}
	return t.flush(w)
}

// flush writes the epoch's changes to state, in key order.
func (t *TopN) flush(w exec.StateWriter) error {
	t.beyond, t.beyondNew = t.beyond[:0], t.beyondNew[:0]
	keys := make([]string, 0, len(t.dirty))
	for k := range t.dirty {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		var err error
		if row := t.dirty[k]; row == nil {
			err = w.Delete([]byte(k))
		} else {
			err = w.Set([]byte(k), row)
		}
		if err != nil {
			return err
		}
	}
	clear(t.dirty)
	return nil
}

// emit pushes the difference between the window emitted so far and the
// current one: deletes first (in the old order), then update pairs and
// inserts (in the new order), so that a row keeps its stream key across
// them.
func (t *TopN) emit(ctx context.Context, out exec.Output) error {
	now := t.window()
	was := make(map[string]topNEntry, len(t.emitted))
	for _, e := range t.emitted {
		was[e.sk] = e
	}
	is := make(map[string]bool, len(now))
	for _, e := range now {
		is[e.sk] = true
	}
	dec := statestore.NewRowDecoder(t.mem, t.spec.Schema)
	defer dec.Release()
	var ops []exec.Op
	add := func(op exec.Op, row []byte) error {
		ops = append(ops, op)
		return dec.Append(row)
	}
	for _, e := range t.emitted {
		if !is[e.sk] {
			if err := add(exec.Delete, e.row); err != nil {
				return err
			}
		}
	}
	for _, e := range now {
		old, ok := was[e.sk]
		switch {
		case !ok:
			if err := add(exec.Insert, e.row); err != nil {
				return err
			}
		case string(old.row) != string(e.row):
			if err := add(exec.UpdateDelete, old.row); err != nil {
				return err
			}
			if err := add(exec.UpdateInsert, e.row); err != nil {
				return err
			}
		}
	}
	t.emitted = now
	if len(ops) == 0 {
		return nil
	}
	if !slices.ContainsFunc(ops, func(op exec.Op) bool { return op != exec.Insert }) {
		ops = nil
	}
	return out.Push(ctx, exec.Chunk{Batch: dec.NewBatch(), Ops: ops})
}

// String describes the operator for logs.
func (t *TopN) String() string {
	keys := make([]string, len(t.spec.Keys))
	for i, k := range t.spec.Keys {
		keys[i] = fmt.Sprint(k.Column)
		if k.Desc {
			keys[i] += " desc"
		}
	}
	return fmt.Sprintf("TopN[%s; limit %d offset %d]", strings.Join(keys, ", "), t.spec.Limit, t.spec.Offset)
}
