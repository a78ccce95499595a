package ops

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// ConflictPolicy says what Materialize does with an Insert whose key is
// already present.
type ConflictPolicy uint8

const (
	// Overwrite replaces the row (an upsert); the change is emitted as an
	// update.
	Overwrite ConflictPolicy = iota
	// ErrorOnConflict rejects the chunk with a 23505 unique violation (the
	// primary key of a table written by DML).
	ErrorOnConflict
)

// Materialize is the terminal operator of a view or table: it keeps the
// relation keyed by its key columns in state table Table. The changes of
// the current epoch stay in memory (last value per key) and are written once
// per key at the barrier. Every change it accepts is emitted, normalized
// against the current content (a delete carries the stored row; an insert
// over an existing row becomes an update), so views over it see a correct
// change stream. A chunk is applied entirely or, on a conflict error, not at
// all.
//
// Materialize is driven by one fragment goroutine; Get, Scan and Snapshot
// must be called from it too (inside Fragment.Do).
type Materialize struct {
	table      statestore.TableID
	name       string
	schema     types.Schema
	keyCols    []int
	keyTypes   []types.T
	rowTypes   []types.T
	onConflict ConflictPolicy
	mem        memory.Allocator

	state exec.StateReader
	// dirty holds the epoch's changes by state key; a nil row is a delete.
	dirty map[string][]byte
	// freshKeys: every Insert carries a key no row has (FreshInsertKeys).
	freshKeys bool
	// fresh holds the epoch's fresh inserts (insertFresh) that are not in
	// dirty: they go into it (foldFresh) before anything reads dirty, so a
	// bulk load that nothing reads before its barrier builds no map.
	fresh []keyedRow
	// arrowSchema is schema as arrow's, for chunks passed through.
	arrowSchema *arrow.Schema
}

// keyedRow is a state key and its encoded row.
type keyedRow struct {
	key string
	row []byte
}

// NewMaterialize returns a Materialize for the relation name with schema,
// keyed by the columns keyCols, stored in table.
func NewMaterialize(mem memory.Allocator, table statestore.TableID, name string, schema types.Schema, keyCols []int, onConflict ConflictPolicy) *Materialize {
	m := &Materialize{
		table: table, name: name, schema: schema, keyCols: keyCols,
		onConflict: onConflict, mem: mem, dirty: map[string][]byte{},
	}
	for _, c := range keyCols {
		m.keyTypes = append(m.keyTypes, schema[c].Type)
	}
	m.rowTypes = schema.Types()
	m.arrowSchema = schema.Arrow()
	return m
}

// FreshInsertKeys tells m that every Insert it is given carries a key that
// no row of the relation has, nor any change of the epoch: the relation is a
// table keyed by its hidden row id, which INSERT and COPY fill with new ids
// (dml.KeyedByRowID) and a replay of the table write log applies once. A
// chunk of only Inserts then reads no row: its rows are staged without a
// lookup and the chunk itself is emitted.
func (m *Materialize) FreshInsertKeys() { m.freshKeys = true }

// foldFresh moves the fresh inserts into dirty, for a reader of dirty.
func (m *Materialize) foldFresh() {
	for _, f := range m.fresh {
		m.dirty[f.key] = f.row
	}
	m.fresh = m.fresh[:0]
}

// Open keeps the state reader.
func (m *Materialize) Open(_ context.Context, oc exec.OpenContext) error {
	m.state = oc.State
	return nil
}

// stateKey returns the state key of an encoded key.
func (m *Materialize) stateKey(key []byte) []byte {
	return statestore.AppendKey(make([]byte, 0, statestore.KeyPrefixLen+len(key)), m.table, statestore.Vnode(key), key)
}

// lookup returns the current row under state key sk: the staged change of
// the chunk, else the epoch's, else the committed one.
func (m *Materialize) lookup(staged map[string][]byte, sk []byte) ([]byte, bool, error) {
	if staged != nil {
		if row, ok := staged[string(sk)]; ok {
			return row, row != nil, nil
		}
	}
	if row, ok := m.dirty[string(sk)]; ok {
		return row, row != nil, nil
	}
	if m.state == nil {
		return nil, false, nil
	}
	return m.state.Get(sk)
}

// Get returns the current row (AppendRow encoding of every column) under
// key, the AppendRow encoding of the key columns.
func (m *Materialize) Get(key []byte) (row []byte, ok bool, err error) {
	m.foldFresh()
	return m.lookup(nil, m.stateKey(key))
}

// change is one accepted change: an encoded row and its op.
type change struct {
	op  exec.Op
	row []byte
}

