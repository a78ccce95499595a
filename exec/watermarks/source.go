// Package watermarks generates the watermark of a stream at the root of
// each dataflow that reads it (the stream's WATERMARK FOR clause) and
// drops the rows that arrive late, keeping them where a user can see them
// (weir_late_rows).
//
// A Source wraps a stream's source. Per split of the source (a Kafka
// partition; every other connector reads one split) it keeps the largest
// value of the watermark expression over the rows read (the column minus
// the declared delay); the stream's watermark is the minimum over the
// active splits, and never goes back. A split that has read no row for the
// idle timeout is idle: it leaves the minimum until a row comes from it
// again; when every split is idle, the watermark is the largest value any
// of them reached. Rows are taken one at a time, in order: a row whose column is
// below its split's watermark (the split's largest value minus the delay;
// the stream's watermark when that is higher, as after the split was idle)
// as it stands when the row comes is late — dropped
// from the chunk, counted, and kept (newest KeepLate per source) in the
// source's state table; every other row may raise the watermark. The
// watermark is emitted in band after the chunk that raised it (once per
// chunk at most: exec.WatermarkSource).
//
// The splits' values, the watermark and the late rows are written into the
// source's state table at every barrier, in the same commit as the
// source's position, so a dataflow restarted from a checkpoint reads the
// same rows against the same watermarks and drops the same rows (idleness,
// which depends on the wall clock, aside): each split's rows are judged by
// that split's watermark, which depends on its own records alone, not on
// how the splits' records interleave (Kafka's partitions after a recovery).
package watermarks

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/statestore"
)

// DefaultKeepLate is how many late rows a source keeps (the newest) unless
// its stream's watermark.late_rows option says otherwise.
const DefaultKeepLate = 10000

// LateReason is the reason weir_late_rows gives for a row below the
// watermark.
const LateReason = "below the watermark"

// Spec is what a Source generates its watermark from.
type Spec struct {
	// Stream names the stream (in errors).
	Stream string
	// Column is the index of the watermark column in the source's chunks.
	Column int
	// Delay is how far, in the column's unit (µs for timestamps), the
	// watermark trails the largest value read: the expression is the
	// column minus Delay.
	Delay int64
	// IdleTimeout is how long a split reads nothing before it leaves the
	// minimum; 0 never.
	IdleTimeout time.Duration
	// KeepLate is how many late rows are kept (the newest); 0 keeps none.
	KeepLate int
	// Table is the source's state table.
	Table statestore.TableID
	// Mem allocates the chunks without their late rows.
	Mem memory.Allocator
	// Now is the clock of idleness (time.Now when nil).
	Now func() time.Time
	// Format prints a value of the column for Status (decimal when nil).
	Format func(int64) string
}

// LateRow is a row dropped for arriving below the watermark.
type LateRow struct {
	// Seq numbers the source's late rows in the order they came.
	Seq   uint64
	Split int32
	// Value is the row's watermark column; Watermark the watermark it
	// was below.
	Value, Watermark int64
	// Row is the row's columns as text: (v1, v2, …).
	Row string
	At  time.Time
}

// Status is a source's watermark as weir_sources shows it.
type Status struct {
	// Watermark is the stream's watermark; Has is false before there is one.
	Watermark int64
	Has       bool
	// Detail is each split's value, "p0:…,p1:idle", in split order
	// (Spec.Format prints the values).
	Detail string
	// Late counts the late rows dropped since the source opened.
	Late int64
}

// split is what a generator keeps of one split.
type split struct {
	max     int64 // the largest value of the expression read
	has     bool  // a value has been read
	lastRow time.Time
	idle    bool
}

// Source wraps a stream's source with its watermark (see the package's
// doc). It is an exec.Source and an exec.WatermarkSource. The splits of a
// source that is an exec.SplitSource are those it lists (a split that has
// read nothing yet holds the watermark back until it is idle); any other
// source is one split, 0.
type Source struct {
	generator
	src exec.Source
}

// generator is the watermark and the late rows of a stream's source or a
// table, from the rows it is given (filter).
type generator struct {
	spec Spec

	splits  map[int32]*split
	wm      int64
	has     bool
	pending []exec.Watermark
	raised  bool      // the one split raised wm within the chunk
	vals    []int64   // the watermark column of the chunk being read
	late    []LateRow // taken since the last barrier
	seq     uint64

	lateCount atomic.Int64
	mu        sync.Mutex
	status    Status // published at each chunk, for Status
}

