package ops

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// aggSumInt is sum(x) and avg(x) over smallint, integer and bigint. Each slot
// keeps the number of non-null inputs and an exact 128-bit sum as hi·2⁶⁴ + lo,
// lo a signed int64 that wraps and hi counting its wraps: the hot loop adds
// into lo and only touches hi on the (predictable, rare) signed overflow.
// sum(smallint|int) → bigint fails with 22003 at the barrier when the sum does
// not fit; sum(bigint) → numeric(38,0); avg → double precision. The checks
// happen on the result, so an overflow retracted within an epoch is no error.
// Owned by its HashAgg.
type aggSumInt struct {
	in, out types.T
	avg     bool

	n, lo, hi    []int64
	pn, plo, phi []int64
}

func (a *aggSumInt) grow(n int) {
	a.n, a.lo, a.hi = growInt64s(a.n, n), growInt64s(a.lo, n), growInt64s(a.hi, n)
	a.pn, a.plo, a.phi = growInt64s(a.pn, n), growInt64s(a.plo, n), growInt64s(a.phi, n)
}

func (a *aggSumInt) clear(g int32) {
	a.n[g], a.lo[g], a.hi[g] = 0, 0, 0
	a.pn[g], a.plo[g], a.phi[g] = 0, 0, 0
}

func (a *aggSumInt) update(arr arrow.Array, slots []int32, signs []int64) error {
	switch arr := arr.(type) {
	case *array.Int64:
		sumIntLoop(arr.Int64Values(), arr, slots, signs, a.n, a.lo, a.hi)
	case *array.Int32:
		sumIntLoop(arr.Int32Values(), arr, slots, signs, a.n, a.lo, a.hi)
	case *array.Int16:
		sumIntLoop(arr.Int16Values(), arr, slots, signs, a.n, a.lo, a.hi)
	default:
		return sqlstate.Errorf(sqlstate.Internal, "hash aggregate: sum over %s got Arrow %s", a.in, arr.DataType())
	}
	return nil
}

// sumIntLoop adds (or, by sign, subtracts) vals into the 128-bit sums of
// their slots.
func sumIntLoop[T int16 | int32 | int64](vals []T, arr arrow.Array, slots []int32, signs []int64, n, lo, hi []int64) {
	nulls := arr.NullN() > 0
	if !nulls && signs == nil {
		for i, g := range slots {
			v := int64(vals[i])
			l := lo[g]
			s := l + v
			if (l^s)&(v^s) < 0 {
				hi[g] += carryOf(v)
			}
			lo[g] = s
			n[g]++
		}
		return
	}
	for i, g := range slots {
		if nulls && arr.IsNull(i) {
			continue
		}
		v := int64(vals[i])
		l := lo[g]
		if signs == nil || signs[i] > 0 {
			s := l + v
			if (l^s)&(v^s) < 0 {
				hi[g] += carryOf(v)
			}
			lo[g] = s
			n[g]++
		} else {
			s := l - v
			if (l^v)&(l^s) < 0 {
				hi[g] -= carryOf(v)
			}
			lo[g] = s
			n[g]--
		}
	}
}

// carryOf is the change of hi when adding v to lo overflows: +1 for a
// positive v, -1 for a negative one.
func carryOf(v int64) int64 {
	if v > 0 {
		return 1
	}
	return -1
}

// int128 returns hi·2⁶⁴ + lo (lo signed) as a decimal128.
func int128(hi, lo int64) decimal128.Num {
	return decimal128.New(hi, 0).Add(decimal128.FromI64(lo))
}

func (a *aggSumInt) get(g int32, prev bool) (n, lo, hi int64) {
	if prev {
		return a.pn[g], a.plo[g], a.phi[g]
	}
	return a.n[g], a.lo[g], a.hi[g]
}

func (a *aggSumInt) changed(g int32) bool {
	if (a.n[g] > 0) != (a.pn[g] > 0) {
		return true
	}
	if a.n[g] == 0 {
		return false
	}
	if a.avg && a.n[g] != a.pn[g] {
		return true
	}
	return a.lo[g] != a.plo[g] || a.hi[g] != a.phi[g]
}