// ProcessChunk applies c and emits the changes it made.
func (m *Materialize) ProcessChunk(ctx context.Context, _ int, c exec.Chunk, out exec.Output) error {
	n := c.NumRows()
	if n == 0 {
		return nil
	}
	if m.freshKeys && c.AppendOnly() {
		return m.insertFresh(ctx, c, out)
	}
	m.foldFresh()
	staged := make(map[string][]byte, n)
	changes := make([]change, 0, n)
	var keyBuf []byte
	for i := 0; i < n; i++ {
		keyBuf = statestore.AppendRow(keyBuf[:0], m.keyTypes, c.Batch, m.keyCols, i)
		sk := m.stateKey(keyBuf)
		old, exists, err := m.lookup(staged, sk)
		if err != nil {
			return fmt.Errorf("materialize %s: %w", m.name, err)
		}
		op := c.OpAt(i)
		if !op.IsInsert() {
			if !exists {
				continue
			}
			staged[string(sk)] = nil
			changes = append(changes, change{op, old})
			continue
		}
		row := statestore.AppendRow(nil, m.rowTypes, c.Batch, nil, i)
		if exists {
			if m.onConflict == ErrorOnConflict && op == exec.Insert {
				return m.uniqueViolation(c.Batch, i)
			}
			staged[string(sk)] = row
			if bytes.Equal(old, row) {
				continue
			}
			changes = append(changes, change{exec.UpdateDelete, old}, change{exec.UpdateInsert, row})
			continue
		}
		staged[string(sk)] = row
		changes = append(changes, change{op, row})
	}
	for k, row := range staged {
		m.dirty[k] = row
	}
	return m.emit(ctx, changes, out)
}

// insertFresh applies c, a chunk of Inserts of fresh keys (FreshInsertKeys),
// and emits it. Each column's encoder is chosen once for the chunk; the
// chunk's state keys share one buffer and its rows another, so a row costs
// no allocation of its own. The rows wait in fresh, their keys strings
// viewing the key buffer, which is never written again.
func (m *Materialize) insertFresh(ctx context.Context, c exec.Chunk, out exec.Output) error {
	n := c.NumRows()
	pass := c.Batch.Schema().Equal(m.arrowSchema)
	var changes []change
	if !pass {
		changes = make([]change, 0, n)
	}
	m.fresh = slices.Grow(m.fresh, n)
	keys := make([]byte, 0, n*(statestore.KeyPrefixLen+9*len(m.keyCols)))
	rows := make([]byte, 0, n*(8*len(m.rowTypes)+8))
	// The columns' encoders, their types dispatched once for the chunk.
	enc := make([]statestore.ValueEncoder, len(m.rowTypes))
	for j, t := range m.rowTypes {
		enc[j] = statestore.NewValueEncoder(t, c.Batch.Column(j))
	}
	var keyBuf []byte
	for i := 0; i < n; i++ {
		keyBuf = keyBuf[:0]
		for _, kc := range m.keyCols {
			keyBuf = enc[kc](keyBuf, i)
		}
		start := len(keys)
		keys = statestore.AppendKey(keys, m.table, statestore.Vnode(keyBuf), keyBuf)
		rowStart := len(rows)
		for _, e := range enc {
			rows = e(rows, i)
		}
		// A grown buffer leaves the earlier keys and rows in the old array,
		// which their views keep alive.
		row := rows[rowStart:len(rows):len(rows)]
		m.fresh = append(m.fresh, keyedRow{unsafe.String(&keys[start], len(keys)-start), row})
		if !pass {
			changes = append(changes, change{exec.Insert, row})
		}
	}
	if !pass {
		return m.emit(ctx, changes, out)
	}
	c.Batch.Retain()
	return out.Push(ctx, exec.Chunk{Batch: c.Batch})
}

// emit decodes changes into one chunk and pushes it. Update halves that lost
// their partner become a Delete or an Insert.
func (m *Materialize) emit(ctx context.Context, changes []change, out exec.Output) error {
	if len(changes) == 0 {
		return nil
	}
	dec := statestore.NewRowDecoder(m.mem, m.schema)
	defer dec.Release()
	ops := make([]exec.Op, len(changes))
	appendOnly := true
	for i, ch := range changes {
		if err := dec.Append(ch.row); err != nil {
			return fmt.Errorf("materialize %s: %w", m.name, err)
		}
		op := ch.op
		switch {
		case op == exec.UpdateDelete && (i+1 >= len(changes) || changes[i+1].op != exec.UpdateInsert):
			op = exec.Delete
		case op == exec.UpdateInsert && (i == 0 || changes[i-1].op != exec.UpdateDelete):
			op = exec.Insert
		}
		ops[i] = op
		appendOnly = appendOnly && op == exec.Insert
	}
	if appendOnly {
		ops = nil
	}
	return out.Push(ctx, exec.Chunk{Batch: dec.NewBatch(), Ops: ops})
}

// uniqueViolation returns the 23505 error for row i of rec.
func (m *Materialize) uniqueViolation(rec arrow.RecordBatch, i int) error {
	names := make([]string, len(m.keyCols))
	vals := make([]string, len(m.keyCols))
	for j, c := range m.keyCols {
		names[j] = m.schema[c].Name
		col := rec.Column(c)
		if col.IsNull(i) {
			vals[j] = "null"
		} else {
			vals[j] = col.ValueStr(i)
		}
	}
	return sqlstate.Errorf(sqlstate.UniqueViolation,
		"duplicate key value violates unique constraint %q", m.name+"_pkey").
		WithDetail(fmt.Sprintf("Key (%s)=(%s) already exists.", strings.Join(names, ", "), strings.Join(vals, ", ")))
}