// New returns src with the watermark of spec.
func New(src exec.Source, spec Spec) *Source {
	return &Source{src: src, generator: newGenerator(spec)}
}

func newGenerator(spec Spec) generator {
	if spec.Now == nil {
		spec.Now = time.Now
	}
	if spec.Format == nil {
		spec.Format = func(v int64) string { return strconv.FormatInt(v, 10) }
	}
	return generator{spec: spec, splits: map[int32]*split{}}
}

// Name names the wrapped source (in errors).
func (s *Source) Name() string {
	if n, ok := s.src.(interface{ Name() string }); ok {
		return n.Name()
	}
	return s.spec.Stream
}

// Unwrap returns the wrapped source.
func (s *Source) Unwrap() exec.Source { return s.src }

// TakeWatermarks returns the watermarks of the wrapped source, when it has
// any (a processing-time column's: ProcTime), then the one the last chunks
// raised, once.
func (s *Source) TakeWatermarks() []exec.Watermark {
	var out []exec.Watermark
	if ws, ok := s.src.(exec.WatermarkSource); ok {
		out = ws.TakeWatermarks()
	}
	return append(out, s.generator.TakeWatermarks()...)
}

// Open restores the splits, the watermark and the late rows' sequence from
// the committed state, then opens the wrapped source.
func (s *Source) Open(ctx context.Context, oc exec.OpenContext) error {
	if err := s.restore(oc.State); err != nil {
		return err
	}
	return s.src.Open(ctx, oc)
}

// restore reads the splits, the watermark and the late rows' sequence from
// r (nil: nothing to read).
func (s *generator) restore(r exec.StateReader) error {
	if r != nil {
		v, ok, err := r.Get(stateKey(s.spec.Table))
		if err != nil {
			return err
		}
		if ok {
			if err := s.decodeState(v); err != nil {
				return fmt.Errorf("%s: watermark state: %w", s.spec.Stream, err)
			}
		}
		if err := s.restoreSeq(r); err != nil {
			return fmt.Errorf("%s: late rows: %w", s.spec.Stream, err)
		}
	}
	now := s.spec.Now()
	for _, sp := range s.splits {
		sp.lastRow = now
	}
	s.publish()
	return nil
}

// Next returns the wrapped source's next chunk without its late rows (the
// one after, when every row of a chunk was late).
func (s *Source) Next(ctx context.Context) (exec.Chunk, error) {
	for {
		c, err := s.next(ctx)
		if err != nil || c.Batch != nil {
			return c, err
		}
	}
}

// next returns the wrapped source's next chunk without its late rows: a
// chunk without a batch when every row was late.
func (s *Source) next(ctx context.Context) (exec.Chunk, error) {
	c, err := s.src.Next(ctx)
	now := s.spec.Now()
	if ss, ok := s.src.(exec.SplitSource); ok {
		for _, id := range ss.Splits() {
			if s.splits[id] == nil {
				s.splits[id] = &split{lastRow: now}
			}
		}
	}
	s.checkIdle(now)
	if err != nil {
		s.publish()
		return c, err
	}
	var splits []int32
	if ss, ok := s.src.(exec.SplitSource); ok {
		splits = ss.RowSplits()
	}
	return s.filter(ctx, c, splits, now)
}

