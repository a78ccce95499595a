package datagen

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
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

// Source generates the rows of a datagen stream. It is an exec.Source: the
// runtime calls it from one goroutine at a time; Progress may be called from
// any goroutine.
type Source struct {
	opts   Options
	mem    memory.Allocator
	schema *arrow.Schema // declared columns + RowIDColumn
	seeds  []uint64      // each column's mixed seed
	end    int64         // the first row number not in the stream
	buf    []byte

	builders []array.Builder
	rowIDs   *array.Int64Builder

	next int64 // the first row not generated yet
	pace pacing.Pacer

	pubRows, pubNext atomic.Int64
}

var _ exec.Source = (*Source)(nil)
var _ exec.ProgressReporter = (*Source)(nil)

// NewSource returns a source generating opts.Schema. Nothing is generated
// until Open.
func NewSource(opts Options, mem memory.Allocator) (*Source, error) {
	if len(opts.Key) == 0 {
		return nil, errors.New("datagen source: no state key for the position")
	}
	if len(opts.Fields) != len(opts.Schema) || len(opts.Schema) == 0 {
		return nil, fmt.Errorf("datagen source: %d fields for %d columns", len(opts.Fields), len(opts.Schema))
	}
	if opts.TotalRows < 0 || opts.RowsPerSecond < 0 || opts.RowsPerSecond > MaxRowsPerSecond {
		return nil, fmt.Errorf("datagen source: bad options (total %d, rate %d)", opts.TotalRows, opts.RowsPerSecond)
	}
	if opts.BatchRows <= 0 {
		opts.BatchRows = DefaultBatchRows
	}
	s := &Source{opts: opts, mem: mem, end: math.MaxInt64, pace: pacing.Pacer{Rate: opts.RowsPerSecond}}
	if opts.TotalRows > 0 {
		s.end = opts.TotalRows
	}
	for i, f := range opts.Fields {
		if !supported(opts.Schema[i].Type) {
			return nil, fmt.Errorf("datagen source: cannot generate %s", opts.Schema[i].Type.SQL())
		}
		s.seeds = append(s.seeds, mix64(uint64(f.Seed)^0x6a09e667f3bcc909))
		if f.Kind == Sequence {
			if f.Start > f.End {
				return nil, fmt.Errorf("datagen source: column %q: sequence ends before it starts", opts.Schema[i].Name)
			}
			if n := uint64(f.End) - uint64(f.Start) + 1; n != 0 && n <= math.MaxInt64 {
				s.end = min(s.end, int64(n))
			}
		}
	}
	out := append(types.Schema{}, opts.Schema...)
	out = append(out, types.Column{Name: RowIDColumn, Type: types.Int64Type})
	s.schema = out.Arrow()
	return s, nil
}

// Schema returns the schema of the chunks the source emits: the declared
// columns and then RowIDColumn.
func (s *Source) Schema() *arrow.Schema { return s.schema }

// NextRow returns the number of the first row not generated yet: the
// position the source records at a barrier.
func (s *Source) NextRow() int64 { return s.next }

// Progress reports the rows emitted since Open, the next row number, and
// for a bounded stream the rows not generated yet (-1 when unbounded). Safe
// for concurrent use.
func (s *Source) Progress() exec.SourceProgress {
	next := s.pubNext.Load()
	lag := int64(-1)
	if s.end != math.MaxInt64 {
		lag = max(0, s.end-next)
	}
	return exec.SourceProgress{Rows: s.pubRows.Load(), Bytes: -1, Position: strconv.FormatInt(next, 10), Lag: lag, LagUnit: "rows"}
}

// Open restores the position recorded at the last committed barrier and
// allocates the builders.
func (s *Source) Open(ctx context.Context, oc exec.OpenContext) error {
	if oc.State != nil {
		v, ok, err := oc.State.Get(s.opts.Key)
		if err != nil {
			return fmt.Errorf("datagen source: read position: %w", err)
		}
		if ok {
			if len(v) != 8 {
				return fmt.Errorf("datagen source: bad position record of %d bytes", len(v))
			}
			s.next = int64(binary.BigEndian.Uint64(v))
		}
	}
	s.pubNext.Store(s.next)
	s.pace.Start(s.next)
	s.releaseBuilders()
	for _, c := range s.opts.Schema {
		s.builders = append(s.builders, array.NewBuilder(s.mem, c.Type.ArrowType()))
	}
	s.rowIDs = array.NewInt64Builder(s.mem)
	return nil
}

// OnBarrier records the number of the first row not generated yet.
func (s *Source) OnBarrier(ctx context.Context, b exec.Barrier, w exec.StateWriter) error {
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], uint64(s.next))
	if err := w.Set(s.opts.Key, v[:]); err != nil {
		return fmt.Errorf("datagen source: record position: %w", err)
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
		b.Release()
	}
	s.builders = nil
	if s.rowIDs != nil {
		s.rowIDs.Release()
		s.rowIDs = nil
	}
}

