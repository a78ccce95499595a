package ops

import (
	"bytes"
	"fmt"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// Functions of an OverWindow over each row's frame: the aggregates, and
// first_value, last_value and nth_value (the Offset-th row of the frame).
const (
	OverCount OverKind = iota + 16 // count(x), or count(*) with Arg -1
	OverSum
	OverAvg
	OverMin
	OverMax
	OverFirstValue
	OverLastValue
	OverNthValue
)

// OverFrame is the frame of a frame function of an OverWindow: the rows
// from Start to End around the current one.
//
// With Rows, each end is a number of rows; with Groups, a number of peer
// groups (the current row's group first). Otherwise the frame is a RANGE
// one: each end is the current row's first or last peer, or, with
// StartOffset (EndOffset), the first (last) row whose value of column
// RangeCol is not before (not after) the row's value of column StartCol
// (EndCol) in the window's order, the value of the order key moved by the
// offset (the planner computes those columns). Either end may be
// Unbounded: the partition's first or last row.
type OverFrame struct {
	Rows   bool
	Groups bool
	// StartUnbounded, or Start rows or groups before (negative: after) the
	// current one; EndUnbounded, or End rows or groups after (negative:
	// before) it.
	StartUnbounded bool
	Start          int64
	EndUnbounded   bool
	End            int64
	// StartOffset and EndOffset: a RANGE end by an offset, whose bound
	// each row holds in StartCol or EndCol, compared with RangeCol.
	StartOffset, EndOffset bool
	StartCol, EndCol       int
	RangeCol               int
	// Exclude takes rows out of every frame: the current row, its peers,
	// or its peers but itself.
	Exclude OverExclude
}

// OverExclude is a frame's EXCLUDE clause.
type OverExclude uint8

// Frame exclusions: none (EXCLUDE NO OTHERS), EXCLUDE CURRENT ROW, EXCLUDE
// GROUP and EXCLUDE TIES.
const (
	ExcludeNone OverExclude = iota
	ExcludeCurrentRow
	ExcludeGroup
	ExcludeTies
)

// isFramed reports whether k is computed over a frame.
func (k OverKind) isFramed() bool { return k >= OverCount }

// overPartition is a partition's rows in order, as the frames see them.
type overPartition struct {
	n     int
	batch arrow.RecordBatch // the rows decoded
	// peerStart and peerEnd are each row's first and last peer; group its
	// peer group's number, groupStart and groupEnd each group's first and
	// last row.
	peerStart, peerEnd   []int
	group                []int
	groupStart, groupEnd []int
	schema               types.Schema
	firstKey             TopNKey // the window's first sort key
}

// newOverPartition returns the partition of the rows decoded in batch (of
// schema), whose encoded sort keys are keys, ordered by sortKeys.
func newOverPartition(batch arrow.RecordBatch, schema types.Schema, keys []string, sortKeys []TopNKey) *overPartition {
	n := int(batch.NumRows())
	p := &overPartition{n: n, batch: batch, schema: schema, peerStart: make([]int, n), peerEnd: make([]int, n), group: make([]int, n)}
	if len(sortKeys) > 0 {
		p.firstKey = sortKeys[0]
	}
	for i := range n {
		if i > 0 && keys[i] == keys[i-1] {
			p.peerStart[i], p.group[i] = p.peerStart[i-1], p.group[i-1]
			continue
		}
		p.peerStart[i] = i
		if i > 0 {
			p.group[i] = p.group[i-1] + 1
		}
		p.groupStart = append(p.groupStart, i)
	}
	for i := n - 1; i >= 0; i-- {
		p.peerEnd[i] = i
		if i+1 < n && keys[i+1] == keys[i] {
			p.peerEnd[i] = p.peerEnd[i+1]
		}
	}
	p.groupEnd = make([]int, len(p.groupStart))
	for g, s := range p.groupStart {
		p.groupEnd[g] = p.peerEnd[s]
	}
	return p
}

// frames returns the first and last row (inclusive) of each row's frame
// f; a frame is empty when lo > hi.
func (p *overPartition) frames(f OverFrame) (lo, hi []int) {
	n := p.n
	lo, hi = make([]int, n), make([]int, n)
	var rangeKeys, startKeys, endKeys [][]byte
	if f.StartOffset || f.EndOffset {
		rangeKeys = p.orderValues(f.RangeCol)
		if f.StartOffset {
			startKeys = p.orderValues(f.StartCol)
		}
		if f.EndOffset {
			endKeys = p.orderValues(f.EndCol)
		}
	}
	ngroups := len(p.groupStart)
	for i := range n {
		l, h := 0, n-1
		switch {
		case f.StartUnbounded:
		case f.Rows:
			l = i - int(f.Start)
		case f.Groups:
			g := p.group[i] - int(f.Start)
			switch {
			case g < 0:
			case g >= ngroups:
				l = n
			default:
				l = p.groupStart[g]
			}
		case f.StartOffset:
			l = sort.Search(n, func(j int) bool { return bytes.Compare(rangeKeys[j], startKeys[i]) >= 0 })
		default:
			l = p.peerStart[i]
		}
		switch {
		case f.EndUnbounded:
		case f.Rows:
			h = i + int(f.End)
		case f.Groups:
			g := p.group[i] + int(f.End)
			switch {
			case g < 0:
				h = -1
			case g >= ngroups:
			default:
				h = p.groupEnd[g]
			}
		case f.EndOffset:
			h = sort.Search(n, func(j int) bool { return bytes.Compare(rangeKeys[j], endKeys[i]) > 0 }) - 1
		default:
			h = p.peerEnd[i]
		}
		lo[i], hi[i] = max(l, 0), min(h, n-1)
	}
	return lo, hi
}

// span is the rows lo to hi of a partition, none when lo > hi.
type span struct{ lo, hi int }

// spans returns, in order and in buf, the spans of row i's frame f, rows
// lo to hi, without the rows f excludes.
func (p *overPartition) spans(f OverFrame, i, lo, hi int, buf []span) []span {
	buf = buf[:0]
	if f.Exclude == ExcludeNone {
		return append(buf, span{lo, hi})
	}
	out, outEnd := i, i // the rows taken out
	if f.Exclude != ExcludeCurrentRow {
		out, outEnd = p.peerStart[i], p.peerEnd[i]
	}
	buf = append(buf, span{lo, min(hi, out-1)})
	if f.Exclude == ExcludeTies && lo <= i && i <= hi {
		buf = append(buf, span{i, i})
	}
	return append(buf, span{max(lo, outEnd+1), hi})
}

// orderValues returns the values of column c encoded as the window's
// first sort key is (its direction and NULL placement), so that they
// compare as the partition's order does.
func (p *overPartition) orderValues(c int) [][]byte {
	col, t := p.batch.Column(c), p.schema[c].Type
	out := make([][]byte, p.n)
	for i := range out {
		switch {
		case col.IsNull(i) && p.firstKey.NullsFirst:
			out[i] = []byte{topNNullFirst}
		case col.IsNull(i):
			out[i] = []byte{topNNullLast}
		case p.firstKey.Desc:
			out[i] = statestore.AppendValueDesc([]byte{topNValue}, t, col, i)
		default:
			out[i] = statestore.AppendValue([]byte{topNValue}, t, col, i)
		}
	}
	return out
}

// framed returns, encoded, the value of the frame function f (of result
// type t) over each row's frame in p; cols are the rows' encoded columns.
func (o *OverWindow) framed(f OverFunc, t types.T, p *overPartition, cols [][][]byte) ([][]byte, error) {
	lo, hi := p.frames(f.Frame)
	switch f.Kind {
	case OverFirstValue, OverLastValue, OverNthValue:
		out := make([][]byte, p.n)
		var spans []span
		for i := range out {
			spans = p.spans(f.Frame, i, lo[i], hi[i], spans)
			at := frameRow(f, spans)
			if at < 0 {
				out[i] = []byte{0x00} // NULL
				continue
			}
			out[i] = cols[at][f.Arg]
		}
		return out, nil
	case OverMin, OverMax:
		return minMax(f, t, p.batch.Column(f.Arg), p, lo, hi), nil
	case OverVarSamp, OverVarPop, OverStddevSamp, OverStddevPop:
		return o.variance(f, p, lo, hi)
	case OverBoolAnd, OverBoolOr:
		return o.boolAggregate(f, p, lo, hi), nil
	}
	return o.aggregate(f, t, p, lo, hi)
}

// frameRow returns the row first_value, last_value or nth_value f reads
// in a frame of spans, or -1 for none.
func frameRow(f OverFunc, spans []span) int {
	switch f.Kind {
	case OverFirstValue:
		for _, s := range spans {
			if s.lo <= s.hi {
				return s.lo
			}
		}
	case OverLastValue:
		for k := len(spans) - 1; k >= 0; k-- {
			if s := spans[k]; s.lo <= s.hi {
				return s.hi
			}
		}
	case OverNthValue:
		left := int(f.Offset) // rows to go, this one included
		for _, s := range spans {
			if s.lo > s.hi {
				continue
			}
			if n := s.hi - s.lo + 1; left > n {
				left -= n
				continue
			}
			return s.lo + left - 1
		}
	}
	return -1
}

// aggregate returns, encoded, the value of aggregate f (count, sum or avg,
// of result type t) over each row's frame in p, rows lo[i] to hi[i] but
// those the frame excludes.
func (o *OverWindow) aggregate(f OverFunc, t types.T, p *overPartition, lo, hi []int) ([][]byte, error) {
	batch := p.batch
	n := int(batch.NumRows())
	b := array.NewBuilder(o.mem, t.ArrowType())
	defer b.Release()
	var arg arrow.Array
	if f.Arg >= 0 {
		arg = batch.Column(f.Arg)
	}
	// Prefix sums of the non-NULL values and their count: prefix[i] is
	// over rows [0, i). Sums of a numeric result are exact, in decimals.
	exact := t.Family == types.Numeric
	cnt := make([]int64, n+1)
	isum := make([]int64, n+1)
	fsum := make([]float64, n+1)
	var dsum []decimal128.Num
	if exact {
		dsum = make([]decimal128.Num, n+1)
	}
	for i := 0; i < n; i++ {
		cnt[i+1], isum[i+1], fsum[i+1] = cnt[i], isum[i], fsum[i]
		if exact {
			dsum[i+1] = dsum[i]
		}
		if arg != nil && arg.IsNull(i) {
			continue
		}
		cnt[i+1]++
		switch a := arg.(type) {
		case *array.Int16:
			isum[i+1] += int64(a.Value(i))
		case *array.Int32:
			isum[i+1] += int64(a.Value(i))
		case *array.Int64:
			if exact {
				dsum[i+1] = dsum[i+1].Add(decimal128.FromI64(a.Value(i)))
			} else {
				isum[i+1] += a.Value(i)
			}
		case *array.Float32:
			fsum[i+1] += float64(a.Value(i))
		case *array.Float64:
			fsum[i+1] += a.Value(i)
		case *array.Decimal128:
			if exact { // else count
				dsum[i+1] = dsum[i+1].Add(a.Value(i))
			}
		}
	}
	var inScale int32
	if d, ok := arg.(*array.Decimal128); ok {
		inScale = d.DataType().(*arrow.Decimal128Type).Scale
	}
	isFloat := arg != nil && (arg.DataType().ID() == arrow.FLOAT32 || arg.DataType().ID() == arrow.FLOAT64)
	var spans []span
	for i := 0; i < n; i++ {
		l, h := lo[i], hi[i]
		spans = p.spans(f.Frame, i, l, h, spans)
		var c, is int64
		var ds decimal128.Num
		for _, s := range spans {
			if s.lo <= s.hi {
				c += cnt[s.hi+1] - cnt[s.lo]
				is += isum[s.hi+1] - isum[s.lo]
				if exact {
					ds = ds.Add(dsum[s.hi+1].Sub(dsum[s.lo]))
				}
			}
		}
		switch f.Kind {
		case OverCount:
			b.(*array.Int64Builder).Append(c)
		case OverSum, OverAvg:
			if c == 0 {
				b.AppendNull()
				continue
			}
			if exact {
				sum := ds
				var v decimal128.Num
				var err error
				if f.Kind == OverAvg {
					v = decimalAvg(sum, c, t.Scale-inScale)
				} else if v, err = sum.Rescale(inScale, t.Scale); err != nil {
					return nil, sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "numeric field overflow")
				}
				if !v.FitsInPrecision(t.Precision) {
					return nil, sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "numeric field overflow")
				}
				b.(*array.Decimal128Builder).Append(v)
				continue
			}
			s := float64(is)
			if isFloat {
				s = fsum[h+1] // a running sum, added as Postgres adds it
				if l > 0 || f.Frame.Exclude != ExcludeNone {
					// Postgres sums a float frame again for every row
					// (no inverse transition): so does this, rather than
					// subtract a prefix and lose what the prefix's large
					// values rounded away.
					s = 0
					for _, sp := range spans {
						s += frameSum(arg, sp.lo, sp.hi)
					}
				}
			}
			switch bb := b.(type) {
			case *array.Int64Builder:
				bb.Append(is)
			case *array.Float32Builder:
				bb.Append(float32(s))
			case *array.Float64Builder:
				if f.Kind == OverAvg {
					s /= float64(c)
				}
				bb.Append(s)
			default:
				return nil, fmt.Errorf("over window: %s of %s", t, arg.DataType())
			}
		}
	}
	res := b.NewArray()
	defer res.Release()
	out := make([][]byte, n)
	for i := range out {
		out[i] = statestore.AppendValue(nil, t, res, i)
	}
	return out, nil
}

