package planner

import (
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// ProcTimeColumn is a stream's column declared `AS PROCTIME()` and its
// place among the declared columns.
type ProcTimeColumn struct {
	col   catalog.Column
	place int
}

// SplitProcTime returns the columns declared (of defs) without the one
// declared AS PROCTIME(), which no connector reads, and that one apart. It
// must be TIMESTAMPTZ, and a stream has one at most.
func SplitProcTime(defs []sql.ColumnDef, declared []catalog.Column) ([]catalog.Column, []ProcTimeColumn, error) {
	var rest []catalog.Column
	var pt []ProcTimeColumn
	for i, d := range defs {
		if !d.ProcTime {
			rest = append(rest, declared[i])
			continue
		}
		if d.Type.Type.Family != types.TimestampTZ {
			return nil, nil, sqlstate.ErrorfAt(sqlstate.DatatypeMismatch, d.Name.Pos,
				"processing-time column \"%s\" must be of type timestamp with time zone", d.Name.Value)
		}
		if len(pt) > 0 {
			return nil, nil, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, d.Name.Pos, "a stream can have one processing-time column")
		}
		pt = append(pt, ProcTimeColumn{col: declared[i], place: i})
	}
	return rest, pt, nil
}

// WithProcTime returns cols (the connector's) with the processing-time
// columns put back at their places.
func WithProcTime(cols []catalog.Column, pt []ProcTimeColumn) []catalog.Column {
	for _, p := range pt {
		i := min(p.place, len(cols))
		cols = append(cols[:i:i], append([]catalog.Column{p.col}, cols[i:]...)...)
	}
	return cols
}

// RefuseProcTime refuses AS PROCTIME() where it has no meaning: in a
// table's columns.
func RefuseProcTime(defs []sql.ColumnDef) error {
	for _, d := range defs {
		if d.ProcTime {
			return sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, d.Name.Pos,
				"a processing-time column (AS PROCTIME()) is supported in CREATE STREAM only")
		}
	}
	return nil
}

// RefuseProcTimeWatermark refuses a WATERMARK FOR clause on a stream's
// processing-time column: its watermark is the processing time itself.
func RefuseProcTimeWatermark(wm *sql.WatermarkDef, pt []ProcTimeColumn) error {
	for _, p := range pt {
		if wm != nil && wm.Column.Value == p.col.Name {
			return sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, wm.Column.Pos,
				"column \"%s\" is a processing-time column: its watermark is the processing time, not a WATERMARK FOR", p.col.Name)
		}
	}
	return nil
}
