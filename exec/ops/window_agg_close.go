package ops

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"sort"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// WindowClose is EMIT ON WINDOW CLOSE: it keeps the latest row of each key
// of its input (a window aggregate's groups) in state, keyed by the window
// column first, and emits nothing until a watermark on that column passes
// a window: then, at the barrier, every kept row of a window below the
// watermark is emitted once, as an insert, and its state is freed with one
// range delete. Its output is append-only. A change to a window already
// emitted (a retraction arriving after the watermark) is dropped and
// counted, never emitted; a row whose window is NULL never closes. The
// watermark up to which windows were emitted is kept in state beside the
// rows, so that after a restart a change to a window emitted before it is
// still dropped, not kept and emitted a second time.
// WindowClose is driven by one fragment goroutine.
type WindowClose struct {
	mem      memory.Allocator
	table    statestore.TableID
	schema   types.Schema
	window   int
	keyCols  []int // the window column, then the input's key
	keyTypes []types.T
	rowTypes []types.T
	state    exec.StateReader
	// dirty holds the epoch's changes by state key; a nil row is a delete.
	dirty map[string][]byte
	// closed is the watermark the windows below which were emitted.
	closed, pending int64
	hasClosed       bool
	hasPending      bool
	// Dropped counts the changes to windows already emitted.
	Dropped int64
}

// NewWindowClose returns a WindowClose over rows of schema whose stream key
// is key, closing windows by column window (a TIMESTAMP, TIMESTAMPTZ or
// BIGINT); its rows are kept in table.
func NewWindowClose(mem memory.Allocator, table statestore.TableID, schema types.Schema, window int, key []int) *WindowClose {
	w := &WindowClose{mem: mem, table: table, schema: schema, window: window, dirty: map[string][]byte{}}
	w.keyCols = append([]int{window}, key...)
	for _, c := range w.keyCols {
		w.keyTypes = append(w.keyTypes, schema[c].Type)
	}
	w.rowTypes = schema.Types()
	return w
}

// windowClosedTag is the key byte after the table id and vnode 0 of the
// closed point; a row's key starts with its (non-NULL) window's encoding,
// whose first byte is above it.
const windowClosedTag = 0x00

// Open keeps the state reader and reads back the watermark up to which
// windows were emitted.
func (w *WindowClose) Open(_ context.Context, oc exec.OpenContext) error {
	w.state = oc.State
	if oc.State == nil {
		return nil
	}
	v, ok, err := oc.State.Get(w.closedKey())
	if err != nil || !ok {
		return err
	}
	if len(v) != 8 {
		return fmt.Errorf("window close: bad closed point %x: %w", v, statestore.ErrCorrupt)
	}
	w.closed, w.hasClosed = int64(binary.BigEndian.Uint64(v)), true
	return nil
}

// closedKey returns the state key of the closed point.
func (w *WindowClose) closedKey() []byte {
	return append(statestore.AppendKey(nil, w.table, 0, nil), windowClosedTag)
}

// windowSpan returns the state keys of the windows below bound: one vnode
// holds them all, so that they are one range (which leaves out the closed
// point).
func (w *WindowClose) windowSpan(bound int64) (lo, hi []byte) {
	lo = statestore.AppendKey(nil, w.table, 0, statestore.AppendInt64(nil, math.MinInt64))
	return lo, statestore.AppendKey(nil, w.table, 0, statestore.AppendInt64(nil, bound))
}

// ProcessChunk keeps c's changes until their windows close.
func (w *WindowClose) ProcessChunk(_ context.Context, _ int, c exec.Chunk, _ exec.Output) error {
	col := c.Batch.Column(w.window)
	var key []byte
	for i := 0; i < c.NumRows(); i++ {
		if col.IsNull(i) {
			continue
		}
		start, _ := expr.WatermarkAt(col, i)
		if w.hasClosed && start < w.closed {
			w.Dropped++
			continue
		}
		key = statestore.AppendRow(key[:0], w.keyTypes, c.Batch, w.keyCols, i)
		sk := string(statestore.AppendKey(nil, w.table, 0, key))
		if c.OpAt(i).IsInsert() {
			w.dirty[sk] = statestore.AppendRow(nil, w.rowTypes, c.Batch, nil, i)
		} else {
			w.dirty[sk] = nil
		}
	}
	return nil
}

// OnWatermark keeps a watermark of the window column for the barrier.
func (w *WindowClose) OnWatermark(_ context.Context, _ int, wm exec.Watermark, _ exec.Output) error {
	if wm.Column == w.window && (!w.hasPending || wm.Value > w.pending) {
		w.pending, w.hasPending = wm.Value, true
	}
	return nil
}

// OnBarrier emits the rows of the windows the watermark closed, frees
// their state and writes the epoch's other changes; the watermark follows
// the rows.
func (w *WindowClose) OnBarrier(ctx context.Context, _ exec.Barrier, sw exec.StateWriter, out exec.Output) error {
	if w.hasPending && (!w.hasClosed || w.pending > w.closed) {
		lo, hi := w.windowSpan(w.pending)
		var base statestore.Reader
		if w.state != nil {
			base = w.state
		}
		dec := statestore.NewRowDecoder(w.mem, w.schema)
		defer dec.Release()
		err := statestore.ScanMerged(base, lo, hi, w.dirty, func(_, row []byte) (bool, error) {
			return true, dec.Append(row)
		})
		if err != nil {
			return fmt.Errorf("window close: %w", err)
		}
		for k := range w.dirty {
			if k < string(hi) {
				delete(w.dirty, k)
			}
		}
		if err := sw.DeleteRange(lo, hi); err != nil {
			return fmt.Errorf("window close: %w", err)
		}
		if dec.Len() > 0 {
			if err := out.Push(ctx, exec.Chunk{Batch: dec.NewBatch()}); err != nil {
				return err
			}
		}
		w.closed, w.hasClosed = w.pending, true
		if err := sw.Set(w.closedKey(), binary.BigEndian.AppendUint64(nil, uint64(w.closed))); err != nil {
			return fmt.Errorf("window close: %w", err)
		}
		if err := exec.PushWatermark(ctx, out, exec.Watermark{Column: w.window, Value: w.closed}); err != nil {
			return err
		}
	}
	keys := make([]string, 0, len(w.dirty))
	for k := range w.dirty {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		var err error
		if row := w.dirty[k]; row == nil {
			err = sw.Delete([]byte(k))
		} else {
			err = sw.Set([]byte(k), row)
		}
		if err != nil {
			return fmt.Errorf("window close: %w", err)
		}
	}
	w.dirty = make(map[string][]byte, len(w.dirty))
	return nil
}