func (a *aggSumInt) commit(g int32) {
	a.pn[g], a.plo[g], a.phi[g] = a.n[g], a.lo[g], a.hi[g]
}

func (a *aggSumInt) appendResults(b array.Builder, slots []int32, prev []bool) error {
	b.Reserve(len(slots))
	switch {
	case a.avg:
		fb, ok := b.(*array.Float64Builder)
		if !ok {
			return builderMismatch(b, "double precision")
		}
		for i, g := range slots {
			if n, lo, hi := a.get(g, prev[i]); n == 0 {
				fb.UnsafeAppendBoolToBitmap(false)
			} else {
				fb.UnsafeAppend((float64(hi)*0x1p64 + float64(lo)) / float64(n))
			}
		}
	case a.out.Family == types.Int64:
		ib, ok := b.(*array.Int64Builder)
		if !ok {
			return builderMismatch(b, "bigint")
		}
		for i, g := range slots {
			n, lo, hi := a.get(g, prev[i])
			switch {
			case n == 0:
				ib.UnsafeAppendBoolToBitmap(false)
			case hi != 0:
				return sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "bigint out of range")
			default:
				ib.UnsafeAppend(lo)
			}
		}
	default:
		db, ok := b.(*array.Decimal128Builder)
		if !ok {
			return builderMismatch(b, "numeric")
		}
		for i, g := range slots {
			n, lo, hi := a.get(g, prev[i])
			if n == 0 {
				db.UnsafeAppendBoolToBitmap(false)
				continue
			}
			v := int128(hi, lo)
			if a.out.Scale > 0 {
				v = v.IncreaseScaleBy(a.out.Scale)
			}
			if !v.FitsInPrecision(a.out.Precision) {
				return sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "numeric field overflow")
			}
			db.UnsafeAppend(v)
		}
	}
	return nil
}

func (a *aggSumInt) appendState(dst []byte, g int32) []byte {
	dst = binary.AppendVarint(dst, a.n[g])
	dst = binary.AppendVarint(dst, a.lo[g])
	return binary.AppendVarint(dst, a.hi[g])
}

func (a *aggSumInt) loadState(src []byte, g int32) ([]byte, error) {
	var err error
	if a.n[g], src, err = readVarint(src); err != nil {
		return nil, err
	}
	if a.lo[g], src, err = readVarint(src); err != nil {
		return nil, err
	}
	if a.hi[g], src, err = readVarint(src); err != nil {
		return nil, err
	}
	a.commit(g)
	return src, nil
}

// aggSumFloat is sum(x) and avg(x) over real and double precision: a float64
// sum and a non-null count per slot. Retractions subtract, so a group that
// saw +x then -x may keep a rounding residue instead of an exact 0 (Postgres'
// float aggregates have the same property under moving-window retraction).
// sum(real) → real, sum(double) → double, avg → double. Owned by its HashAgg.
type aggSumFloat struct {
	in, out types.T
	avg     bool

	n, pn     []int64
	sum, psum []float64
}

func (a *aggSumFloat) grow(n int) {
	a.n, a.pn = growInt64s(a.n, n), growInt64s(a.pn, n)
	a.sum, a.psum = growFloat64s(a.sum, n), growFloat64s(a.psum, n)
}

func (a *aggSumFloat) clear(g int32) {
	a.n[g], a.pn[g], a.sum[g], a.psum[g] = 0, 0, 0, 0
}

func (a *aggSumFloat) update(arr arrow.Array, slots []int32, signs []int64) error {
	switch arr := arr.(type) {
	case *array.Float64:
		sumFloatLoop(arr.Float64Values(), arr, slots, signs, a.n, a.sum)
	case *array.Float32:
		sumFloatLoop(arr.Float32Values(), arr, slots, signs, a.n, a.sum)
	default:
		return sqlstate.Errorf(sqlstate.Internal, "hash aggregate: sum over %s got Arrow %s", a.in, arr.DataType())
	}
	return nil
}

