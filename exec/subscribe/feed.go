// Package subscribe is the runtime side of SUBSCRIBE: Feed, the last
// operator of a subscription's dataflow, turns the changes of each epoch
// into rows with the epoch and a diff (Materialize's mz_timestamp and
// mz_diff) once the epoch's barrier passes, and hands them to the front end
// as an Arrow record reader through a bounded buffer. The dataflow never
// waits for the client: when the buffer would outgrow its bound, the feed
// fails (53000) and the subscription ends.
package subscribe

import (
	"context"
	"errors"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// DefaultBufferBytes bounds what a subscription holds for its client when
// no bound is configured.
const DefaultBufferBytes = 64 << 20

// Column names of the rows a subscription emits before the query's own.
const (
	TimestampColumn  = "mz_timestamp"
	ProgressedColumn = "mz_progressed"
	DiffColumn       = "mz_diff"
)

// ErrInputEnded is the error of a feed whose dataflow ended while its
// client still read: a relation it reads stopped or went away.
var ErrInputEnded = sqlstate.Errorf(sqlstate.ObjectNotInPrerequisiteState,
	"SUBSCRIBE ended: a relation it reads stopped")

// Options say what a feed emits.
type Options struct {
	// Columns are the query's columns the client sees, and Visible their
	// positions in the dataflow's chunks (which may carry hidden key
	// columns too).
	Columns types.Schema
	Visible []int
	// Progress adds the mz_progressed column and a row per closed epoch.
	Progress bool
	// SkipFirstEpoch leaves out the rows of the first epoch, which holds
	// the relation's current rows (SNAPSHOT = false): only later changes
	// are sent.
	SkipFirstEpoch bool
	// BufferBytes bounds the rows waiting for the client (0:
	// DefaultBufferBytes).
	BufferBytes int64
	// EndReason, when set, says why the dataflow ended by itself (a
	// relation it reads failed); nil from it, or no EndReason, is
	// ErrInputEnded.
	EndReason func() error
	Mem       memory.Allocator
}

// Feed is a subscription's last operator (exec.Operator and
// exec.BarrierHandler; chunks are kept until their epoch's barrier) and the
// reader of its rows (array.RecordReader), which the front end reads from
// another goroutine. Its methods are safe for that.
type Feed struct {
	opts   Options
	schema *arrow.Schema
	cols   types.Schema

	// The dataflow's side: the epoch's changes, not yet closed.
	pending      []pendingChunk
	pendingBytes int64
	barriers     int // barriers seen

	mu      sync.Mutex
	ready   chan struct{} // closed and replaced when queue or err changes
	queue   []arrow.RecordBatch
	queued  int64
	err     error // why the feed ended; nil while it runs
	closed  bool  // the reader was released
	ctx     context.Context
	onClose func()
	refs    int

	cur arrow.RecordBatch // the reader's current batch
}

// pendingChunk is one chunk of the open epoch: its batch (retained) and
// each row's diff.
type pendingChunk struct {
	batch arrow.RecordBatch
	diffs []int64
	bytes int64
}

// NewFeed returns the feed of a subscription. Its rows are read until ctx
// ends (then Err is ctx's error, which the front end reports as a
// cancelled statement); onClose runs once when the reader is released.
func NewFeed(ctx context.Context, opts Options, onClose func()) *Feed {
	if opts.BufferBytes <= 0 {
		opts.BufferBytes = DefaultBufferBytes
	}
	if opts.Mem == nil {
		opts.Mem = memory.DefaultAllocator
	}
	cols := types.Schema{{Name: TimestampColumn, Type: types.Int64Type}}
	if opts.Progress {
		cols = append(cols, types.Column{Name: ProgressedColumn, Type: types.BoolType})
	}
	cols = append(cols, types.Column{Name: DiffColumn, Type: types.Int64Type, Nullable: opts.Progress})
	for _, c := range opts.Columns {
		c.Nullable = true
		cols = append(cols, c)
	}
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c.Name, Type: c.Type.ArrowType(), Nullable: true}
	}
	return &Feed{
		opts: opts, cols: cols, schema: arrow.NewSchema(fields, nil),
		ready: make(chan struct{}), ctx: ctx, onClose: onClose, refs: 1,
	}
}

// Columns returns the columns of the feed's rows: mz_timestamp,
// mz_progressed (with Progress), mz_diff, then the query's.
func (f *Feed) Columns() types.Schema { return f.cols }

