package planner

import (
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec/watermarks"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/statestore"
)

// WatermarkSpec returns what runs the WATERMARK FOR of stream or table o,
// on its column col, with its state in table (exec/watermarks): the delay
// its expression says (WatermarkDelay), the late rows its options keep,
// their idle timeout as given (0: none), and its values printed in the
// column's type.
func WatermarkSpec(cat *catalog.Catalog, mem memory.Allocator, o *catalog.Object, col int, table statestore.TableID) (watermarks.Spec, error) {
	w := o.Watermark
	x, err := sql.ParseExpr(w.Expr)
	if err != nil {
		return watermarks.Spec{}, err
	}
	delay, err := WatermarkDelay(cat, mem, o, w, x, 0)
	if err != nil {
		return watermarks.Spec{}, err
	}
	idle, keep, err := watermarks.Options(o.Options)
	if err != nil {
		return watermarks.Spec{}, err
	}
	t := o.Columns[col].Type
	return watermarks.Spec{Stream: o.Name, Column: col, Delay: delay, IdleTimeout: idle, KeepLate: keep,
		Table: table, Mem: mem, Format: func(v int64) string { return watermarks.Text(t, v) }}, nil
}
