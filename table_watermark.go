package weir

import (
	"fmt"
	"strings"
	"time"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/metrics"
	"github.com/weir-stream/weir/exec/systables"
	"github.com/weir-stream/weir/exec/watermarks"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// tableConnector is what weir_sources says a table's rows come through:
// DML and COPY, which write the table log.
const tableConnector = "table"

// tableOptions checks the WITH options of CREATE TABLE: a table with
// WATERMARK FOR takes watermark.late_rows as a stream does. An unknown
// option is an error, not ignored; watermark.idle_timeout is refused, for
// a table's rows are one split, which idleness cannot leave out of a
// minimum.
func tableOptions(st *sql.CreateTable) (map[string]string, error) {
	var opts map[string]string
	for _, opt := range st.Options {
		key := strings.ToLower(opt.Key)
		switch key {
		case watermarks.OptLateRows:
		case watermarks.OptIdleTimeout:
			return nil, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, opt.Pos, "option %s does not apply to a table", key).
				WithHint("A table's rows, written by DML, are one split: its watermark is their largest time minus the delay, idle or not.")
		default:
			return nil, sqlstate.ErrorfAt(sqlstate.InvalidParameterValue, opt.Pos, "unknown option %q of CREATE TABLE (%s)", opt.Key, watermarks.OptLateRows)
		}
		if opts == nil {
			opts = map[string]string{}
		}
		opts[key] = opt.Value
	}
	return opts, nil
}

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
