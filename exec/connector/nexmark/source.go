package nexmark

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/connector/pacing"
	"github.com/weir-stream/weir/sql/types"
)

// Source generates the events of one Nexmark table (see the package doc).
// It is an exec.Source: the runtime calls it from one goroutine at a time;
// Progress may be called from any goroutine.
type Source struct {
	opts   Options
	mem    memory.Allocator
	kind   Kind
	cols   []column
	schema *arrow.Schema // declared columns + RowIDColumn
	gen    *generator
	ev     event

	builders []builder
	rowIDs   *array.Int64Builder

	next int64        // the first event number not generated yet
	pace pacing.Pacer // events per second, over all three kinds

	// Published for Progress.
	pubRows, pubNext atomic.Int64
}

var _ exec.Source = (*Source)(nil)
var _ exec.ProgressReporter = (*Source)(nil)

// builder is the builder of one declared column, typed for its kind.
type builder struct {
	b   array.Builder
	i64 *array.Int64Builder
	f64 *array.Float64Builder
	dec *array.Decimal128Builder
	str *array.StringBuilder
	ts  *array.TimestampBuilder
}

// NewSource returns a source of opts.Table. Nothing is generated until Open.
func NewSource(opts Options, mem memory.Allocator) (*Source, error) {
	if len(opts.Key) == 0 {
		return nil, errors.New("nexmark source: no state key for the position")
	}
	if opts.TotalEvents < 0 || opts.EventsPerSecond < 0 || opts.EventsPerSecond > MaxEventsPerSecond {
		return nil, fmt.Errorf("nexmark source: bad options (total %d, rate %d)", opts.TotalEvents, opts.EventsPerSecond)
	}
	cols, err := resolve(opts.Table, opts.Schema)
	if err != nil {
		return nil, err
	}
	if len(opts.Schema) == 0 {
		opts.Schema = Columns(opts.Table)
	}
	if opts.BatchRows <= 0 {
		opts.BatchRows = DefaultBatchRows
	}
	out := append(types.Schema{}, opts.Schema...)
	out = append(out, types.Column{Name: RowIDColumn, Type: types.Int64Type})
	return &Source{
		opts:   opts,
		mem:    mem,
		kind:   kindOfTable(opts.Table),
		cols:   cols,
		schema: out.Arrow(),
		gen:    newGenerator(opts.Seed, opts.EventsPerSecond),
		pace:   pacing.Pacer{Rate: opts.EventsPerSecond},
	}, nil
}

// Schema returns the schema of the chunks the source emits: the declared
// columns and then RowIDColumn.
func (s *Source) Schema() *arrow.Schema { return s.schema }

// NextEvent returns the number of the first event not generated yet: the position
// the source records at a barrier.
func (s *Source) NextEvent() int64 { return s.next }

// Progress reports the rows emitted since Open, the next event number, and
// for a bounded run the events of the sequence not generated yet (-1 when
// unbounded). Safe for concurrent use.
func (s *Source) Progress() exec.SourceProgress {
	next := s.pubNext.Load()
	lag := int64(-1)
	if s.opts.TotalEvents > 0 {
		lag = max(0, s.opts.TotalEvents-next)
	}
	return exec.SourceProgress{
		Rows: s.pubRows.Load(), Bytes: -1, Position: strconv.FormatInt(next, 10), Lag: lag, LagUnit: "events",
	}
}

// Open restores the position recorded at the last committed barrier and
// allocates the builders.
func (s *Source) Open(ctx context.Context, oc exec.OpenContext) error {
	if oc.State != nil {
		v, ok, err := oc.State.Get(s.opts.Key)
		if err != nil {
			return fmt.Errorf("nexmark source: read position: %w", err)
		}
		if ok {
			if len(v) != 8 {
				return fmt.Errorf("nexmark source: bad position record of %d bytes", len(v))
			}
			s.next = int64(binary.BigEndian.Uint64(v))
		}
	}
	s.pubNext.Store(s.next)
	s.pace.Start(s.next)
	s.releaseBuilders()
	s.builders = make([]builder, len(s.cols))
	for i, c := range s.cols {
		b := array.NewBuilder(s.mem, s.opts.Schema[i].Type.ArrowType())
		s.builders[i].b = b
		switch c.kind {
		case outInt64:
			s.builders[i].i64 = b.(*array.Int64Builder)
		case outFloat64:
			s.builders[i].f64 = b.(*array.Float64Builder)
		case outNumeric:
			s.builders[i].dec = b.(*array.Decimal128Builder)
		case outText:
			s.builders[i].str = b.(*array.StringBuilder)
		case outTimestamp:
			s.builders[i].ts = b.(*array.TimestampBuilder)
		}
	}
	s.rowIDs = array.NewInt64Builder(s.mem)
	return nil
}