// Next generates up to BatchRows rows. It returns exec.ErrNoData when the
// next row is not due yet, and io.EOF after the last row of a bounded stream.
func (s *Source) Next(ctx context.Context) (exec.Chunk, error) {
	if s.rowIDs == nil {
		return exec.Chunk{}, errors.New("datagen source: Next before Open")
	}
	if err := ctx.Err(); err != nil {
		return exec.Chunk{}, err
	}
	if s.next >= s.end {
		return exec.Chunk{}, io.EOF
	}
	to := min(s.end, s.pace.Due(), s.next+int64(s.opts.BatchRows))
	if to <= s.next {
		return exec.Chunk{}, exec.ErrNoData
	}
	for i := range s.builders {
		s.fill(i, s.next, to)
	}
	s.rowIDs.Reserve(int(to - s.next))
	for r := s.next; r < to; r++ {
		s.rowIDs.UnsafeAppend(r)
	}
	cols := make([]arrow.Array, 0, len(s.builders)+1)
	for _, b := range s.builders {
		cols = append(cols, b.NewArray())
	}
	cols = append(cols, s.rowIDs.NewArray())
	rec := array.NewRecordBatch(s.schema, cols, to-s.next)
	for _, c := range cols {
		c.Release()
	}
	s.pubRows.Add(to - s.next)
	s.next = to
	s.pubNext.Store(to)
	return exec.Chunk{Batch: rec}, nil
}

// fill appends the values of column i for rows [from, to).
func (s *Source) fill(i int, from, to int64) {
	f, t, seed := &s.opts.Fields[i], s.opts.Schema[i].Type, s.seeds[i]
	n := int(to - from)
	switch b := s.builders[i].(type) {
	case *array.Int16Builder:
		b.Reserve(n)
		for r := from; r < to; r++ {
			b.UnsafeAppend(int16(s.intValue(f, seed, r)))
		}
	case *array.Int32Builder:
		b.Reserve(n)
		for r := from; r < to; r++ {
			b.UnsafeAppend(int32(s.intValue(f, seed, r)))
		}
	case *array.Int64Builder:
		b.Reserve(n)
		for r := from; r < to; r++ {
			b.UnsafeAppend(s.intValue(f, seed, r))
		}
	case *array.Date32Builder:
		b.Reserve(n)
		for r := from; r < to; r++ {
			b.UnsafeAppend(arrow.Date32(s.intValue(f, seed, r)))
		}
	case *array.TimestampBuilder:
		b.Reserve(n)
		for r := from; r < to; r++ {
			b.UnsafeAppend(arrow.Timestamp(s.intValue(f, seed, r)))
		}
	case *array.Float32Builder:
		b.Reserve(n)
		for r := from; r < to; r++ {
			b.UnsafeAppend(float32(floatValue(f, seed, r)))
		}
	case *array.Float64Builder:
		b.Reserve(n)
		for r := from; r < to; r++ {
			b.UnsafeAppend(floatValue(f, seed, r))
		}
	case *array.BooleanBuilder:
		b.Reserve(n)
		for r := from; r < to; r++ {
			if f.Kind == Constant {
				b.UnsafeAppend(f.ConstBool)
				continue
			}
			g := rowRNG(seed, r)
			b.UnsafeAppend(g.next()&1 == 1)
		}
	case *array.Decimal128Builder:
		b.Reserve(n)
		mul := decimal128.GetScaleMultiplier(int(t.Scale))
		for r := from; r < to; r++ {
			if f.Kind == Sequence {
				b.Append(decimal128.FromI64(f.Start + r).Mul(mul))
			} else {
				b.Append(decimal128.FromI64(s.intValue(f, seed, r)))
			}
		}
	case *array.StringBuilder:
		b.Reserve(n)
		for r := from; r < to; r++ {
			s.buf = s.buf[:0]
			if f.Kind == Sequence {
				s.buf = strconv.AppendInt(s.buf, f.Start+r, 10)
			} else if f.Kind == Constant {
				s.buf = append(s.buf, f.Value...)
			} else {
				s.buf = randomText(s.buf, rowRNG(seed, r), f.Length)
			}
			b.BinaryBuilder.Append(s.buf)
		}
	}
}

// intValue is row r's value of an integer, date, timestamp or NUMERIC
// (in units of its scale) column.
func (s *Source) intValue(f *Field, seed uint64, r int64) int64 {
	switch f.Kind {
	case Sequence:
		return f.Start + r
	case Constant:
		return f.ConstInt
	}
	span := uint64(f.Max) - uint64(f.Min) + 1
	g := rowRNG(seed, r)
	u := g.next()
	if span == 0 { // the whole int64 range
		return int64(u)
	}
	hi, _ := bits.Mul64(u, span)
	return f.Min + int64(hi)
}

// floatValue is row r's value of a REAL or DOUBLE PRECISION column.
func floatValue(f *Field, seed uint64, r int64) float64 {
	switch f.Kind {
	case Sequence:
		return float64(f.Start + r)
	case Constant:
		return f.ConstFloat
	}
	g := rowRNG(seed, r)
	u := float64(g.next()>>11) * (1.0 / (1 << 53))
	return f.MinFloat + u*(f.MaxFloat-f.MinFloat)
}

// randomText appends n random lower-case letters to buf.
func randomText(buf []byte, g rng, n int) []byte {
	for n > 0 {
		v := g.next()
		for j := 0; j < 8 && n > 0; j++ {
			buf = append(buf, 'a'+byte(v>>(8*j))%26)
			n--
		}
	}
	return buf
}

// rng is a splitmix64 generator.
type rng uint64

func (r *rng) next() uint64 {
	*r += 0x9e3779b97f4a7c15
	return mix64(uint64(*r))
}

// rowRNG returns the random stream of row r of a column.
func rowRNG(seed uint64, r int64) rng {
	return rng(mix64(seed + uint64(r)*0xd1b54a32d192ed03))
}

func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
