package session

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/sql/types"
)

// Values reads every row of r as Go values, in the order of r.Columns, and
// releases r's rows: int64 for the integer types, float64 for the floating
// ones, string for text and numeric (its exact decimal text), bool,
// []byte for bytea, time.Time for dates and timestamps (UTC), and nil for
// NULL; other types come as their text.
func (r *Result) Values() ([][]any, error) {
	if r.Rows == nil {
		return nil, nil
	}
	defer r.Rows.Release()
	var out [][]any
	for r.Rows.Next() {
		rec := r.Rows.RecordBatch()
		for i := range int(rec.NumRows()) {
			row := make([]any, rec.NumCols())
			for j := range row {
				v, err := goValue(rec.Column(j), r.Columns[j].Type, i)
				if err != nil {
					return nil, err
				}
				row[j] = v
			}
			out = append(out, row)
		}
	}
	return out, r.Rows.Err()
}

// goValue returns row i of arr (of SQL type t) as a Go value.
func goValue(arr arrow.Array, t types.T, i int) (any, error) {
	if arr.IsNull(i) {
		return nil, nil
	}
	switch a := arr.(type) {
	case *array.Int16:
		return int64(a.Value(i)), nil
	case *array.Int32:
		return int64(a.Value(i)), nil
	case *array.Int64:
		return a.Value(i), nil
	case *array.Float32:
		return float64(a.Value(i)), nil
	case *array.Float64:
		return a.Value(i), nil
	case *array.Boolean:
		return a.Value(i), nil
	case *array.String:
		// Value points into the array's buffer, which DuckDB's results free
		// once the rows are released: copy.
		return strings.Clone(a.Value(i)), nil
	case *array.LargeString:
		return strings.Clone(a.Value(i)), nil
	case *array.Binary:
		return append([]byte(nil), a.Value(i)...), nil
	case *array.Date32:
		return a.Value(i).ToTime().UTC(), nil
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return a.Value(i).ToTime(unit).UTC(), nil
	}
	if t.Family == types.Numeric {
		if d, ok := arr.(*array.Decimal128); ok {
			return d.Value(i).ToString(t.Scale), nil
		}
	}
	return arr.ValueStr(i), nil
}
