package expr

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Take returns the values of col at the positions idx holds, in that
// order (Int32 or Int64 positions), a NULL position giving NULL, built
// through mem. It is arrow's
// take for every type weir has, including the 16-byte intervals arrow-go's
// take kernel has none for. The caller releases the result.
func Take(ctx context.Context, mem memory.Allocator, col, idx arrow.Array) (arrow.Array, error) {
	if col.DataType().ID() != arrow.INTERVAL_MONTH_DAY_NANO {
		return compute.TakeArray(computeCtx(ctx, mem), col, idx)
	}
	var at func(i int) int
	switch idx := idx.(type) {
	case *array.Int32:
		at = func(i int) int { return int(idx.Value(i)) }
	case *array.Int64:
		at = func(i int) int { return int(idx.Value(i)) }
	default:
		return nil, fmt.Errorf("take: indices of type %s", idx.DataType())
	}
	b := array.NewMonthDayNanoIntervalBuilder(mem)
	defer b.Release()
	b.Reserve(idx.Len())
	for i := 0; i < idx.Len(); i++ {
		if idx.IsNull(i) {
			b.AppendNull()
			continue
		}
		appendFrom(b, col, at(i))
	}
	return b.NewArray(), nil
}
