package ops

import (
	"encoding/binary"
	"math"
	"math/big"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// aggVariance is var_samp, var_pop, stddev_samp and stddev_pop (variance and
// stddev are the samp ones), all returning double precision. Per group it
// keeps the number n of non-null values, their sum and the sum of their
// squares, retractions subtracting, all exact: big integers of the values
// unscaled (numeric: times 10^scale; real and double precision: times
// 2^1074, which makes every finite float64 an integer), so retractions
// leave no rounding behind and the result is (n·Σx² − (Σx)²) / (n·(n−1))
// (n² for pop) rounded once. A NaN or infinite input makes the result NaN
// while it is in the group. Owned by its HashAgg.
type aggVariance struct {
	kind   expr.AggKind
	in     types.T
	binExp int      // float input: values are scaled by 2^binExp
	scale  *big.Int // 10^(2·scale) of a numeric input, nil otherwise

	n         []int64
	nonFinite []int64    // float input: NaN and ±Inf values
	sum, sq   []*big.Int // nil is 0
	prev      []float64  // committed result
	prevNull  []bool

	v, v2 big.Int   // scratch
	f     big.Float // scratch
}

// floatBinExp scales every finite float64 to an integer.
const floatBinExp = 1074

func newAggVariance(kind expr.AggKind, in types.T) *aggVariance {
	a := &aggVariance{kind: kind, in: in}
	if in.IsFloat() {
		a.binExp = floatBinExp
	}
	if in.Family == types.Numeric && in.Scale > 0 {
		a.scale = new(big.Int).Exp(big.NewInt(10), big.NewInt(2*int64(in.Scale)), nil)
	}
	return a
}

func (a *aggVariance) grow(n int) {
	grow := n - len(a.n)
	if grow <= 0 {
		return
	}
	a.n = growInt64s(a.n, n)
	a.nonFinite = growInt64s(a.nonFinite, n)
	a.prev = growFloat64s(a.prev, n)
	a.prevNull = append(a.prevNull, make([]bool, grow)...)
	a.sum = append(a.sum, make([]*big.Int, grow)...)
	a.sq = append(a.sq, make([]*big.Int, grow)...)
}

func (a *aggVariance) clear(g int32) {
	a.n[g], a.nonFinite[g], a.prev[g], a.prevNull[g] = 0, 0, 0, true
	a.sum[g], a.sq[g] = nil, nil
}

// result returns slot g's current result.
func (a *aggVariance) result(g int32) (float64, bool) {
	n := a.n[g]
	samp := a.kind == expr.VarSamp || a.kind == expr.StddevSamp
	if n <= 0 || samp && n == 1 {
		return 0, true
	}
	if a.nonFinite[g] > 0 {
		return math.NaN(), false
	}
	den := n
	if samp {
		den = n - 1
	}
	// (n·Σx² − (Σx)²) / (n·den·scale²), rounded once.
	num := new(big.Int).Mul(big.NewInt(n), orZero(a.sq[g]))
	s := orZero(a.sum[g])
	num.Sub(num, new(big.Int).Mul(s, s))
	d := new(big.Int).Mul(big.NewInt(n), big.NewInt(den))
	if a.scale != nil {
		d.Mul(d, a.scale)
	}
	q := new(big.Float).SetPrec(53).Quo(new(big.Float).SetInt(num), new(big.Float).SetInt(d))
	if a.binExp != 0 {
		q.SetMantExp(q, -2*a.binExp)
	}
	v, _ := q.Float64()
	if v < 0 {
		v = 0 // cannot happen: n·Σx² ≥ (Σx)²
	}
	if a.kind == expr.StddevSamp || a.kind == expr.StddevPop {
		v = math.Sqrt(v)
	}
	return v, false
}

var bigZero = new(big.Int)

func orZero(b *big.Int) *big.Int {
	if b == nil {
		return bigZero
	}
	return b
}

func (a *aggVariance) update(arr arrow.Array, slots []int32, signs []int64) error {
	nulls := arr.NullN() > 0
	for i, g := range slots {
		if nulls && arr.IsNull(i) {
			continue
		}
		sign := int64(1)
		if signs != nil {
			sign = signs[i]
		}
		a.n[g] += sign
		switch arr := arr.(type) {
		case *array.Int64:
			a.v.SetInt64(arr.Value(i))
		case *array.Int32:
			a.v.SetInt64(int64(arr.Value(i)))
		case *array.Int16:
			a.v.SetInt64(int64(arr.Value(i)))
		case *array.Decimal128:
			a.v.Set(arr.Value(i).BigInt())
		case *array.Float64:
			if !a.setFloat(arr.Value(i)) {
				a.nonFinite[g] += sign
				continue
			}
		case *array.Float32:
			if !a.setFloat(float64(arr.Value(i))) {
				a.nonFinite[g] += sign
				continue
			}
		default:
			return sqlstate.Errorf(sqlstate.Internal, "hash aggregate: %s got Arrow %s", a.kind, arr.DataType())
		}
		if a.sum[g] == nil {
			a.sum[g], a.sq[g] = new(big.Int), new(big.Int)
		}
		a.v2.Mul(&a.v, &a.v)
		if sign < 0 {
			a.sum[g].Sub(a.sum[g], &a.v)
			a.sq[g].Sub(a.sq[g], &a.v2)
		} else {
			a.sum[g].Add(a.sum[g], &a.v)
			a.sq[g].Add(a.sq[g], &a.v2)
		}
	}
	return nil
}

// setFloat sets a.v to x·2^binExp, an integer; false for NaN and ±Inf.
func (a *aggVariance) setFloat(x float64) bool {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return false
	}
	a.f.SetFloat64(x)
	a.f.SetMantExp(&a.f, a.binExp)
	a.f.Int(&a.v)
	return true
}

