package ops

import (
	"bytes"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// Aggregates of an OverWindow, each over its function's frame.
const (
	OverCount OverKind = iota + 16 // count(x), or count(*) with Arg -1
	OverSum
	OverAvg
	OverMin
	OverMax
)

// OverFrame is the frame of an aggregate of an OverWindow: the rows from
// Start to End around the current one. With Rows, each end is a number of
// rows (Unbounded: the partition's first or last row); without, the frame
// is the default one, RANGE UNBOUNDED PRECEDING to CURRENT ROW or to
// UNBOUNDED FOLLOWING (EndUnbounded), whose end takes the current row's
// peers in.
type OverFrame struct {
	Rows bool
	// StartUnbounded, or Start rows before (negative: after) the current
	// row; EndUnbounded, or End rows after (negative: before) it.
	StartUnbounded bool
	Start          int64
	EndUnbounded   bool
	End            int64
}

// isAggregate reports whether k is an aggregate over a frame.
func (k OverKind) isAggregate() bool { return k >= OverCount }

// bounds returns the first and last row (inclusive) of row i's frame in a
// partition of n rows; peerEnd[i] is the last row of i's peers. The frame
// is empty when lo > hi.
func (f OverFrame) bounds(i, n int, peerEnd []int) (lo, hi int) {
	lo, hi = 0, n-1
	if !f.StartUnbounded {
		lo = i - int(f.Start)
	}
	switch {
	case f.EndUnbounded:
	case f.Rows:
		hi = i + int(f.End)
	default:
		hi = peerEnd[i]
	}
	return max(lo, 0), min(hi, n-1)
}

// aggregate returns, encoded, the value of aggregate f (of result type t)
// over each row's frame; batch holds the partition's rows decoded, keys
// their sort keys (for peers).
func (o *OverWindow) aggregate(f OverFunc, t types.T, batch arrow.RecordBatch, keys []string) ([][]byte, error) {
	n := int(batch.NumRows())
	peerEnd := make([]int, n)
	for i := n - 1; i >= 0; i-- {
		peerEnd[i] = i
		if i+1 < n && keys[i+1] == keys[i] {
			peerEnd[i] = peerEnd[i+1]
		}
	}
	b := array.NewBuilder(o.mem, t.ArrowType())
	defer b.Release()
	var arg arrow.Array
	if f.Arg >= 0 {
		arg = batch.Column(f.Arg)
	}
	// Prefix sums of the non-NULL values and their count: prefix[i] is
	// over rows [0, i).
	cnt := make([]int64, n+1)
	isum := make([]int64, n+1)
	fsum := make([]float64, n+1)
	for i := 0; i < n; i++ {
		cnt[i+1], isum[i+1], fsum[i+1] = cnt[i], isum[i], fsum[i]
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
			isum[i+1] += a.Value(i)
		case *array.Float32:
			fsum[i+1] += float64(a.Value(i))
		case *array.Float64:
			fsum[i+1] += a.Value(i)
		}
	}
	isFloat := arg != nil && (arg.DataType().ID() == arrow.FLOAT32 || arg.DataType().ID() == arrow.FLOAT64)
	if f.Kind == OverMin || f.Kind == OverMax {
		return minMax(f, t, arg, peerEnd), nil
	}
	for i := 0; i < n; i++ {
		lo, hi := f.Frame.bounds(i, n, peerEnd)
		c := int64(0)
		if lo <= hi {
			c = cnt[hi+1] - cnt[lo]
		}
		switch f.Kind {
		case OverCount:
			b.(*array.Int64Builder).Append(c)
		case OverSum, OverAvg:
			if c == 0 {
				b.AppendNull()
				continue
			}
			s := float64(isum[hi+1] - isum[lo])
			if isFloat {
				s = fsum[hi+1] // a running sum, added as Postgres adds it
				if lo > 0 {
					// Postgres sums a float frame again for every row
					// (no inverse transition): so does this, rather than
					// subtract a prefix and lose what the prefix's large
					// values rounded away.
					s = frameSum(arg, lo, hi)
				}
			}
			switch bb := b.(type) {
			case *array.Int64Builder:
				bb.Append(isum[hi+1] - isum[lo])
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
// over each row's frame: the encodings compare as the values do, so the
// result is an encoding of the argument's, whatever its type. It reads
// each frame whole.
func minMax(f OverFunc, t types.T, arg arrow.Array, peerEnd []int) [][]byte {
	n := arg.Len()
	enc := make([][]byte, n)
	for i := range enc {
		enc[i] = statestore.AppendValue(nil, t, arg, i)
	}
	out := make([][]byte, n)
	for i := range out {
		lo, hi := f.Frame.bounds(i, n, peerEnd)
		best := -1
		for j := lo; j <= hi; j++ {
			if arg.IsNull(j) {
				continue
			}
			if c := bytes.Compare(enc[j], enc[best0(best)]); best < 0 || f.Kind == OverMin && c < 0 || f.Kind == OverMax && c > 0 {
				best = j
			}
		}
		if best < 0 {
			out[i] = []byte{0x00} // NULL
		} else {
			out[i] = enc[best]
		}
	}
	return out
}

// best0 returns i, or 0 for none (-1), an index to compare with that the
// caller ignores then.
func best0(i int) int { return max(i, 0) }
