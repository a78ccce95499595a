package ops

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// TestOverWindowMinMaxSweep checks minMax's one sweep over frames whose
// ends never move back, and its reading of frames that do, against the
// least and greatest values of each frame found by reading it: random
// values with NULLs and ties, random frames by rows (some empty, some
// past the partition's ends).
func TestOverWindowMinMaxSweep(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	r := rand.New(rand.NewPCG(20261206, 7))
	for round := range 500 {
		n := 1 + r.IntN(40)
		b := array.NewInt64Builder(mem)
		for range n {
			if r.IntN(5) == 0 {
				b.AppendNull()
			} else {
				b.Append(int64(r.IntN(10) - 5))
			}
		}
		arg := b.NewArray()
		b.Release()
		start, end := r.IntN(6)-2, r.IntN(6)-2
		lo, hi := make([]int, n), make([]int, n)
		for i := range n {
			lo[i], hi[i] = max(i-start, 0), min(i+end, n-1)
			if round%5 == 0 { // frames that move back and forth
				lo[i], hi[i] = r.IntN(n+1), r.IntN(n+1)-1
			}
		}
		for _, kind := range []OverKind{OverMin, OverMax} {
			got := minMax(OverFunc{Kind: kind}, types.Int64Type, arg, nil, lo, hi)
			for i := range n {
				var want []byte
				for j := lo[i]; j <= hi[i]; j++ {
					if arg.IsNull(j) {
						continue
					}
					v := statestore.AppendValue(nil, types.Int64Type, arg, j)
					if c := bytes.Compare(v, want); want == nil || kind == OverMin && c < 0 || kind == OverMax && c > 0 {
						want = v
					}
				}
				if want == nil {
					want = []byte{0x00}
				}
				if !bytes.Equal(got[i], want) {
					t.Fatalf("round %d, kind %d, row %d of %d, frame [%d, %d]: got %x, want %x", round, kind, i, n, lo[i], hi[i], got[i], want)
				}
			}
		}
		arg.Release()
	}
}