// frameSum returns the sum of the non-NULL values of the float array arg
// in rows lo to hi.
func frameSum(arg arrow.Array, lo, hi int) float64 {
	var s float64
	for j := lo; j <= hi; j++ {
		if arg.IsNull(j) {
			continue
		}
		switch a := arg.(type) {
		case *array.Float32:
			s += float64(a.Value(j))
		case *array.Float64:
			s += a.Value(j)
		}
	}
	return s
}

// minMax returns, encoded, the least or greatest value of arg (of type t)
// over each row's frame, rows lo[i] to hi[i]: the encodings compare as the
// values do, so the result is an encoding of the argument's, whatever its
// type. Frames whose ends never move back (every frame this operator
// makes) and that exclude nothing are swept once with a queue of the
// frame's candidates; others are read whole. p gives the exclusions.
func minMax(f OverFunc, t types.T, arg arrow.Array, p *overPartition, lo, hi []int) [][]byte {
	n := arg.Len()
	enc := make([][]byte, n)
	for i := range enc {
		enc[i] = statestore.AppendValue(nil, t, arg, i)
	}
	// better reports whether row a's value beats row b's (or ties it).
	better := func(a, b int) bool {
		c := bytes.Compare(enc[a], enc[b])
		return f.Kind == OverMin && c <= 0 || f.Kind == OverMax && c >= 0
	}
	out := make([][]byte, n)
	if !monotonic(lo) || !monotonic(hi) || f.Frame.Exclude != ExcludeNone {
		var spans []span
		for i := range out {
			spans = p.spans(f.Frame, i, lo[i], hi[i], spans)
			best := -1
			for _, s := range spans {
				for j := s.lo; j <= s.hi; j++ {
					if !arg.IsNull(j) && (best < 0 || better(j, best) && !bytes.Equal(enc[j], enc[best])) {
						best = j
					}
				}
			}
			out[i] = valueOrNull(enc, best)
		}
		return out
	}
	// queue holds the rows of the frame so far that no later row of it
	// beats, best first.
	var queue []int
	next := 0 // the first row not yet queued
	for i := range out {
		for ; next <= hi[i]; next++ {
			if arg.IsNull(next) {
				continue
			}
			for len(queue) > 0 && better(next, queue[len(queue)-1]) {
				queue = queue[:len(queue)-1]
			}
			queue = append(queue, next)
		}
		for len(queue) > 0 && queue[0] < lo[i] {
			queue = queue[1:]
		}
		best := -1
		if len(queue) > 0 && lo[i] <= hi[i] {
			best = queue[0]
		}
		out[i] = valueOrNull(enc, best)
	}
	return out
}

// monotonic reports whether xs never decreases.
func monotonic(xs []int) bool {
	for i := 1; i < len(xs); i++ {
		if xs[i] < xs[i-1] {
			return false
		}
	}
	return true
}

// valueOrNull returns enc[i], or the encoding of NULL for none (-1).
func valueOrNull(enc [][]byte, i int) []byte {
	if i < 0 {
		return []byte{0x00} // NULL
	}
	return enc[i]
}
