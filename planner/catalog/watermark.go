package catalog

import "github.com/weir-stream/weir/sql/types"

// Watermark is the WATERMARK FOR clause of a stream or a table: the
// relation's watermark is the largest value of Expr (SQL over the
// relation's columns, non-decreasing in Column: the column, or the column
// minus a constant interval) over the rows read, and a row whose Column is
// below the watermark when it arrives is late.
type Watermark struct {
	Column string
	Expr   string
}

// ColumnIndex returns the index of w's column among o's columns, -1 when
// o has none of that name.
func (w *Watermark) ColumnIndex(o *Object) int {
	for i, c := range o.Columns {
		if c.Name == w.Column {
			return i
		}
	}
	return -1
}

// WatermarkType returns the type of the column o's WATERMARK FOR is on:
// the zero T when o has no watermark or its column is gone.
func (o *Object) WatermarkType() types.T {
	if o.Watermark == nil {
		return types.T{}
	}
	if i := o.Watermark.ColumnIndex(o); i >= 0 {
		return o.Columns[i].Type
	}
	return types.T{}
}
