package weir

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/adhoc"
	"github.com/weir-stream/weir/exec/sourceguard"
	"github.com/weir-stream/weir/exec/systables"
	"github.com/weir-stream/weir/planner/catalog"
)

// systemRelation returns the system table called name (exec/systables),
// for ad-hoc queries of a reader who may see the objects may accepts.
func (e *Engine) systemRelation(name string, may systables.Filter) (adhoc.Relation, bool) {
	t, ok := systables.Lookup(name)
	if !ok {
		return adhoc.Relation{}, false
	}
	return adhoc.Relation{Schema: t.Schema, Scan: func(context.Context) (array.RecordReader, error) {
		rec := t.Read(e.mem, systemRows{e}, may)
		defer rec.Release()
		return array.NewRecordReader(rec.Schema(), []arrow.RecordBatch{rec})
	}}, true
}

// systemRows gives the system tables the engine's live state: a row about
// an object only to a reader who may see it (Session.mayObserve).
type systemRows struct{ e *Engine }

// Jobs returns a row per table and view dataflow.
func (r systemRows) Jobs(may systables.Filter) []systables.JobRow {
	var out []systables.JobRow
	for _, j := range r.e.jobs.List() {
		if !may(j.obj.Name) {
			continue
		}
		status, msg := "running", ""
		if j.Stopped() {
			status = "stopped"
			if f, ok := r.e.failed.Of(j.obj.Name); ok {
				status, msg = "failed", f.Error
			} else if f, ok := r.e.failed.Upstream(j.obj); ok {
				msg = f.ReaderMessage()
			}
		}
		out = append(out, systables.JobRow{
			Name: j.obj.Name, Kind: j.obj.Kind.String(), Status: status, Error: msg,
			Parallelism: j.parallelism, Fragments: len(j.Fragments),
		})
	}
	return out
}

// Sources returns a row per source that reports its progress, of every
// job.
func (r systemRows) Sources(may systables.Filter) []systables.SourceRow {
	var out []systables.SourceRow
	for _, j := range r.e.jobs.List() {
		for _, s := range j.sources {
			if !may(j.obj.Name) || !may(s.stream.Name) {
				continue
			}
			p, ok := s.src.Progress()
			if !ok {
				continue
			}
			if p.Status == "" {
				p.Status = exec.SourceRunning
			}
			if fl, failed := r.e.failed.Of(j.obj.Name); failed {
				// The view's dataflow stopped: its source reads no more.
				p.Status, p.LastError = "failed", fl.Error
			}
			out = append(out, systables.SourceRow{
				View: j.obj.Name, Stream: s.stream.Name, Connector: s.stream.Options["connector"],
				Rows: p.Rows, Errors: p.Errors, Position: p.Position,
				Lag: p.Lag, LagUnit: p.LagUnit, LagDetail: p.LagDetail, Bytes: p.Bytes,
				RowsPerSecond: s.src.Rate(),
				Status:        p.Status, LastError: p.LastError,
			})
		}
	}
	return out
}

// SourceErrors returns a row per source that skipped records, by stream
// and view.
func (r systemRows) SourceErrors(may systables.Filter) []systables.SourceErrorRow {
	var out []systables.SourceErrorRow
	for _, c := range r.e.errors.Snapshot() { // by stream and view
		if !may(c.View) || !may(c.Stream) {
			continue
		}
		out = append(out, systables.SourceErrorRow{
			Stream: c.Stream, View: c.View, Errors: c.Count,
			LastError: c.LastError, LastLine: c.LastLine, LastOffset: c.LastOffset,
		})
	}
	return out
}

// DeadLetters returns the dead letters of every view over a stream, read
// from the committed snapshot.
func (r systemRows) DeadLetters(may systables.Filter) []systables.DeadLetterRow {
	e := r.e
	snap, err := e.acquireSnapshot()
	if err != nil {
		return nil
	}
	defer e.releaseSnapshot(snap)
	var out []systables.DeadLetterRow
	for _, v := range e.cat.List(catalog.View) {
		up, ok := e.cat.Get(v.Uses[0])
		if !ok || up.Kind != catalog.Stream || len(v.StateTables) == 0 || !may(v.Name) || !may(up.Name) {
			continue
		}
		_ = sourceguard.DeadLetters(snap.snap, v.StateTables[len(v.StateTables)-1], func(seq uint64, d sourceguard.BadRecord, err error) bool {
			if err != nil {
				e.log.Warn("unreadable dead letter", "view", v.Name, "err", err)
				return true
			}
			out = append(out, systables.DeadLetterRow{
				Stream: up.Name, View: v.Name, Seq: int64(seq),
				Partition: d.Partition, Offset: d.Offset, Error: d.Err,
				Raw: bytes.Clone(d.Raw), // d.Raw is the scan's only until it returns
				At:  d.At,
			})
			return true
		})
	}
	return out
}

// Sinks returns a row per sink's delivery.
func (r systemRows) Sinks(may systables.Filter) []systables.SinkRow {
	committed := r.e.coord.Committed()
	var out []systables.SinkRow
	for _, j := range r.e.jobs.List() {
		d := j.sink
		if d == nil || !may(j.obj.Name) {
			continue
		}
		st := d.Stats()
		out = append(out, systables.SinkRow{
			Sink: d.name, Connector: d.spec.Connector, Type: string(d.spec.Type), Format: d.spec.Format,
			ExactlyOnce: d.spec.ExactlyOnce,
			Records:     st.Records, Bytes: st.Bytes, Commits: st.Committed, Aborts: st.Aborted,
			DeliveredEpoch: int64(st.Delivered),
			PendingEpochs:  int64(committed) - int64(min(st.Delivered, committed)),
			Lag:            st.LastLag, Error: st.LastErr,
		})
	}
	return out
}

// Checkpoints returns a row per checkpoint in the history of each
// checkpoint store.
func (r systemRows) Checkpoints(may systables.Filter) []systables.CheckpointRow {
	var out []systables.CheckpointRow
	for _, cp := range r.e.cp.Checkpointers() {
		for _, c := range cp.History() {
			out = append(out, systables.CheckpointRow{
				Epoch: c.Epoch, Started: c.Started, Duration: c.Duration,
				Files: c.Files, FilesUploaded: c.FilesUploaded,
				BytesUploaded: c.BytesUploaded, StateBytes: c.StateBytes,
				Status: c.Status, Error: c.Err, Store: cp.Name(),
				Pipelines: checkpointPipelines(c.Info, may),
			})
		}
	}
	return out
}

// checkpointPipelines returns the pipeline streams (operator_ids) whose
// objects a checkpoint's info lists and may accepts, sorted.
func checkpointPipelines(info json.RawMessage, may systables.Filter) []string {
	var ci CheckpointInfo
	if len(info) == 0 || json.Unmarshal(info, &ci) != nil {
		return nil
	}
	var ids []string
	for _, o := range ci.Objects {
		if o.Pipeline != "" && !slices.Contains(ids, o.Pipeline) && may(o.Name) {
			ids = append(ids, o.Pipeline)
		}
	}
	slices.Sort(ids)
	return ids
}

// Recovery returns how the engine obtained its state at Open.
func (r systemRows) Recovery() systables.RecoveryRow {
	rec := r.e.recovery
	p := rec.prog
	return systables.RecoveryRow{
		Source: rec.from, Epoch: p.Epoch,
		Files: p.Files, TotalFiles: p.TotalFiles, Bytes: p.Bytes, TotalBytes: p.TotalBytes,
		Took: rec.took, Skipped: p.Skipped,
		TableLogRecords: rec.logRecords, TableLogRows: rec.logRows,
	}
}