// OnBarrier records the number of the first event not generated yet.
func (s *Source) OnBarrier(ctx context.Context, b exec.Barrier, w exec.StateWriter) error {
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], uint64(s.next))
	if err := w.Set(s.opts.Key, v[:]); err != nil {
		return fmt.Errorf("nexmark source: record position: %w", err)
	}
	return nil
}

// Close releases the builders.
func (s *Source) Close() error {
	s.releaseBuilders()
	return nil
}

func (s *Source) releaseBuilders() {
	for _, b := range s.builders {
		b.b.Release()
	}
	s.builders = nil
	if s.rowIDs != nil {
		s.rowIDs.Release()
		s.rowIDs = nil
	}
}

// Next generates up to BatchRows rows of the source's table. It returns
// exec.ErrNoData when the next event is not due yet, and io.EOF after the
// last event of a bounded run.
func (s *Source) Next(ctx context.Context) (exec.Chunk, error) {
	if s.rowIDs == nil {
		return exec.Chunk{}, errors.New("nexmark source: Next before Open")
	}
	if err := ctx.Err(); err != nil {
		return exec.Chunk{}, err
	}
	end := int64(math.MaxInt64)
	if s.opts.TotalEvents > 0 {
		end = s.opts.TotalEvents
	}
	limit := min(end, s.pace.Due())
	i := nextOfKind(s.kind, s.next)
	if i >= end {
		s.setNext(end)
		return exec.Chunk{}, io.EOF
	}
	if i >= limit {
		s.setNext(max(s.next, limit))
		return exec.Chunk{}, exec.ErrNoData
	}
	n := s.opts.BatchRows
	for j := range s.builders {
		if s.builders[j].str == nil {
			s.builders[j].b.Reserve(n)
		}
	}
	s.rowIDs.Reserve(n)
	rows := 0
	for ; rows < n && i < limit; i = nextOfKind(s.kind, i+1) {
		s.gen.fill(s.kind, i, &s.ev)
		s.appendRow()
		s.rowIDs.UnsafeAppend(i)
		s.next = i + 1
		rows++
	}
	if i >= limit && limit > s.next {
		// Every event before limit has been considered.
		s.next = limit
	}
	s.setNext(s.next)
	s.pubRows.Add(int64(rows))
	return exec.Chunk{Batch: s.flush()}, nil
}

func (s *Source) setNext(n int64) {
	s.next = n
	s.pubNext.Store(n)
}

// appendRow appends the declared columns of s.ev.
func (s *Source) appendRow() {
	for j, c := range s.cols {
		b := &s.builders[j]
		switch c.kind {
		case outInt64:
			b.i64.UnsafeAppend(s.ev.ints[c.field])
		case outFloat64:
			b.f64.UnsafeAppend(float64(s.ev.ints[c.field]))
		case outNumeric:
			v := decimal128.FromI64(s.ev.ints[c.field]).Mul(decimal128.GetScaleMultiplier(int(c.scale)))
			b.dec.Append(v)
		case outText:
			b.str.BinaryBuilder.Append(s.ev.strs[c.field])
		case outTimestamp:
			b.ts.UnsafeAppend(arrow.Timestamp(s.ev.ints[c.field]))
		}
	}
}

// flush returns the built rows with their row ids as a batch.
func (s *Source) flush() arrow.RecordBatch {
	cols := make([]arrow.Array, 0, len(s.builders)+1)
	for _, b := range s.builders {
		cols = append(cols, b.b.NewArray())
	}
	ids := s.rowIDs.NewArray()
	cols = append(cols, ids)
	rec := array.NewRecordBatch(s.schema, cols, int64(ids.Len()))
	for _, c := range cols {
		c.Release()
	}
	return rec
}