func sumFloatLoop[T float32 | float64](vals []T, arr arrow.Array, slots []int32, signs []int64, n []int64, sum []float64) {
	nulls := arr.NullN() > 0
	if !nulls && signs == nil {
		for i, g := range slots {
			sum[g] += float64(vals[i])
			n[g]++
		}
		return
	}
	for i, g := range slots {
		if nulls && arr.IsNull(i) {
			continue
		}
		if signs == nil || signs[i] > 0 {
			sum[g] += float64(vals[i])
			n[g]++
		} else {
			sum[g] -= float64(vals[i])
			n[g]--
		}
	}
}

func (a *aggSumFloat) result(g int32, prev bool) (float64, bool) {
	n, s := a.n[g], a.sum[g]
	if prev {
		n, s = a.pn[g], a.psum[g]
	}
	if n == 0 {
		return 0, false
	}
	if a.avg {
		return s / float64(n), true
	}
	if a.out.Family == types.Float32 {
		return float64(float32(s)), true
	}
	return s, true
}

func (a *aggSumFloat) changed(g int32) bool {
	v, ok := a.result(g, false)
	pv, pok := a.result(g, true)
	return ok != pok || math.Float64bits(v) != math.Float64bits(pv)
}

func (a *aggSumFloat) commit(g int32) { a.pn[g], a.psum[g] = a.n[g], a.sum[g] }

func (a *aggSumFloat) appendResults(b array.Builder, slots []int32, prev []bool) error {
	switch fb := b.(type) {
	case *array.Float64Builder:
		fb.Reserve(len(slots))
		for i, g := range slots {
			if v, ok := a.result(g, prev[i]); ok {
				fb.UnsafeAppend(v)
			} else {
				fb.UnsafeAppendBoolToBitmap(false)
			}
		}
	case *array.Float32Builder:
		fb.Reserve(len(slots))
		for i, g := range slots {
			if v, ok := a.result(g, prev[i]); ok {
				fb.UnsafeAppend(float32(v))
			} else {
				fb.UnsafeAppendBoolToBitmap(false)
			}
		}
	default:
		return builderMismatch(b, a.out.String())
	}
	return nil
}

func (a *aggSumFloat) appendState(dst []byte, g int32) []byte {
	dst = binary.AppendVarint(dst, a.n[g])
	return binary.BigEndian.AppendUint64(dst, math.Float64bits(a.sum[g]))
}

func (a *aggSumFloat) loadState(src []byte, g int32) ([]byte, error) {
	var err error
	if a.n[g], src, err = readVarint(src); err != nil {
		return nil, err
	}
	if len(src) < 8 {
		return nil, fmt.Errorf("hash aggregate: corrupt float sum state")
	}
	a.sum[g] = math.Float64frombits(binary.BigEndian.Uint64(src))
	a.commit(g)
	return src[8:], nil
}

// aggSumDecimal is sum(x) and avg(x) over numeric(p,s): a non-null count and
// an exact 128-bit sum at scale s per slot, kept as separate hi/lo slices so
// the loop is two adds with carry. A sum leaving the 128-bit range fails with
// 22003 immediately; one that does not fit numeric(38) fails at the barrier.
// sum → numeric(38,s); avg → numeric(38,max(s,6)) rounded half away from
// zero. Owned by its HashAgg.
type aggSumDecimal struct {
	in, out types.T
	avg     bool

	n, pn   []int64
	hi, phi []int64
	lo, plo []uint64
}

func (a *aggSumDecimal) grow(n int) {
	a.n, a.pn = growInt64s(a.n, n), growInt64s(a.pn, n)
	a.hi, a.phi = growInt64s(a.hi, n), growInt64s(a.phi, n)
	if grow := n - len(a.lo); grow > 0 {
		a.lo = append(a.lo, make([]uint64, grow)...)
		a.plo = append(a.plo, make([]uint64, grow)...)
	}
}

func (a *aggSumDecimal) clear(g int32) {
	a.n[g], a.pn[g], a.hi[g], a.phi[g], a.lo[g], a.plo[g] = 0, 0, 0, 0, 0, 0
}

