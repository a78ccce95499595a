package weir

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/adhoc"
	"github.com/weir-stream/weir/exec/sourceguard"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// systemTable is a read-only table computed from the engine's live state
// when a query reads it.
type systemTable struct {
	schema types.Schema
	// fill appends the table's rows to b (one builder per column of schema):
	// those about objects may lets the reader see.
	fill func(e *Engine, b *array.RecordBuilder, may objectFilter)
}

// objectFilter reports whether the reader of a system table may see its
// rows about the object called name (Session.mayObserve).
type objectFilter func(name string) bool

// systemTables are the tables every user can query besides the catalog's:
//
//	weir_jobs           one row per table and view dataflow: running or failed, and why;
//	                    how many instances its aggregate runs as, and its fragments
//	weir_sources        one row per source (a view reading a stream): rows read, position, lag;
//	                    status (running, waiting while it retries, or failed with its
//	                    view) and its last error
//	weir_source_errors  one row per source that skipped records it could not decode
//	weir_dead_letters   the records streams with on.error = 'dlq' could not decode
//	weir_checkpoints    the checkpoints this process took: epoch, duration, bytes, status,
//	                    and the pipeline streams (operator_ids) whose state each holds
//	weir_sinks          one row per sink: records and bytes delivered, transactions
//	                    committed and aborted, the last delivered epoch, delivery lag
//	weir_recovery       how the state was obtained at start: from a checkpoint (files and
//	                    bytes fetched, of how many, checkpoints passed over), the local
//	                    directory of a clean shutdown, or empty; and the table write
//	                    log's records and rows applied again after it
//
// A row about an object (a job, a source and its stream, a sink, a
// checkpoint's pipelines) is shown only to sessions that may see that
// object (Session.mayObserve).
var systemTables = map[string]systemTable{
	"weir_sinks": {
		schema: types.Schema{
			{Name: "sink", Type: types.TextType}, {Name: "connector", Type: types.TextType},
			{Name: "type", Type: types.TextType}, {Name: "format", Type: types.TextType},
			{Name: "exactly_once", Type: types.BoolType}, {Name: "records", Type: types.Int64Type},
			{Name: "bytes", Type: types.Int64Type}, {Name: "commits", Type: types.Int64Type},
			{Name: "aborts", Type: types.Int64Type}, {Name: "delivered_epoch", Type: types.Int64Type},
			{Name: "pending_epochs", Type: types.Int64Type}, {Name: "lag_ms", Type: types.Float64Type},
			{Name: "error", Type: types.TextType},
		},
		fill: fillSinks,
	},
	"weir_checkpoints": {
		schema: types.Schema{
			{Name: "epoch", Type: types.Int64Type}, {Name: "started", Type: types.TSTZType},
			{Name: "duration_ms", Type: types.Float64Type}, {Name: "files", Type: types.Int64Type},
			{Name: "files_uploaded", Type: types.Int64Type}, {Name: "bytes_uploaded", Type: types.Int64Type},
			{Name: "state_bytes", Type: types.Int64Type}, {Name: "status", Type: types.TextType},
			{Name: "error", Type: types.TextType}, {Name: "store", Type: types.TextType},
			{Name: "pipelines", Type: types.TextType},
		},
		fill: fillCheckpoints,
	},
	"weir_recovery": {
		schema: types.Schema{
			{Name: "source", Type: types.TextType}, {Name: "epoch", Type: types.Int64Type},
			{Name: "files", Type: types.Int64Type}, {Name: "total_files", Type: types.Int64Type},
			{Name: "bytes", Type: types.Int64Type}, {Name: "total_bytes", Type: types.Int64Type},
			{Name: "seconds", Type: types.Float64Type}, {Name: "skipped", Type: types.TextType},
			{Name: "table_log_records", Type: types.Int64Type}, {Name: "table_log_rows", Type: types.Int64Type},
		},
		fill: fillRecovery,
	},
	"weir_dead_letters": {
		schema: types.Schema{
			{Name: "stream", Type: types.TextType}, {Name: "view", Type: types.TextType},
			{Name: "seq", Type: types.Int64Type}, {Name: "partition", Type: types.Int32Type},
			{Name: "offset", Type: types.Int64Type}, {Name: "error", Type: types.TextType},
			{Name: "raw", Type: types.ByteaType}, {Name: "received_at", Type: types.TSTZType},
		},
		fill: fillDeadLetters,
	},
	"weir_jobs": {
		schema: types.Schema{
			{Name: "name", Type: types.TextType}, {Name: "kind", Type: types.TextType},
			{Name: "status", Type: types.TextType}, {Name: "error", Type: types.TextType},
			{Name: "parallelism", Type: types.Int32Type}, {Name: "fragments", Type: types.Int32Type},
		},
		fill: fillJobs,
	},
	"weir_sources": {
		schema: types.Schema{
			{Name: "view", Type: types.TextType}, {Name: "stream", Type: types.TextType},
			{Name: "connector", Type: types.TextType}, {Name: "rows", Type: types.Int64Type},
			{Name: "errors", Type: types.Int64Type}, {Name: "position", Type: types.TextType},
			{Name: "lag", Type: types.Int64Type}, {Name: "lag_unit", Type: types.TextType},
			{Name: "lag_detail", Type: types.TextType}, {Name: "bytes", Type: types.Int64Type},
			{Name: "rows_per_second", Type: types.Float64Type},
			{Name: "status", Type: types.TextType}, {Name: "last_error", Type: types.TextType},
		},
		fill: fillSources,
	},
	"weir_source_errors": {
		schema: types.Schema{
			{Name: "stream", Type: types.TextType}, {Name: "view", Type: types.TextType},
			{Name: "errors", Type: types.Int64Type}, {Name: "last_error", Type: types.TextType},
			{Name: "last_line", Type: types.Int64Type}, {Name: "last_offset", Type: types.Int64Type},
		},
		fill: fillSourceErrors,
	},
}

