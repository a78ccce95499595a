package planner

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// DefineWatermark checks the WATERMARK FOR clause def of a new stream or
// table called name with columns cols (without _row_id) and returns what
// the catalog keeps of it: the column must exist and be a timestamp, date
// or integer, and the expression must be the column, or the column minus
// (or plus) a constant without months.
func DefineWatermark(cat *catalog.Catalog, mem memory.Allocator, name string, cols []catalog.Column, def *sql.WatermarkDef) (*catalog.Watermark, error) {
	w := &catalog.Watermark{Column: def.Column.Value, Expr: sql.String(def.Expr)}
	o := &catalog.Object{Name: name, Kind: catalog.Stream, Columns: cols}
	col := w.ColumnIndex(o)
	if col < 0 || cols[col].Hidden {
		return nil, sqlstate.ErrorfAt(sqlstate.UndefinedColumn, def.Column.Pos, "column \"%s\" does not exist", def.Column.Value)
	}
	if t := cols[col].Type; !expr.WatermarkValue(t) {
		return nil, sqlstate.ErrorfAt(sqlstate.DatatypeMismatch, def.Column.Pos,
			"watermark column \"%s\" must be of type timestamp, timestamp with time zone, date or an integer type, not %s", def.Column.Value, t)
	}
	if _, err := WatermarkDelay(cat, mem, o, w, def.Expr, def.ExprPos); err != nil {
		return nil, err
	}
	return w, nil
}

// WatermarkDelay binds w's expression x over o's columns and returns how
// far the watermark trails the column (pos places its errors).
func WatermarkDelay(cat *catalog.Catalog, mem memory.Allocator, o *catalog.Object, w *catalog.Watermark, x sql.Expr, pos sql.Pos) (int64, error) {
	col := w.ColumnIndex(o)
	bound, err := NewBinder(cat, nil).BindScalar(o, x, o.Columns[col].Type, "WATERMARK")
	if err != nil {
		return 0, At(err, pos)
	}
	off, ok := expr.ConstantOffset(context.Background(), mem, bound, col)
	if !ok {
		return 0, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, pos,
			"the watermark expression must be %s itself or %s minus a constant interval", w.Column, w.Column).
			WithHint("Write WATERMARK FOR " + w.Column + " AS " + w.Column + " - INTERVAL '5 seconds'.")
	}
	return -off, nil
}
