package weir

import (
	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/watermarks"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// procTimeColumn is a stream's column declared `AS PROCTIME()` and its
// place among the declared columns.
type procTimeColumn struct {
	col   catalog.Column
	place int
}

// splitProcTime returns the columns declared (of defs) without the one
// declared AS PROCTIME(), which no connector reads, and that one apart. It
// must be TIMESTAMPTZ, and a stream has one at most.
func splitProcTime(defs []sql.ColumnDef, declared []catalog.Column) ([]catalog.Column, []procTimeColumn, error) {
	var rest []catalog.Column
	var pt []procTimeColumn
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
		pt = append(pt, procTimeColumn{col: declared[i], place: i})
	}
	return rest, pt, nil
}

// withProcTime returns cols (the connector's) with the processing-time
// columns put back at their places.
func withProcTime(cols []catalog.Column, pt []procTimeColumn) []catalog.Column {
	for _, p := range pt {
		i := min(p.place, len(cols))
		cols = append(cols[:i:i], append([]catalog.Column{p.col}, cols[i:]...)...)
	}
	return cols
}

// refuseProcTime refuses AS PROCTIME() where it has no meaning: in a
// table's columns.
func refuseProcTime(defs []sql.ColumnDef) error {
	for _, d := range defs {
		if d.ProcTime {
			return sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, d.Name.Pos,
				"a processing-time column (AS PROCTIME()) is supported in CREATE STREAM only")
		}
	}
	return nil
}

// refuseProcTimeWatermark refuses a WATERMARK FOR clause on a stream's
// processing-time column: its watermark is the processing time itself.
func refuseProcTimeWatermark(wm *sql.WatermarkDef, pt []procTimeColumn) error {
	for _, p := range pt {
		if wm != nil && wm.Column.Value == p.col.Name {
			return sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, wm.Column.Pos,
				"column \"%s\" is a processing-time column: its watermark is the processing time, not a WATERMARK FOR", p.col.Name)
		}
	}
	return nil
}

// procTimeColumnOf returns the index of stream s's processing-time column,
// -1 without one.
func procTimeColumnOf(s *catalog.Object) int {
	for i, c := range s.Columns {
		if c.ProcTime {
			return i
		}
	}
	return -1
}

// procTimeText returns pt's watermark as a TIMESTAMPTZ prints.
func procTimeText(pt *watermarks.ProcTime) string {
	return watermarks.Text(types.TSTZType, pt.Watermark())
}

// procTimeSource returns src, which reads stream s's columns but its
// processing-time one, with that column filled in (exec/watermarks.ProcTime,
// its state in the source's state table); nil when s has none.
func (e *Engine) procTimeSource(s *catalog.Object, src exec.Source, table statestore.TableID) *watermarks.ProcTime {
	col := procTimeColumnOf(s)
	if col < 0 {
		return nil
	}
	return watermarks.NewProcTime(src, watermarks.ProcTimeSpec{Column: col, Schema: s.FullSchema(), Table: table, Mem: e.mem, Clock: e.cfg.Clock})
}