func (a *aggVariance) changed(g int32) bool {
	r, null := a.result(g)
	return null != a.prevNull[g] || math.Float64bits(r) != math.Float64bits(a.prev[g])
}

func (a *aggVariance) commit(g int32) { a.prev[g], a.prevNull[g] = a.result(g) }

func (a *aggVariance) appendResults(b array.Builder, slots []int32, prev []bool) error {
	fb, ok := b.(*array.Float64Builder)
	if !ok {
		return builderMismatch(b, "double precision")
	}
	for i, g := range slots {
		r, null := a.prev[g], a.prevNull[g]
		if !prev[i] {
			r, null = a.result(g)
		}
		if null {
			fb.AppendNull()
		} else {
			fb.Append(r)
		}
	}
	return nil
}

// appendState writes n (varint), the two sums as magnitudes (uvarint
// length, sign byte 0 or 1, big-endian bytes) and, over floats, the number
// of NaN and infinite values (varint).
func (a *aggVariance) appendState(dst []byte, g int32) []byte {
	dst = binary.AppendVarint(dst, a.n[g])
	dst = appendBigInt(appendBigInt(dst, orZero(a.sum[g])), orZero(a.sq[g]))
	if a.binExp != 0 {
		dst = binary.AppendVarint(dst, a.nonFinite[g])
	}
	return dst
}

func appendBigInt(dst []byte, b *big.Int) []byte {
	mag := b.Bytes()
	dst = binary.AppendUvarint(dst, uint64(len(mag)))
	if b.Sign() < 0 {
		dst = append(dst, 1)
	} else {
		dst = append(dst, 0)
	}
	return append(dst, mag...)
}

func readBigInt(src []byte) (*big.Int, []byte, error) {
	n, src, err := readUvarint(src)
	if err != nil {
		return nil, nil, err
	}
	if uint64(len(src)) < n+1 {
		return nil, nil, sqlstate.Errorf(sqlstate.Internal, "hash aggregate: corrupt variance state")
	}
	b := new(big.Int).SetBytes(src[1 : 1+n])
	if src[0] == 1 {
		b.Neg(b)
	}
	return b, src[1+n:], nil
}

func (a *aggVariance) loadState(src []byte, g int32) ([]byte, error) {
	n, src, err := readVarint(src)
	if err != nil {
		return nil, err
	}
	a.n[g] = n
	if a.sum[g], src, err = readBigInt(src); err != nil {
		return nil, err
	}
	if a.sq[g], src, err = readBigInt(src); err != nil {
		return nil, err
	}
	a.nonFinite[g] = 0
	if a.binExp != 0 {
		if a.nonFinite[g], src, err = readVarint(src); err != nil {
			return nil, err
		}
	}
	a.prev[g], a.prevNull[g] = a.result(g)
	return src, nil
}
