package expr_test

import (
	"context"
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql/types"
)

// TestMapNarrowsToTheTypesRange: a watermark on an INT or SMALLINT column
// past the type's range maps as the range's end, never as a wrapped value
// (a watermark far below the range wrapping to a large positive one would
// close every window downstream).
func TestMapNarrowsToTheTypesRange(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	for _, c := range []struct {
		t        types.T
		in, want int64
	}{
		{types.T{Family: types.Int32}, math.MinInt32 - 10, math.MinInt32},
		{types.T{Family: types.Int32}, math.MaxInt32 + 10, math.MaxInt32},
		{types.T{Family: types.Int32}, -5, -5},
		{types.T{Family: types.Int16}, math.MinInt16 - 1, math.MinInt16},
		{types.T{Family: types.Int16}, 1 << 20, math.MaxInt16},
		{types.T{Family: types.Date}, math.MinInt64 / 2, math.MinInt32},
	} {
		got, ok := expr.Map(ctx, mem, expr.Column(0, "x", c.t), 0, c.in)
		if !ok || got != c.want {
			t.Errorf("%s: Map(x, %d) = %d, %v; want %d", c.t, c.in, got, ok, c.want)
		}
	}
}