// ProcessChunk keeps c until its epoch's barrier.
func (f *Feed) ProcessChunk(_ context.Context, _ int, c exec.Chunk, _ exec.Output) error {
	n := c.NumRows()
	if n == 0 || f.failed() {
		return nil
	}
	diffs := make([]int64, n)
	for i := range n {
		diffs[i] = c.OpAt(i).Sign()
	}
	c.Batch.Retain()
	bytes := batchBytes(c.Batch)
	f.pending = append(f.pending, pendingChunk{batch: c.Batch, diffs: diffs, bytes: bytes})
	f.pendingBytes += bytes
	return f.checkBound()
}

// OnBarrier emits the epoch's changes with its number, and with Progress a
// row saying that every change before the next epoch has been sent.
func (f *Feed) OnBarrier(_ context.Context, b exec.Barrier, _ exec.StateWriter, _ exec.Output) error {
	if f.failed() {
		return nil
	}
	ts := int64(b.Epoch)
	f.barriers++
	skip := f.opts.SkipFirstEpoch && f.barriers == 1
	var out []arrow.RecordBatch
	for _, p := range f.pending {
		if !skip {
			out = append(out, f.rows(ts, p))
		}
		p.batch.Release()
	}
	f.pending, f.pendingBytes = nil, 0
	if f.opts.Progress {
		out = append(out, f.progressRow(ts+1))
	}
	if len(out) == 0 {
		return nil
	}
	f.mu.Lock()
	if f.err != nil || f.closed {
		f.mu.Unlock()
		for _, r := range out {
			r.Release()
		}
		return nil
	}
	for _, r := range out {
		f.queue = append(f.queue, r)
		f.queued += batchBytes(r)
	}
	f.wakeLocked()
	f.mu.Unlock()
	return f.checkBound()
}

// Close ends the feed when its dataflow ends: a reader still reading then
// learns that the subscription stopped (unless it ended for a reason already
// given, End).
func (f *Feed) Close() error {
	f.releasePending()
	var err error
	if f.opts.EndReason != nil {
		err = f.opts.EndReason()
	}
	if err == nil {
		err = ErrInputEnded
	}
	f.End(err)
	return nil
}

// End ends the feed with err (the first reason given wins): the reader
// returns the rows it has taken, then err. The rows still queued are
// dropped.
func (f *Feed) End(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return
	}
	f.err = err
	f.dropQueueLocked()
	f.wakeLocked()
}

// checkBound fails the feed when what waits for the client outgrows the
// bound: the subscription ends rather than hold more or slow the dataflow.
func (f *Feed) checkBound() error {
	f.mu.Lock()
	total := f.queued + f.pendingBytes
	f.mu.Unlock()
	if total <= f.opts.BufferBytes {
		return nil
	}
	err := sqlstate.Errorf(sqlstate.InsufficientResources,
		"SUBSCRIBE ended: its client did not keep up, and the changes waiting for it (%d bytes) outgrew the buffer of %d bytes",
		total, f.opts.BufferBytes).
		WithHint("Read the changes as they come, or raise server.subscribe_buffer_bytes.")
	f.releasePending()
	f.End(err)
	return err
}

func (f *Feed) releasePending() {
	for _, p := range f.pending {
		p.batch.Release()
	}
	f.pending, f.pendingBytes = nil, 0
}

// failed reports whether the feed has ended (its dataflow then only drains).
func (f *Feed) failed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err != nil || f.closed
}

func (f *Feed) wakeLocked() {
	close(f.ready)
	f.ready = make(chan struct{})
}

func (f *Feed) dropQueueLocked() {
	for _, r := range f.queue {
		r.Release()
	}
	f.queue, f.queued = nil, 0
}

// rows returns p's rows as the feed's: the epoch, the diffs (and
// mz_progressed false), then the visible columns.
func (f *Feed) rows(ts int64, p pendingChunk) arrow.RecordBatch {
	n := len(p.diffs)
	mem := f.opts.Mem
	arrs := make([]arrow.Array, 0, len(f.cols))
	tb := array.NewInt64Builder(mem)
	for range n {
		tb.Append(ts)
	}
	arrs = append(arrs, tb.NewArray())
	tb.Release()
	if f.opts.Progress {
		bb := array.NewBooleanBuilder(mem)
		for range n {
			bb.Append(false)
		}
		arrs = append(arrs, bb.NewArray())
		bb.Release()
	}
	db := array.NewInt64Builder(mem)
	db.AppendValues(p.diffs, nil)
	arrs = append(arrs, db.NewArray())
	db.Release()
	for _, k := range f.opts.Visible {
		col := p.batch.Column(k)
		col.Retain()
		arrs = append(arrs, col)
	}
	rec := array.NewRecordBatch(f.schema, arrs, int64(n))
	for _, a := range arrs {
		a.Release()
	}
	return rec
}

