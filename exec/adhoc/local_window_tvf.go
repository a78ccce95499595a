package adhoc

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/planner"
)

// runTimeWindow runs TUMBLE (the projection a view runs) or HOP (the
// view's expand operator) over n's input.
func runTimeWindow(ctx context.Context, mem memory.Allocator, n *planner.TimeWindow, scan ScanFunc) ([]arrow.RecordBatch, error) {
	if !n.Hop {
		exprs, err := n.TumbleExprs()
		if err != nil {
			return nil, err
		}
		return runStateless(ctx, mem, n.Input, scan, &planner.StreamProject{Exprs: exprs, Cols: n.Cols})
	}
	return runStateless(ctx, mem, n.Input, scan, &planner.StreamHop{TimeCol: n.TimeCol, Size: n.Size, Slide: n.Slide, Offset: n.Offset, Cols: n.Cols})
}
