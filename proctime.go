package weir

import (
	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/watermarks"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// procTimeText returns pt's watermark as a TIMESTAMPTZ prints.
func procTimeText(pt *watermarks.ProcTime) string {
	return watermarks.Text(types.TSTZType, pt.Watermark())
}

// procTimeSource returns src, which reads stream s's columns but its
// processing-time one, with that column filled in (exec/watermarks.ProcTime,
// its state in the source's state table); nil when s has none.
func (e *Engine) procTimeSource(s *catalog.Object, src exec.Source, table statestore.TableID) *watermarks.ProcTime {
	col := s.ProcTimeColumn()
	if col < 0 {
		return nil
	}
	return watermarks.NewProcTime(src, watermarks.ProcTimeSpec{Column: col, Schema: s.FullSchema(), Table: table, Mem: e.mem, Clock: e.cfg.Clock})
}
