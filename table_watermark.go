package weir

import (
	"fmt"
	"time"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/metrics"
	"github.com/weir-stream/weir/exec/systables"
	"github.com/weir-stream/weir/exec/watermarks"
	"github.com/weir-stream/weir/sql/types"
)

// tableConnector is what weir_sources says a table's rows come through:
// DML and COPY, which write the table log.
const tableConnector = "table"

// tableMetricSources returns the Prometheus figures of each running table
// with WATERMARK FOR, as those of a source whose stream and view are the
// table: the changes it took, its late rows and its watermark's lag.
func (e *Engine) tableMetricSources() (out []metrics.Source) {
	for _, j := range e.jobs.List() {
		if j.tableWM == nil {
			continue
		}
		st := j.tableWM.Status()
		src := metrics.Source{Stream: j.obj.Name, View: j.obj.Name, Watermarked: true, LateRows: st.Late,
			Progress: exec.SourceProgress{Rows: j.tableWM.Rows(), Bytes: -1, Lag: -1, Status: exec.SourceRunning}}
		if t := j.obj.WatermarkType(); st.Has && (t.Family == types.Timestamp || t.Family == types.TimestampTZ) {
			src.HasWatermarkLag, src.WatermarkLag = true, time.Since(time.UnixMicro(st.Watermark))
		}
		out = append(out, src)
	}
	return out
}

// tableSourceRows returns a weir_sources row for each running table with
// WATERMARK FOR: its view and stream are the table, its connector
// "table", its position the last write log record applied to it, and its
// watermark as a stream's shows.
func (e *Engine) tableSourceRows() (out []systables.SourceRow) {
	for _, j := range e.jobs.List() {
		if j.tableWM == nil {
			continue
		}
		p := exec.SourceProgress{Rows: j.tableWM.Rows(), Bytes: -1, Lag: -1, Status: exec.SourceRunning,
			Position: fmt.Sprintf("lsn %d", j.tableLog.Applied())}
		if fl, failed := e.failed.Of(j.obj.Name); failed {
			p.Status, p.LastError = "failed", fl.Error
		}
		st := j.tableWM.Status()
		row := systables.SourceRow{View: j.obj.Name, Stream: j.obj.Name, Connector: tableConnector, SourceProgress: p,
			Watermarked: true, WatermarkDetail: st.Detail, LateRows: st.Late}
		if st.Has {
			row.Watermark = watermarks.Text(j.obj.WatermarkType(), st.Watermark)
		}
		out = append(out, row)
	}
	return out
}
