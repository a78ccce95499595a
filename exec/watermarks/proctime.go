package watermarks

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// ProcTimeSpec is what a ProcTime fills in.
type ProcTimeSpec struct {
	// Column is the index of the processing-time column (TIMESTAMPTZ) in
	// Schema, the stream's full schema; the wrapped source's chunks have
	// every column of Schema but that one.
	Column int
	Schema types.Schema
	// Table is the source's state table.
	Table statestore.TableID
	Mem   memory.Allocator
	// Clock gives the time of the rows read before the first barrier of a
	// source that has no state yet (time.Now when nil): the barriers'
	// clock (exec.Barrier.Time takes it from the same one).
	Clock func() time.Time
}

// ProcTime wraps a stream's source and fills in its processing-time
// column (`p_time TIMESTAMPTZ AS PROCTIME()`): every row gets the time of
// the last barrier the source passed, the epoch's time, which is weir's
// now() in a view too. That time is written at every barrier with the
// source's position, so a recovery from a checkpoint stamps the rows it
// reads again after it with the same time as before the crash: the rows of
// the epoch that followed the checkpoint were all stamped with it. (Rows
// of a later epoch that never committed may be stamped otherwise on
// replay; nothing committed saw them.)
//
// The column's watermark is that time: no row read after a barrier is
// stamped below it, so ProcTime emits it (exec.WatermarkSource) after
// each barrier whose time rose, whether rows come or not, and windows
// over the column close as the clock moves. It passes on the wrapped
// source's splits (exec.SplitSource) and watermarks.
type ProcTime struct {
	src    exec.Source
	spec   ProcTimeSpec
	schema *arrow.Schema
	// now is the time rows are stamped with, in µs since 1970; shown is
	// its copy for other goroutines (Watermark).
	now     int64
	shown   atomic.Int64
	pending []exec.Watermark
}

// NewProcTime returns src with the processing-time column of spec.
func NewProcTime(src exec.Source, spec ProcTimeSpec) *ProcTime {
	if spec.Clock == nil {
		spec.Clock = time.Now
	}
	return &ProcTime{src: src, spec: spec, schema: spec.Schema.Arrow()}
}

func procTimeKey(t statestore.TableID) []byte {
	return statestore.AppendKey(nil, t, 0, []byte("proctime"))
}

// Unwrap returns the wrapped source.
func (p *ProcTime) Unwrap() exec.Source { return p.src }

// Name names the wrapped source (in errors).
func (p *ProcTime) Name() string {
	if n, ok := p.src.(interface{ Name() string }); ok {
		return n.Name()
	}
	return "source"
}

// Open restores the time of the last committed barrier (the clock's time
// when there is none) and opens the wrapped source; the time is the
// column's first watermark.
func (p *ProcTime) Open(ctx context.Context, oc exec.OpenContext) error {
	p.now = p.spec.Clock().UnixMicro()
	if oc.State != nil {
		v, ok, err := oc.State.Get(procTimeKey(p.spec.Table))
		if err != nil {
			return err
		}
		if ok {
			if len(v) != 8 {
				return fmt.Errorf("processing time: bad state %x: %w", v, statestore.ErrCorrupt)
			}
			p.now = int64(binary.BigEndian.Uint64(v))
		}
	}
	p.pending = []exec.Watermark{{Column: p.spec.Column, Value: p.now}}
	p.shown.Store(p.now)
	return p.src.Open(ctx, oc)
}

// Next returns the wrapped source's next chunk with the processing-time
// column filled in.
func (p *ProcTime) Next(ctx context.Context) (exec.Chunk, error) {
	c, err := p.src.Next(ctx)
	if err != nil || c.Batch == nil {
		return c, err
	}
	defer c.Batch.Release()
	n := int(c.Batch.NumRows())
	b := array.NewTimestampBuilder(p.spec.Mem, p.schema.Field(p.spec.Column).Type.(*arrow.TimestampType))
	defer b.Release()
	b.Reserve(n)
	for range n {
		b.UnsafeAppend(arrow.Timestamp(p.now))
	}
	stamp := b.NewArray()
	defer stamp.Release()
	in := c.Batch.Columns()
	cols := make([]arrow.Array, 0, len(in)+1)
	cols = append(cols, in[:p.spec.Column]...)
	cols = append(cols, stamp)
	cols = append(cols, in[p.spec.Column:]...)
	c.Batch = array.NewRecordBatch(p.schema, cols, int64(n))
	return c, nil
}

// OnBarrier records the wrapped source's position, then the barrier's
// time, from which on rows are stamped with it; a rise is the column's
// next watermark.
func (p *ProcTime) OnBarrier(ctx context.Context, b exec.Barrier, w exec.StateWriter) error {
	if err := p.src.OnBarrier(ctx, b, w); err != nil {
		return err
	}
	if t := b.Time.UnixMicro(); !b.Time.IsZero() && t > p.now {
		p.now = t
		p.shown.Store(t)
		p.pending = append(p.pending[:0], exec.Watermark{Column: p.spec.Column, Value: t})
	}
	return w.Set(procTimeKey(p.spec.Table), binary.BigEndian.AppendUint64(nil, uint64(p.now)))
}

// Watermark returns the processing-time column's watermark, in µs since
// 1970 (0 before Open). Safe to call from any goroutine.
func (p *ProcTime) Watermark() int64 { return p.shown.Load() }

// TakeWatermarks returns the wrapped source's watermarks, then the
// processing time when it rose, once.
func (p *ProcTime) TakeWatermarks() []exec.Watermark {
	var out []exec.Watermark
	if ws, ok := p.src.(exec.WatermarkSource); ok {
		out = ws.TakeWatermarks()
	}
	out = append(out, p.pending...)
	p.pending = p.pending[:0]
	return out
}

// RowSplits returns the wrapped source's (exec.SplitSource), nil when it
// does not read in splits.
func (p *ProcTime) RowSplits() []int32 {
	if ss, ok := p.src.(exec.SplitSource); ok {
		return ss.RowSplits()
	}
	return nil
}

// Splits returns the wrapped source's (exec.SplitSource), nil when it
// does not read in splits.
func (p *ProcTime) Splits() []int32 {
	if ss, ok := p.src.(exec.SplitSource); ok {
		return ss.Splits()
	}
	return nil
}

// Close closes the wrapped source.
func (p *ProcTime) Close() error { return p.src.Close() }