func (a *aggSumDecimal) update(arr arrow.Array, slots []int32, signs []int64) error {
	d, ok := arr.(*array.Decimal128)
	if !ok {
		return sqlstate.Errorf(sqlstate.Internal, "hash aggregate: sum over %s got Arrow %s", a.in, arr.DataType())
	}
	vals := d.Values()
	nulls := arr.NullN() > 0
	for i, g := range slots {
		if nulls && arr.IsNull(i) {
			continue
		}
		v := vals[i]
		vhi, vlo := v.HighBits(), v.LowBits()
		if signs != nil && signs[i] < 0 {
			neg := v.Negate()
			if v.Sign() < 0 && neg.Sign() < 0 {
				return sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "numeric field overflow")
			}
			vhi, vlo = neg.HighBits(), neg.LowBits()
			a.n[g]--
		} else {
			a.n[g]++
		}
		l, c := bits.Add64(a.lo[g], vlo, 0)
		h := a.hi[g] + vhi + int64(c)
		if (a.hi[g]^h)&(vhi^h) < 0 {
			return sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "numeric field overflow")
		}
		a.lo[g], a.hi[g] = l, h
	}
	return nil
}

func (a *aggSumDecimal) changed(g int32) bool {
	if (a.n[g] > 0) != (a.pn[g] > 0) {
		return true
	}
	if a.n[g] == 0 {
		return false
	}
	if a.avg && a.n[g] != a.pn[g] {
		return true
	}
	return a.lo[g] != a.plo[g] || a.hi[g] != a.phi[g]
}

func (a *aggSumDecimal) commit(g int32) {
	a.pn[g], a.phi[g], a.plo[g] = a.n[g], a.hi[g], a.lo[g]
}

func (a *aggSumDecimal) appendResults(b array.Builder, slots []int32, prev []bool) error {
	db, ok := b.(*array.Decimal128Builder)
	if !ok {
		return builderMismatch(b, a.out.String())
	}
	for i, g := range slots {
		if err := a.appendResult(db, g, prev[i]); err != nil {
			return err
		}
	}
	return nil
}

func (a *aggSumDecimal) appendResult(db *array.Decimal128Builder, g int32, prev bool) error {
	n, sum := a.n[g], decimal128.New(a.hi[g], a.lo[g])
	if prev {
		n, sum = a.pn[g], decimal128.New(a.phi[g], a.plo[g])
	}
	if n == 0 {
		db.AppendNull()
		return nil
	}
	var v decimal128.Num
	if a.avg {
		v = decimalAvg(sum, n, a.out.Scale-a.in.Scale)
	} else {
		var err error
		if v, err = sum.Rescale(a.in.Scale, a.out.Scale); err != nil {
			return sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "numeric field overflow")
		}
	}
	if !v.FitsInPrecision(a.out.Precision) {
		return sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "numeric field overflow")
	}
	db.Append(v)
	return nil
}

// decimalAvg returns sum·10^scaleUp / n rounded half away from zero. The
// result does not always fit 128 bits; FromBigInt then truncates and the
// caller's precision check reports the overflow.
func decimalAvg(sum decimal128.Num, n int64, scaleUp int32) decimal128.Num {
	v := sum.BigInt()
	if scaleUp > 0 {
		v.Mul(v, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scaleUp)), nil))
	}
	d := big.NewInt(n)
	q, r := new(big.Int).QuoRem(v, d, new(big.Int))
	r.Abs(r).Lsh(r, 1)
	if r.Cmp(d) >= 0 {
		if v.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	if q.BitLen() > 127 {
		return decimal128.GetMaxValue(38).Add(decimal128.FromI64(1))
	}
	return decimal128.FromBigInt(q)
}

func (a *aggSumDecimal) appendState(dst []byte, g int32) []byte {
	dst = binary.AppendVarint(dst, a.n[g])
	dst = binary.BigEndian.AppendUint64(dst, uint64(a.hi[g]))
	return binary.BigEndian.AppendUint64(dst, a.lo[g])
}

func (a *aggSumDecimal) loadState(src []byte, g int32) ([]byte, error) {
	var err error
	if a.n[g], src, err = readVarint(src); err != nil {
		return nil, err
	}
	if len(src) < 16 {
		return nil, fmt.Errorf("hash aggregate: corrupt numeric sum state")
	}
	a.hi[g] = int64(binary.BigEndian.Uint64(src))
	a.lo[g] = binary.BigEndian.Uint64(src[8:])
	a.commit(g)
	return src[16:], nil
}