// progressRow returns the row saying that every change before epoch ts has
// been sent: mz_progressed true, NULL everywhere else.
func (f *Feed) progressRow(ts int64) arrow.RecordBatch {
	mem := f.opts.Mem
	arrs := make([]arrow.Array, len(f.cols))
	tb := array.NewInt64Builder(mem)
	tb.Append(ts)
	arrs[0] = tb.NewArray()
	tb.Release()
	bb := array.NewBooleanBuilder(mem)
	bb.Append(true)
	arrs[1] = bb.NewArray()
	bb.Release()
	for i := 2; i < len(f.cols); i++ {
		arrs[i] = array.MakeArrayOfNull(mem, f.schema.Field(i).Type, 1)
	}
	rec := array.NewRecordBatch(f.schema, arrs, 1)
	for _, a := range arrs {
		a.Release()
	}
	return rec
}

// Schema returns the Arrow schema of the feed's rows.
func (f *Feed) Schema() *arrow.Schema { return f.schema }

// Take returns the next batch of rows, which the caller releases: at once
// when one is queued, else, with wait, the first to come before ctx ends. It
// returns nil without an error when none came (ctx ended, or wait is
// false), and the feed's error once the feed has ended. A cursor over the
// feed reads it so (FETCH waits for its first rows, then takes what is
// there); Next is the record reader's way.
func (f *Feed) Take(ctx context.Context, wait bool) (arrow.RecordBatch, error) {
	for {
		f.mu.Lock()
		if b := f.popLocked(); b != nil {
			f.mu.Unlock()
			return b, nil
		}
		if f.err != nil {
			err := f.err
			f.mu.Unlock()
			return nil, err
		}
		ready := f.ready
		f.mu.Unlock()
		if !wait {
			return nil, nil
		}
		select {
		case <-ready:
		case <-ctx.Done():
			return nil, nil
		}
	}
}

// popLocked returns the first queued batch, nil when none is.
func (f *Feed) popLocked() arrow.RecordBatch {
	if len(f.queue) == 0 {
		return nil
	}
	b := f.queue[0]
	f.queue[0] = nil
	f.queue = f.queue[1:]
	f.queued -= batchBytes(b)
	return b
}

// Next waits for the next batch of rows: it reports false once the feed has
// ended (Err says why) or the reader's context is done.
func (f *Feed) Next() bool {
	if f.cur != nil {
		f.cur.Release()
		f.cur = nil
	}
	for {
		f.mu.Lock()
		if b := f.popLocked(); b != nil {
			f.cur = b
			f.mu.Unlock()
			return true
		}
		if f.err != nil {
			f.mu.Unlock()
			return false
		}
		ready := f.ready
		f.mu.Unlock()
		select {
		case <-ready:
		case <-f.ctx.Done():
			f.End(f.ctx.Err())
		}
	}
}

// RecordBatch returns the batch Next moved to.
func (f *Feed) RecordBatch() arrow.RecordBatch { return f.cur }

// Record returns the batch Next moved to.
//
// Deprecated: use RecordBatch.
func (f *Feed) Record() arrow.RecordBatch { return f.cur }

// Err returns why the feed ended: the client's cancel (context.Canceled),
// an overflow (53000), a dropped relation, or ErrInputEnded.
func (f *Feed) Err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if errors.Is(f.err, context.Canceled) || errors.Is(f.err, context.DeadlineExceeded) {
		if cause := context.Cause(f.ctx); cause != nil {
			return cause
		}
	}
	return f.err
}

// Retain adds a reference to the reader.
func (f *Feed) Retain() {
	f.mu.Lock()
	f.refs++
	f.mu.Unlock()
}

// Release drops a reference; the last one ends the subscription (onClose)
// and frees the rows it held.
func (f *Feed) Release() {
	f.mu.Lock()
	f.refs--
	last := f.refs == 0 && !f.closed
	if last {
		f.closed = true
		if f.err == nil {
			f.err = context.Canceled
		}
		f.dropQueueLocked()
		f.wakeLocked()
	}
	f.mu.Unlock()
	if !last {
		return
	}
	if f.cur != nil {
		f.cur.Release()
		f.cur = nil
	}
	if f.onClose != nil {
		f.onClose()
	}
}

// batchBytes returns the bytes of rec's buffers (shared ones counted in
// full): what holding it keeps alive, about.
func batchBytes(rec arrow.RecordBatch) int64 {
	var n int64
	for _, col := range rec.Columns() {
		n += dataBytes(col.Data())
	}
	return n
}

func dataBytes(d arrow.ArrayData) int64 {
	var n int64
	for _, b := range d.Buffers() {
		if b != nil {
			n += int64(b.Len())
		}
	}
	for _, c := range d.Children() {
		n += dataBytes(c)
	}
	return n
}