// filter takes the rows of c (owned), whose splits are splits (nil: all
// of split 0), at now: it returns c without its late rows (a chunk
// without a batch when every row was late) and raises the watermark.
func (s *generator) filter(ctx context.Context, c exec.Chunk, splits []int32, now time.Time) (exec.Chunk, error) {
	col := c.Batch.Column(s.spec.Column)
	s.vals = columnValues(col, s.vals[:0])
	nulls := col.NullN() > 0
	n := c.NumRows()
	// One split (a file, a generator): the watermark is its value, raised
	// without visiting the splits.
	var single *split
	if splits == nil && len(s.splits) <= 1 {
		single = s.split(0)
		single.lastRow, single.idle = now, false
	}
	var keep []int
	for i := 0; i < n; i++ {
		sp, id := single, int32(0)
		if sp == nil {
			if splits != nil {
				id = splits[i]
			}
			sp = s.split(id)
			sp.lastRow, sp.idle = now, false
		}
		v, ok := s.vals[i], !nulls || !col.IsNull(i)
		// A row is judged by its own split's watermark, or the stream's
		// when that is higher (the split was idle, or has read nothing):
		// so, idleness aside, which rows are late follows from each
		// split's records alone, not from how the splits interleave.
		bound, has := s.wm, s.has
		if sp.has && (!has || sp.max > bound) {
			bound, has = sp.max, true
		}
		if ok && has && v < bound && c.OpAt(i) == exec.Insert {
			if keep == nil {
				keep = make([]int, i, n)
				for j := range keep {
					keep[j] = j
				}
			}
			s.recordLate(c, i, id, v, bound, now)
			continue
		}
		if keep != nil {
			keep = append(keep, i)
		}
		if !ok {
			continue
		}
		if w := satSub(v, s.spec.Delay); !sp.has || w > sp.max {
			sp.max, sp.has = w, true
			if single == nil {
				s.advance()
			} else if !s.has || w > s.wm {
				s.wm, s.has = w, true
				s.raised = true
			}
		}
	}
	if s.raised {
		s.raised = false
		s.pending = append(s.pending[:0], exec.Watermark{Column: s.spec.Column, Value: s.wm})
	}
	s.publish()
	if keep == nil {
		return c, nil
	}
	defer c.Release()
	if len(keep) == 0 {
		return exec.Chunk{}, nil
	}
	b, err := expr.SelectRows(ctx, s.spec.Mem, c.Batch, keep)
	if err != nil {
		return exec.Chunk{}, err
	}
	var ops []exec.Op
	if c.Ops != nil {
		ops = make([]exec.Op, len(keep))
		for k, i := range keep {
			ops[k] = c.Ops[i]
		}
	}
	return exec.Chunk{Batch: b, Ops: ops}, nil
}

// split returns the split id, made when new.
func (s *generator) split(id int32) *split {
	sp := s.splits[id]
	if sp == nil {
		sp = &split{}
		s.splits[id] = sp
	}
	return sp
}

// columnValues appends the values of a (a column expr.WatermarkValue
// accepts) to buf in watermark form, 0 for NULLs.
func columnValues(a arrow.Array, buf []int64) []int64 {
	switch a := a.(type) {
	case *array.Timestamp:
		for _, v := range a.TimestampValues() {
			buf = append(buf, int64(v))
		}
	case *array.Date32:
		for _, v := range a.Date32Values() {
			buf = append(buf, int64(v))
		}
	case *array.Int16:
		for _, v := range a.Int16Values() {
			buf = append(buf, int64(v))
		}
	case *array.Int32:
		for _, v := range a.Int32Values() {
			buf = append(buf, int64(v))
		}
	case *array.Int64:
		buf = append(buf, a.Int64Values()...)
	default:
		for i := 0; i < a.Len(); i++ {
			v, _ := expr.WatermarkAt(a, i)
			buf = append(buf, v)
		}
	}
	return buf
}

// satSub returns v - d, kept within int64.
func satSub(v, d int64) int64 {
	if d > 0 && v < math.MinInt64+d {
		return math.MinInt64
	}
	return v - d
}

// checkIdle marks idle the splits that have read nothing for the idle
// timeout, which may raise the watermark.
func (s *generator) checkIdle(now time.Time) {
	if s.spec.IdleTimeout <= 0 {
		return
	}
	changed := false
	for _, sp := range s.splits {
		if !sp.idle && now.Sub(sp.lastRow) >= s.spec.IdleTimeout {
			sp.idle, changed = true, true
		}
	}
	if changed {
		s.advance()
	}
}

// advance raises the watermark to the minimum over the active splits (to
// the maximum over all when every split is idle), when that is higher, and
// queues it to be emitted.
func (s *generator) advance() {
	low, any := int64(math.MaxInt64), false
	high, anyIdle := int64(math.MinInt64), false
	for _, sp := range s.splits {
		if sp.idle {
			if sp.has {
				high, anyIdle = max(high, sp.max), true
			}
			continue
		}
		if !sp.has {
			return // an active split without a value holds the minimum back
		}
		low, any = min(low, sp.max), true
	}
	if !any {
		// Every split is idle: the stream is quiet, and its watermark is
		// the largest any split has reached (RisingWave's idle actors adopt
		// the global maximum likewise).
		if !anyIdle {
			return
		}
		low = high
	}
	if s.has && low <= s.wm {
		return
	}
	s.wm, s.has = low, true
	s.pending = append(s.pending[:0], exec.Watermark{Column: s.spec.Column, Value: low})
}