// systemRelation returns the system table called name, for ad-hoc queries
// of a reader who may see the objects may accepts.
func (e *Engine) systemRelation(name string, may objectFilter) (adhoc.Relation, bool) {
	st, ok := systemTables[name]
	if !ok {
		return adhoc.Relation{}, false
	}
	return adhoc.Relation{Schema: st.schema, Scan: func(context.Context) (array.RecordReader, error) {
		as := st.schema.Arrow()
		b := array.NewRecordBuilder(e.mem, as)
		defer b.Release()
		st.fill(e, b, may)
		rec := b.NewRecordBatch()
		defer rec.Release()
		return array.NewRecordReader(as, []arrow.RecordBatch{rec})
	}}, true
}

func fillJobs(e *Engine, b *array.RecordBuilder, may objectFilter) {
	for _, j := range e.jobs.List() {
		if !may(j.obj.Name) {
			continue
		}
		status, msg := "running", ""
		if j.Stopped() {
			status = "stopped"
			if f, ok := e.failureOf(j.obj.Name); ok {
				status, msg = "failed", f.Error
			} else if f, ok := e.upstreamFailure(j.obj); ok {
				msg = f.Kind + " \"" + f.Name + "\", which it reads, has failed"
			}
		}
		b.Field(0).(*array.StringBuilder).Append(j.obj.Name)
		b.Field(1).(*array.StringBuilder).Append(j.obj.Kind.String())
		b.Field(2).(*array.StringBuilder).Append(status)
		if msg == "" {
			b.Field(3).AppendNull()
		} else {
			b.Field(3).(*array.StringBuilder).Append(msg)
		}
		b.Field(4).(*array.Int32Builder).Append(int32(j.parallelism))
		b.Field(5).(*array.Int32Builder).Append(int32(len(j.Fragments)))
	}
}

func fillSources(e *Engine, b *array.RecordBuilder, may objectFilter) {
	for _, j := range e.jobs.List() {
		for _, s := range j.sources {
			fillSource(e, b, may, j, s)
		}
	}
}

