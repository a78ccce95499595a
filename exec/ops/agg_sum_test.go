package ops

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestSumIntCarry checks the 128-bit integer sum (wrapping lo, carry in hi)
// against math/big under random extreme values added and retracted.
func TestSumIntCarry(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(3, 4))
	b := array.NewInt64Builder(mem)
	defer b.Release()
	var want big.Int
	slots := make([]int32, 1000)
	signs := make([]int64, 1000)
	for i := range slots {
		v := []int64{math.MaxInt64, math.MinInt64, rng.Int64(), -rng.Int64(), 0}[rng.IntN(5)]
		b.Append(v)
		signs[i] = 1 - 2*int64(rng.IntN(2))
		want.Add(&want, new(big.Int).Mul(big.NewInt(v), big.NewInt(signs[i])))
	}
	arr := b.NewInt64Array()
	defer arr.Release()
	n, lo, hi := make([]int64, 1), make([]int64, 1), make([]int64, 1)
	sumIntLoop(arr.Int64Values(), arr, slots, signs, n, lo, hi)
	if got := int128(hi[0], lo[0]).BigInt(); got.Cmp(&want) != 0 {
		t.Fatalf("sum = %s, want %s", got, &want)
	}
	// The insert-only fast path agrees too.
	n[0], lo[0], hi[0] = 0, 0, 0
	sumIntLoop(arr.Int64Values(), arr, slots, nil, n, lo, hi)
	want.SetInt64(0)
	for _, v := range arr.Int64Values() {
		want.Add(&want, big.NewInt(v))
	}
	if got := int128(hi[0], lo[0]).BigInt(); got.Cmp(&want) != 0 || n[0] != int64(len(slots)) {
		t.Fatalf("insert-only sum = %s (n %d), want %s", got, n[0], &want)
	}
}

// TestDecimalAvg checks avg(numeric) rounding: half away from zero.
func TestDecimalAvg(t *testing.T) {
	for _, tc := range []struct {
		sum     int64
		n       int64
		scaleUp int32
		want    int64
	}{
		{sum: 1, n: 3, scaleUp: 4, want: 3333},
		{sum: 2, n: 3, scaleUp: 4, want: 6667},
		{sum: 1, n: 32, scaleUp: 4, want: 313},   // 312.5 → 313
		{sum: -1, n: 32, scaleUp: 4, want: -313}, // -312.5 → -313
		{sum: 5, n: 2, scaleUp: 0, want: 3},
		{sum: -5, n: 2, scaleUp: 0, want: -3},
		{sum: 7, n: 7, scaleUp: 6, want: 1_000_000},
	} {
		got := decimalAvg(decimal128.FromI64(tc.sum), tc.n, tc.scaleUp)
		if got != decimal128.FromI64(tc.want) {
			t.Errorf("avg(%d/%d, scale +%d) = %s, want %d", tc.sum, tc.n, tc.scaleUp, got.BigInt(), tc.want)
		}
	}
}
