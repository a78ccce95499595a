package ops

import (
	"math/big"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// More aggregates of an OverWindow over each row's frame: the variances
// and standard deviations (double precision, as the hash aggregate's), and
// bool_and (every) and bool_or.
const (
	OverVarSamp OverKind = iota + 32
	OverVarPop
	OverStddevSamp
	OverStddevPop
	OverBoolAnd
	OverBoolOr
)

// varianceKinds are the hash aggregate's kinds of the variances.
var varianceKinds = map[OverKind]expr.AggKind{
	OverVarSamp: expr.VarSamp, OverVarPop: expr.VarPop, OverStddevSamp: expr.StddevSamp, OverStddevPop: expr.StddevPop,
}

// variance returns, encoded, variance or standard deviation f over each
// row's frame in p, rows lo[i] to hi[i] but those the frame excludes. It
// computes as the hash aggregate does (aggVariance: exact big-integer sums
// of the values and their squares, the result rounded once), over prefix
// sums of those: aggVariance's slot j holds row j's value, slot n a
// frame's.
func (o *OverWindow) variance(f OverFunc, p *overPartition, lo, hi []int) ([][]byte, error) {
	n := p.n
	a := newAggVariance(varianceKinds[f.Kind], p.schema[f.Arg].Type)
	a.grow(n + 1)
	slots := make([]int32, n)
	for i := range slots {
		slots[i] = int32(i)
	}
	if err := a.update(p.batch.Column(f.Arg), slots, nil); err != nil {
		return nil, err
	}
	cnt, nonFinite := make([]int64, n+1), make([]int64, n+1)
	sum, sq := make([]big.Int, n+1), make([]big.Int, n+1)
	for i := range n {
		cnt[i+1], nonFinite[i+1] = cnt[i]+a.n[i], nonFinite[i]+a.nonFinite[i]
		sum[i+1].Add(&sum[i], orZero(a.sum[i]))
		sq[i+1].Add(&sq[i], orZero(a.sq[i]))
	}
	g := int32(n)
	b := array.NewFloat64Builder(o.mem)
	defer b.Release()
	var spans []span
	var d big.Int
	for i := range n {
		spans = p.spans(f.Frame, i, lo[i], hi[i], spans)
		a.n[g], a.nonFinite[g] = 0, 0
		s, q := new(big.Int), new(big.Int)
		for _, sp := range spans {
			if sp.lo > sp.hi {
				continue
			}
			a.n[g] += cnt[sp.hi+1] - cnt[sp.lo]
			a.nonFinite[g] += nonFinite[sp.hi+1] - nonFinite[sp.lo]
			s.Add(s, d.Sub(&sum[sp.hi+1], &sum[sp.lo]))
			q.Add(q, d.Sub(&sq[sp.hi+1], &sq[sp.lo]))
		}
		a.sum[g], a.sq[g] = s, q
		if r, null := a.result(g); null {
			b.AppendNull()
		} else {
			b.Append(r)
		}
	}
	return encodeValues(b, types.Float64Type, n), nil
}

// boolAggregate returns, encoded, bool_and or bool_or f over each row's
// frame in p, rows lo[i] to hi[i] but those the frame excludes: NULL when
// the frame holds no value, else whether no value is false (bool_and) or
// some value is true (bool_or).
func (o *OverWindow) boolAggregate(f OverFunc, p *overPartition, lo, hi []int) [][]byte {
	n := p.n
	arg, _ := p.batch.Column(f.Arg).(*array.Boolean)
	trues, falses := make([]int64, n+1), make([]int64, n+1)
	for i := range n {
		trues[i+1], falses[i+1] = trues[i], falses[i]
		switch {
		case arg == nil || arg.IsNull(i):
		case arg.Value(i):
			trues[i+1]++
		default:
			falses[i+1]++
		}
	}
	b := array.NewBooleanBuilder(o.mem)
	defer b.Release()
	var spans []span
	for i := range n {
		spans = p.spans(f.Frame, i, lo[i], hi[i], spans)
		var t, fs int64
		for _, sp := range spans {
			if sp.lo <= sp.hi {
				t += trues[sp.hi+1] - trues[sp.lo]
				fs += falses[sp.hi+1] - falses[sp.lo]
			}
		}
		switch {
		case t+fs == 0:
			b.AppendNull()
		case f.Kind == OverBoolAnd:
			b.Append(fs == 0)
		default:
			b.Append(t > 0)
		}
	}
	return encodeValues(b, types.BoolType, n)
}

// encodeValues returns the row encodings of the n values b built, of
// type t.
func encodeValues(b array.Builder, t types.T, n int) [][]byte {
	res := b.NewArray()
	defer res.Release()
	out := make([][]byte, n)
	for i := range out {
		out[i] = statestore.AppendValue(nil, t, res, i)
	}
	return out
}