// fillSource appends the row of source s of job j, if the user may see
// both.
func fillSource(e *Engine, b *array.RecordBuilder, may objectFilter, j *job, s jobSource) {
	g := s.src
	if !may(j.obj.Name) || !may(s.stream.Name) {
		return
	}
	p, ok := g.Progress()
	if !ok {
		return
	}
	rate := g.Rate()
	b.Field(0).(*array.StringBuilder).Append(j.obj.Name)
	b.Field(1).(*array.StringBuilder).Append(s.stream.Name)
	b.Field(2).(*array.StringBuilder).Append(s.stream.Options["connector"])
	b.Field(3).(*array.Int64Builder).Append(p.Rows)
	b.Field(4).(*array.Int64Builder).Append(p.Errors)
	b.Field(5).(*array.StringBuilder).Append(p.Position)
	if p.Lag < 0 {
		b.Field(6).AppendNull()
	} else {
		b.Field(6).(*array.Int64Builder).Append(p.Lag)
	}
	b.Field(7).(*array.StringBuilder).Append(p.LagUnit)
	if p.LagDetail == "" {
		b.Field(8).AppendNull()
	} else {
		b.Field(8).(*array.StringBuilder).Append(p.LagDetail)
	}
	if p.Bytes < 0 {
		b.Field(9).AppendNull()
	} else {
		b.Field(9).(*array.Int64Builder).Append(p.Bytes)
	}
	b.Field(10).(*array.Float64Builder).Append(rate)
	if p.Status == "" {
		p.Status = exec.SourceRunning
	}
	if fl, failed := e.failureOf(j.obj.Name); failed {
		// The view's dataflow stopped: its source reads no more.
		p.Status, p.LastError = "failed", fl.Error
	}
	b.Field(11).(*array.StringBuilder).Append(p.Status)
	if p.LastError == "" {
		b.Field(12).AppendNull()
	} else {
		b.Field(12).(*array.StringBuilder).Append(p.LastError)
	}
}

func fillSourceErrors(e *Engine, b *array.RecordBuilder, may objectFilter) {
	for _, c := range e.errors.Snapshot() { // by stream and view
		if !may(c.View) || !may(c.Stream) {
			continue
		}
		b.Field(0).(*array.StringBuilder).Append(c.Stream)
		b.Field(1).(*array.StringBuilder).Append(c.View)
		b.Field(2).(*array.Int64Builder).Append(c.Count)
		b.Field(3).(*array.StringBuilder).Append(c.LastError)
		b.Field(4).(*array.Int64Builder).Append(c.LastLine)
		b.Field(5).(*array.Int64Builder).Append(c.LastOffset)
	}
}

// fillDeadLetters reads the dead letters of every view over a stream from
// the committed snapshot.
func fillDeadLetters(e *Engine, b *array.RecordBuilder, may objectFilter) {
	snap, err := e.acquireSnapshot()
	if err != nil {
		return
	}
	defer e.releaseSnapshot(snap)
	for _, v := range e.cat.List(catalog.View) {
		up, ok := e.cat.Get(v.Uses[0])
		if !ok || up.Kind != catalog.Stream || len(v.StateTables) == 0 || !may(v.Name) || !may(up.Name) {
			continue
		}
		_ = sourceguard.DeadLetters(snap.snap, v.StateTables[len(v.StateTables)-1], func(seq uint64, r sourceguard.BadRecord, err error) bool {
			if err != nil {
				e.log.Warn("unreadable dead letter", "view", v.Name, "err", err)
				return true
			}
			b.Field(0).(*array.StringBuilder).Append(up.Name)
			b.Field(1).(*array.StringBuilder).Append(v.Name)
			b.Field(2).(*array.Int64Builder).Append(int64(seq))
			if r.Partition < 0 {
				b.Field(3).AppendNull()
			} else {
				b.Field(3).(*array.Int32Builder).Append(r.Partition)
			}
			b.Field(4).(*array.Int64Builder).Append(r.Offset)
			b.Field(5).(*array.StringBuilder).Append(r.Err)
			b.Field(6).(*array.BinaryBuilder).Append(r.Raw)
			b.Field(7).(*array.TimestampBuilder).Append(arrow.Timestamp(r.At.UnixMicro()))
			return true
		})
	}
}

