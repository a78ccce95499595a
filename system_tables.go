package weir

import (
	"cmp"
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/adhoc"
	"github.com/weir-stream/weir/exec/checkpoints"
	"github.com/weir-stream/weir/exec/systables"
	"github.com/weir-stream/weir/exec/watermarks"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql/session"
)

// systemRelation returns the system table called name (exec/systables),
// for ad-hoc queries of the session s, a reader who may see the objects may
// accepts (pg_settings shows its parameters).
func (e *Engine) systemRelation(name string, may systables.Filter, s *Session) (adhoc.Relation, bool) {
	t, ok := systables.Lookup(name)
	if !ok {
		return adhoc.Relation{}, false
	}
	return adhoc.Relation{Schema: t.Schema, Scan: func(context.Context) (array.RecordReader, error) {
		rec := t.Read(e.mem, systemRows{e, s}, may)
		defer rec.Release()
		return array.NewRecordReader(rec.Schema(), []arrow.RecordBatch{rec})
	}}, true
}

// eachSource calls fn with every source of a running job that reports its
// progress, and the progress (running when it says no status).
func (e *Engine) eachSource(fn func(j *job, s jobSource, p exec.SourceProgress)) {
	for _, j := range e.jobs.List() {
		for _, s := range j.sources {
			if p, ok := s.src.Progress(); ok {
				p.Status = cmp.Or(p.Status, exec.SourceRunning)
				fn(j, s, p)
			}
		}
	}
}

// systemRows is the engine as the system tables read it (systables.Engine),
// for the session s.
type systemRows struct {
	e *Engine
	s *Session
}

// Settings returns the session's parameters, pg_settings' rows
// (systables.SessionEngine).
func (r systemRows) Settings() []session.Setting { return r.s.params.Settings() }

// Activity returns the open sessions as the session may see them,
// pg_stat_activity's rows (systables.ActivityEngine).
func (r systemRows) Activity() []systables.ActivityRow {
	return r.e.activity.Rows(r.s.user, r.s.superuser())
}

// Catalog returns the engine's catalog, which the pg_catalog relations
// show (systables.CatalogEngine).
func (r systemRows) Catalog() *catalog.Catalog { return r.e.cat }

func (r systemRows) Jobs() (out []systables.JobRow) {
	for _, j := range r.e.jobs.List() {
		status, msg := r.e.failed.JobStatus(j.obj, j.Stopped())
		out = append(out, systables.JobRow{Name: j.obj.Name, Kind: j.obj.Kind.String(), Status: status, Error: msg, Parallelism: j.parallelism, Fragments: len(j.Fragments)})
	}
	return out
}

func (r systemRows) Sources() (out []systables.SourceRow) {
	r.e.eachSource(func(j *job, s jobSource, p exec.SourceProgress) {
		if fl, failed := r.e.failed.Of(j.obj.Name); failed {
			p.Status, p.LastError = "failed", fl.Error // the view's dataflow stopped: its source reads no more
		}
		row := systables.SourceRow{View: j.obj.Name, Stream: s.stream.Name, Connector: s.stream.Options["connector"], SourceProgress: p, RowsPerSecond: s.src.Rate()}
		if s.wm != nil {
			st := s.wm.Status()
			row.Watermarked, row.WatermarkDetail, row.LateRows = true, st.Detail, st.Late
			if st.Has {
				row.Watermark = watermarks.Text(s.stream.WatermarkType(), st.Watermark)
			}
		} else if s.procTime != nil {
			// The processing-time column's watermark: no row is late.
			row.Watermarked, row.Watermark = true, procTimeText(s.procTime)
		}
		out = append(out, row)
	})
	return append(out, r.e.tableSourceRows()...)
}

// LateRows returns the late rows every running view's sources keep, read
// from the committed snapshot.
func (r systemRows) LateRows() (out []systables.LateRowRow) {
	snap, err := r.e.acquireSnapshot()
	if err != nil {
		return nil
	}
	defer r.e.releaseSnapshot(snap)
	for _, j := range r.e.jobs.List() {
		if j.tableWM != nil {
			var err error
			out, err = systables.AppendLateRows(out, snap.snap, j.obj.StateTables[1], j.obj.Name, j.obj.Name, j.obj.Watermark.Column, j.obj.WatermarkType())
			if err != nil {
				r.e.log.Warn("unreadable late rows", "table", j.obj.Name, "err", err)
			}
		}
		for _, s := range j.sources {
			if s.wm == nil {
				continue
			}
			var err error
			out, err = systables.AppendLateRows(out, snap.snap, s.table, s.stream.Name, j.obj.Name, s.stream.Watermark.Column, s.stream.WatermarkType())
			if err != nil {
				r.e.log.Warn("unreadable late rows", "view", j.obj.Name, "err", err)
			}
		}
	}
	return out
}

func (r systemRows) SourceErrors() (out []systables.SourceErrorRow) {
	for _, c := range r.e.errors.Snapshot() {
		out = append(out, systables.SourceErrorRow(c))
	}
	return out
}

// DeadLetters returns the dead letters of every view over a stream, read
// from the committed snapshot.
func (r systemRows) DeadLetters() (out []systables.DeadLetterRow) {
	snap, err := r.e.acquireSnapshot()
	if err != nil {
		return nil
	}
	defer r.e.releaseSnapshot(snap)
	for _, v := range r.e.cat.List(catalog.View) {
		up, ok := r.e.cat.Get(v.Uses[0])
		if !ok || up.Kind != catalog.Stream || len(v.StateTables) == 0 {
			continue
		}
		out = systables.AppendDeadLetters(out, snap.snap, v.StateTables[len(v.StateTables)-1], up.Name, v.Name, func(err error) {
			r.e.log.Warn("unreadable dead letter", "view", v.Name, "err", err)
		})
	}
	return out
}

func (r systemRows) Sinks() (out []systables.SinkRow) {
	committed := r.e.coord.Committed()
	for _, j := range r.e.jobs.List() {
		if d := j.sink; d != nil {
			st := d.Stats()
			out = append(out, systables.SinkRow{
				Sink: d.name, Connector: d.spec.Connector, Type: string(d.spec.Type), Format: d.spec.Format, ExactlyOnce: d.spec.ExactlyOnce,
				Records: st.Records, Bytes: st.Bytes, Commits: st.Committed, Aborts: st.Aborted, DeliveredEpoch: int64(st.Delivered),
				PendingEpochs: int64(committed) - int64(min(st.Delivered, committed)), Lag: st.LastLag, Error: st.LastErr,
			})
		}
	}
	return out
}

func (r systemRows) Checkpoints() (out []systables.CheckpointRow) {
	for _, cp := range r.e.cp.Checkpointers() {
		for _, c := range cp.History() {
			out = append(out, systables.CheckpointRow{CheckpointStatus: c, Store: cp.Name(), ObjectPipelines: checkpoints.ObjectPipelines(c.Info)})
		}
	}
	return out
}

func (r systemRows) Recovery() systables.RecoveryRow {
	rec := r.e.recovery
	return systables.RecoveryRow{Source: rec.From, RestoreProgress: rec.Progress, Took: rec.Took,
		TableLogRecords: int64(rec.replayed.Records), TableLogRows: int64(rec.replayed.Rows)}
}