// OnBarrier writes the epoch's changes, once per key in key order
// (keyOrder), and forgets them. The keys go to the writer as views of the
// strings (writers copy what they keep), and the map is walked once.
func (m *Materialize) OnBarrier(_ context.Context, _ exec.Barrier, w exec.StateWriter, _ exec.Output) error {
	entries := make([]keyedRow, 0, len(m.dirty)+len(m.fresh))
	for k, row := range m.dirty {
		entries = append(entries, keyedRow{k, row})
	}
	entries = append(entries, m.fresh...)
	size := 0
	for _, e := range entries {
		size += len(e.key) + len(e.row) + batchEntryOverhead
	}
	exec.GrowState(w, size)
	for _, o := range keyOrder(entries) {
		wr := entries[o.i]
		key := unsafe.Slice(unsafe.StringData(wr.key), len(wr.key))
		var err error
		if wr.row == nil {
			err = w.Delete(key)
		} else {
			err = w.Set(key, wr.row)
		}
		if err != nil {
			return fmt.Errorf("materialize %s: %w", m.name, err)
		}
	}
	// A new map, not a cleared one, sized for a usual epoch: a bulk load's
	// epoch leaves no large table behind for the epochs after it to walk.
	m.dirty = make(map[string][]byte, min(len(m.dirty), 1<<14))
	m.fresh = nil
	return nil
}

// batchEntryOverhead is what a write adds to a state batch beside its key
// and value: its kind and the two lengths.
const batchEntryOverhead = 1 + 2*3

// keyOrder returns the order of entries by key, keys of one table: a
// counting sort by vnode, then each vnode's entries by the 16 key bytes
// after the vnode as two words (keyWords), whole keys compared only on a
// tie, as sortStateWrites orders an aggregate's writes.
func keyOrder(entries []keyedRow) []writeKey {
	out := make([]writeKey, len(entries))
	var start [statestore.NumVnodes + 1]int
	vnodeOf := func(k string) int {
		return int(k[statestore.KeyPrefixLen-2])<<8 | int(k[statestore.KeyPrefixLen-1])
	}
	for _, e := range entries {
		start[vnodeOf(e.key)+1]++
	}
	for v := 1; v <= statestore.NumVnodes; v++ {
		start[v] += start[v-1]
	}
	next := start
	for i, e := range entries {
		v := vnodeOf(e.key)
		rest := e.key[statestore.KeyPrefixLen:]
		hi, lo := keyWords(unsafe.Slice(unsafe.StringData(rest), len(rest)))
		out[next[v]] = writeKey{hi: hi, lo: lo, i: int32(i)}
		next[v]++
	}
	byKey := func(a, b writeKey) int {
		if c := cmp.Compare(a.hi, b.hi); c != 0 {
			return c
		}
		if c := cmp.Compare(a.lo, b.lo); c != 0 {
			return c
		}
		return strings.Compare(entries[a.i].key, entries[b.i].key)
	}
	for v := range statestore.NumVnodes {
		if bucket := out[start[v]:start[v+1]]; len(bucket) > 1 {
			slices.SortFunc(bucket, byKey)
		}
	}
	return out
}

// Scan calls fn for every current row (committed state with the epoch's
// changes over it) in state key order (vnode, then key) until fn returns
// false or an error. key is the encoded key columns and row the encoded row;
// both are valid only during the call.
func (m *Materialize) Scan(fn func(key, row []byte) (bool, error)) error {
	m.foldFresh()
	var base statestore.Reader
	if m.state != nil {
		base = m.state
	}
	lo, hi := statestore.TableSpan(m.table)
	return statestore.ScanMerged(base, lo, hi, m.dirty, func(key, row []byte) (bool, error) {
		return fn(key[statestore.KeyPrefixLen:], row)
	})
}

// Snapshot emits the whole current content as Insert chunks of at most
// batchRows rows: the backfill a new subscriber gets before live changes.
func (m *Materialize) Snapshot(ctx context.Context, mem memory.Allocator, batchRows int, emit func(exec.Chunk) error) error {
	if batchRows <= 0 {
		batchRows = 1024
	}
	dec := statestore.NewRowDecoder(mem, m.schema)
	defer dec.Release()
	flush := func() error {
		if dec.Len() == 0 {
			return nil
		}
		return emit(exec.Chunk{Batch: dec.NewBatch()})
	}
	err := m.Scan(func(_, row []byte) (bool, error) {
		if err := dec.Append(row); err != nil {
			return false, fmt.Errorf("materialize %s: %w", m.name, err)
		}
		if dec.Len() >= batchRows {
			if err := flush(); err != nil {
				return false, err
			}
		}
		return ctx.Err() == nil, ctx.Err()
	})
	if err != nil {
		return err
	}
	return flush()
}