func fillSinks(e *Engine, b *array.RecordBuilder, may objectFilter) {
	committed := e.coord.Committed()
	for _, j := range e.jobs.List() {
		d := j.sink
		if d == nil || !may(j.obj.Name) {
			continue
		}
		st := d.Stats()
		b.Field(0).(*array.StringBuilder).Append(d.name)
		b.Field(1).(*array.StringBuilder).Append(d.spec.connector)
		b.Field(2).(*array.StringBuilder).Append(string(d.spec.typ))
		b.Field(3).(*array.StringBuilder).Append(d.spec.format)
		b.Field(4).(*array.BooleanBuilder).Append(d.spec.exactlyOnce)
		b.Field(5).(*array.Int64Builder).Append(st.Records)
		b.Field(6).(*array.Int64Builder).Append(st.Bytes)
		b.Field(7).(*array.Int64Builder).Append(st.Committed)
		b.Field(8).(*array.Int64Builder).Append(st.Aborted)
		b.Field(9).(*array.Int64Builder).Append(int64(st.Delivered))
		b.Field(10).(*array.Int64Builder).Append(int64(committed) - int64(min(st.Delivered, committed)))
		b.Field(11).(*array.Float64Builder).Append(float64(st.LastLag.Microseconds()) / 1000)
		if st.LastErr == "" {
			b.Field(12).AppendNull()
		} else {
			b.Field(12).(*array.StringBuilder).Append(st.LastErr)
		}
	}
}

func fillCheckpoints(e *Engine, b *array.RecordBuilder, may objectFilter) {
	for _, cp := range []*statestore.Checkpointer{e.cp, e.remote} {
		if cp == nil {
			continue
		}
		for _, c := range cp.History() {
			b.Field(0).(*array.Int64Builder).Append(int64(c.Epoch))
			b.Field(1).(*array.TimestampBuilder).Append(arrow.Timestamp(c.Started.UnixMicro()))
			b.Field(2).(*array.Float64Builder).Append(float64(c.Duration.Microseconds()) / 1000)
			b.Field(3).(*array.Int64Builder).Append(int64(c.Files))
			b.Field(4).(*array.Int64Builder).Append(int64(c.FilesUploaded))
			b.Field(5).(*array.Int64Builder).Append(c.BytesUploaded)
			b.Field(6).(*array.Int64Builder).Append(c.StateBytes)
			b.Field(7).(*array.StringBuilder).Append(c.Status)
			if c.Err == "" {
				b.Field(8).AppendNull()
			} else {
				b.Field(8).(*array.StringBuilder).Append(c.Err)
			}
			b.Field(9).(*array.StringBuilder).Append(cp.Name())
			if p := checkpointPipelines(c.Info, may); p == "" {
				b.Field(10).AppendNull()
			} else {
				b.Field(10).(*array.StringBuilder).Append(p)
			}
		}
	}
}

// checkpointPipelines returns the pipeline streams (operator_ids) whose
// objects a checkpoint's info lists and may accepts, sorted and
// comma-separated.
func checkpointPipelines(info json.RawMessage, may objectFilter) string {
	var ci CheckpointInfo
	if len(info) == 0 || json.Unmarshal(info, &ci) != nil {
		return ""
	}
	var ids []string
	for _, o := range ci.Objects {
		if o.Pipeline != "" && !slices.Contains(ids, o.Pipeline) && may(o.Name) {
			ids = append(ids, o.Pipeline)
		}
	}
	slices.Sort(ids)
	return strings.Join(ids, ",")
}

func fillRecovery(e *Engine, b *array.RecordBuilder, _ objectFilter) {
	from, p, took := e.recovery.from, e.recovery.prog, e.recovery.took
	b.Field(0).(*array.StringBuilder).Append(from)
	b.Field(1).(*array.Int64Builder).Append(int64(p.Epoch))
	b.Field(2).(*array.Int64Builder).Append(int64(p.Files))
	b.Field(3).(*array.Int64Builder).Append(int64(p.TotalFiles))
	b.Field(4).(*array.Int64Builder).Append(p.Bytes)
	b.Field(5).(*array.Int64Builder).Append(p.TotalBytes)
	b.Field(6).(*array.Float64Builder).Append(took.Seconds())
	b.Field(7).(*array.StringBuilder).Append(strings.Join(p.Skipped, "; "))
	b.Field(8).(*array.Int64Builder).Append(e.recovery.logRecords)
	b.Field(9).(*array.Int64Builder).Append(e.recovery.logRows)
}