// TakeWatermarks returns the watermark the last chunks raised, once.
func (s *generator) TakeWatermarks() []exec.Watermark {
	if len(s.pending) == 0 {
		return nil
	}
	out := slices.Clone(s.pending)
	s.pending = s.pending[:0]
	return out
}

// recordLate counts row i of c (of split id, with value v, below
// watermark wm) as late.
func (s *generator) recordLate(c exec.Chunk, i int, id int32, v, wm int64, now time.Time) {
	s.lateCount.Add(1)
	if s.spec.KeepLate <= 0 {
		return
	}
	s.late = append(s.late, LateRow{Split: id, Value: v, Watermark: wm, Row: rowText(c, i), At: now})
	if len(s.late) > s.spec.KeepLate {
		// Only the newest are kept: drop the oldest of the epoch now.
		s.late = append(s.late[:0], s.late[len(s.late)-s.spec.KeepLate:]...)
	}
}

// rowText prints row i of c's visible columns as (v1, v2, …).
func rowText(c exec.Chunk, i int) string {
	var b strings.Builder
	b.WriteByte('(')
	sc := c.Batch.Schema()
	first := true
	for j := 0; j < int(c.Batch.NumCols()); j++ {
		if strings.HasPrefix(sc.Field(j).Name, "_") {
			continue // _row_id and the engine's other hidden columns
		}
		if !first {
			b.WriteString(", ")
		}
		first = false
		a := c.Batch.Column(j)
		switch a := a.(type) {
		case *array.Timestamp:
			if !a.IsNull(i) {
				b.WriteString(time.UnixMicro(int64(a.Value(i))).UTC().Format("2006-01-02 15:04:05.999999"))
				continue
			}
		case *array.Date32:
			if !a.IsNull(i) {
				b.WriteString(a.Value(i).FormattedString())
				continue
			}
		}
		if a.IsNull(i) {
			b.WriteString("NULL")
		} else {
			b.WriteString(a.ValueStr(i))
		}
	}
	b.WriteByte(')')
	return b.String()
}

// OnBarrier records the wrapped source's position, then the splits, the
// watermark and the epoch's late rows, in the same writer.
func (s *Source) OnBarrier(ctx context.Context, b exec.Barrier, w exec.StateWriter) error {
	if err := s.src.OnBarrier(ctx, b, w); err != nil {
		return err
	}
	return s.write(w)
}

// write writes the splits, the watermark and the late rows taken since the
// last write into w.
func (s *generator) write(w exec.StateWriter) error {
	if err := w.Set(stateKey(s.spec.Table), s.encodeState()); err != nil {
		return err
	}
	if len(s.late) == 0 {
		return nil
	}
	prefix := latePrefix(s.spec.Table)
	for _, r := range s.late {
		if err := w.Set(lateKey(prefix, s.seq), encodeLateRow(r)); err != nil {
			return err
		}
		s.seq++
	}
	s.late = s.late[:0]
	if keep := uint64(s.spec.KeepLate); s.seq > keep {
		if err := w.DeleteRange(lateKey(prefix, 0), lateKey(prefix, s.seq-keep)); err != nil {
			return err
		}
	}
	return w.Set(lateSeqKey(s.spec.Table), strconv.AppendUint(nil, s.seq, 10))
}

// Close closes the wrapped source.
func (s *Source) Close() error { return s.src.Close() }

// publish makes the current watermark what Status returns.
func (s *generator) publish() {
	var b strings.Builder
	ids := make([]int32, 0, len(s.splits))
	for id := range s.splits {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for k, id := range ids {
		if k > 0 {
			b.WriteByte(',')
		}
		sp := s.splits[id]
		fmt.Fprintf(&b, "p%d:", id)
		switch {
		case sp.idle:
			b.WriteString("idle")
		case sp.has:
			b.WriteString(s.spec.Format(sp.max))
		default:
			b.WriteString("none")
		}
	}
	s.mu.Lock()
	s.status = Status{Watermark: s.wm, Has: s.has, Detail: b.String()}
	s.mu.Unlock()
}

// Status returns the source's watermark. Safe to call from any goroutine.
func (s *generator) Status() Status {
	s.mu.Lock()
	st := s.status
	s.mu.Unlock()
	st.Late = s.lateCount.Load()
	return st
}
