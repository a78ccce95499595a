package weir

import (
	"context"
	"fmt"
	"time"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/dataflow"
	"github.com/weir-stream/weir/exec/dml"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/exec/jobs"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/exec/sourceguard"
	"github.com/weir-stream/weir/exec/tablelog"
	"github.com/weir-stream/weir/exec/watermarks"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/statestore"
)

// job is the engine's record of the running dataflow of a table, view,
// sink, process or subscription: the dataflow (exec/jobs), whose last
// fragment materializes the relation (or delivers the sink) and whose
// Broadcast feeds the views over it, and what the engine keeps beside it.
type job struct {
	jobs.Job
	obj *catalog.Object
	// parallelism is how many instances the job's aggregate runs as.
	parallelism int
	sources     []jobSource      // the sources of the streams the job reads
	mat         *ops.Materialize // nil for a sink
	sink        *sinkDriver      // a sink's delivery
	// tableLog is a table's position in the write log (table_log.go).
	tableLog tablelog.Position
	// tableWM is a table's watermark, nil without WATERMARK FOR.
	tableWM *watermarks.Table
}

// Dataflow returns the job the manager runs.
func (j *job) Dataflow() *jobs.Job { return &j.Job }

// newJob returns the record of o's job (its dataflow not built yet).
func newJob(o *catalog.Object) *job {
	return &job{Job: jobs.Job{Name: o.Name}, obj: o, parallelism: 1}
}

// jobSource is the source of a stream a job reads.
type jobSource struct {
	src    *sourceguard.Source
	stream *catalog.Object
	// wm is the source's watermark, nil when the stream has none.
	wm *watermarks.Source
	// procTime fills the stream's processing-time column, nil without one.
	procTime *watermarks.ProcTime
	// table is the source's state table.
	table statestore.TableID
}

// stateStore adapts the state store to the runtime's StateStore.
type stateStore struct{ *statestore.Store }

func (s stateStore) NewWriter() exec.CommittableWriter { return s.NewWriteBatch() }

// restartJobs starts the dataflow of every table and view of the catalog,
// upstream ones first.
func (e *Engine) restartJobs(ctx context.Context) error {
	if err := e.failed.Load(e.store); err != nil {
		return fmt.Errorf("read failed dataflows: %w", err)
	}
	order, cycle := catalog.UpstreamFirst(e.cat.List(0))
	for _, o := range order {
		if err := e.startObject(ctx, o, false); err != nil {
			return fmt.Errorf("restart %s %s: %w", o.Kind, o.Name, err)
		}
	}
	return cycle
}

// startObject starts the dataflow of a table or view (streams have none of
// their own: each view over a stream reads it). backfill is false on restart,
// when the view's state already holds what its upstream had.
func (e *Engine) startObject(ctx context.Context, o *catalog.Object, backfill bool) error {
	if halted, err := e.haltAtStart(o, backfill); halted || err != nil {
		return err
	}
	switch o.Kind {
	case catalog.Table:
		return e.startTable(ctx, o, backfill)
	case catalog.View:
	case catalog.Sink:
		if _, ok := e.processFuncs.Load(o.Name); !ok && o.Options["connector"] == goConnector {
			// A Process: it runs once a program calls Engine.Process.
			return nil
		}
	default:
		return nil
	}
	o, plan, tables, err := e.storedPlan(o)
	if err != nil {
		if backfill {
			return err
		}
		// At a restart: the object stays down with its failure visible,
		// rather than keeping the server down.
		e.log.Error("dataflow not started: its stored plan cannot run", "object", o.Name, "err", err)
		e.failed.Record(o, err)
		e.standIn(o)
		return nil
	}
	return e.startJob(ctx, o, plan, tables, backfill)
}

// storedPlan returns the plan of view or sink o and the binding of its state
// tables, as the catalog records them (dataflow.Recorded). An object
// recorded before plans were is recorded again with its plan: that new
// catalog object is returned in o's place.
func (e *Engine) storedPlan(o *catalog.Object) (*catalog.Object, *planner.StreamPlan, dataflow.Binding, error) {
	plan, tables, replanned, err := dataflow.Recorded(o, e.cat)
	if err != nil || replanned == nil {
		return o, plan, tables, err
	}
	if err := e.writeNow(func(w exec.StateWriter) error { return e.cat.Add(w, replanned) }); err != nil {
		return o, nil, dataflow.Binding{}, err
	}
	return replanned, plan, tables, nil
}

// startTable runs the fragment of table o: fed by DML (Fragment.Do), it
// marks the write log's position and materializes the rows.
func (e *Engine) startTable(ctx context.Context, o *catalog.Object, backfill bool) error {
	j := newJob(o)
	j.mat = ops.NewMaterialize(e.mem, o.RowTable(), o.Name, o.FullSchema(), o.Key, ops.ErrorOnConflict)
	if dml.KeyedByRowID(o) {
		j.mat.FreshInsertKeys()
	}
	j.Snapshot = e.snapshotOf(j.mat)
	if backfill {
		// A new table holds every record logged so far (none is its): a
		// replay must not give it the records of a dropped table whose id
		// it reuses.
		j.tableLog.SetApplied(e.tlog.Last())
	}
	chain := []exec.Operator{tablelog.NewMarker(o.Name, o.RowTable(), &j.tableLog), j.mat}
	if o.Watermark != nil {
		wm, err := e.tableWatermark(o)
		if err != nil {
			return err
		}
		j.tableWM = wm
		chain = []exec.Operator{chain[0], wm, j.mat}
	}
	f := exec.NewFragment(exec.FragmentSpec{Name: o.Name, State: stateStore{e.store}, Mem: e.mem, Logger: e.log,
		Ops: chain})
	// Fed by DML, the table's fragment is a root.
	j.Fragments, j.Roots = []*exec.Fragment{f}, []*exec.Fragment{f}
	if err := e.jobs.Start(ctx, j, true, backfill, e.failureRecorder(o)); err != nil {
		return err
	}
	e.failed.RunningAgain(o.Name)
	return nil
}

// startJob builds and runs the dataflow of view, sink or process o from
// plan. It must be called with the coordinator paused, so that no epoch is
// in flight while the topology changes.
func (e *Engine) startJob(ctx context.Context, o *catalog.Object, plan *planner.StreamPlan, tables dataflow.Binding, backfill bool) error {
	j := newJob(o)
	ttl, err := e.viewTTL(o)
	if err != nil {
		return err
	}
	var last exec.Operator
	if o.Kind == catalog.Sink {
		op, d, err := e.sinkOperator(o, plan)
		if err != nil {
			return err
		}
		j.sink, last = d, op
	} else {
		j.mat = ops.NewMaterialize(e.mem, o.RowTable(), o.Name, o.FullSchema(), o.Key, ops.Overwrite)
		j.Snapshot = e.snapshotOf(j.mat)
		last = j.mat
	}
	if err := e.build(j, plan, tables, last, parallelism(o.Options, plan), ttl); err != nil {
		if j.sink != nil {
			j.sink.Stop(e.ctx, false)
		}
		return err
	}
	if len(plan.Aggregates()) > 0 {
		j.parallelism = parallelism(o.Options, plan)
	}
	if err := e.jobs.Start(ctx, j, true, backfill, e.failureRecorder(o)); err != nil {
		if j.sink != nil {
			j.sink.Stop(e.ctx, false)
		}
		return err
	}
	if j.sink != nil {
		j.sink.Start()
	}
	e.failed.RunningAgain(o.Name)
	return nil
}

// build builds the dataflow of job j from plan (exec/dataflow), ending in
// last, and connects it to the running jobs it reads; the sources it makes
// are kept in j. On an error nothing runs and the sources made are closed.
func (e *Engine) build(j *job, plan *planner.StreamPlan, tables dataflow.Binding, last exec.Operator, parallelism int, ttl time.Duration) error {
	df, err := dataflow.Build(dataflow.Spec{
		Name: j.Name, Plan: plan, Tables: tables, Last: last, Parallelism: parallelism, TTL: ttl,
		NewSource: func(stream *catalog.Object, table statestore.TableID) (exec.Source, error) {
			src, err := e.newSource(stream, j.Name, table)
			if err != nil {
				return nil, err
			}
			pt := e.procTimeSource(stream, src, table)
			j.sources = append(j.sources, jobSource{src: src, stream: stream, table: table, procTime: pt})
			var inner exec.Source = src
			if pt != nil {
				inner = pt
			}
			out, wm, err := e.watermarked(stream, inner, table)
			if err != nil {
				return nil, err
			}
			j.sources[len(j.sources)-1].wm = wm
			return out, nil
		},
		State: stateStore{e.store}, Mem: e.mem, Logger: e.log,
	})
	if err == nil {
		err = e.connect(j, df)
	}
	if err != nil {
		for _, s := range j.sources {
			_ = s.src.Close()
		}
	}
	return err
}

// failureRecorder returns what run calls when the dataflow of o fails: the
// failure is logged and recorded (exec/failures).
func (e *Engine) failureRecorder(o *catalog.Object) func(*exec.Fragment, error) {
	return func(f *exec.Fragment, err error) {
		e.log.Error("dataflow stopped", "object", o.Name, "fragment", f.Name(), "err", err)
		e.failed.Record(o, err)
	}
}

// connect gives j the fragments of df, and its inputs from the running
// jobs of the tables and views df reads.
func (e *Engine) connect(j *job, df *dataflow.Dataflow) error {
	j.Fragments, j.Roots = df.Fragments, df.Roots
	for _, u := range df.Upstreams {
		up, ok := e.jobs.Get(u.Object.Name)
		if !ok || up.Output() == nil {
			return sqlstate.Errorf(sqlstate.ObjectNotInPrerequisiteState, "%s %s is not running", u.Object.Kind, u.Object.Name)
		}
		j.Inputs = append(j.Inputs, jobs.Input{From: up.Dataflow(), Ch: u.Input})
	}
	return nil
}

// snapshotOf returns what backfills a new reader of a relation: mat's rows.
func (e *Engine) snapshotOf(mat *ops.Materialize) func(context.Context, func(exec.Chunk) error) error {
	return func(ctx context.Context, emit func(exec.Chunk) error) error {
		return mat.Snapshot(ctx, e.mem, 1024, emit)
	}
}

// viewTTL returns the TTL of view o's groups: its ttl option, else the
// server's state_timeout_ms (0: none).
func (e *Engine) viewTTL(o *catalog.Object) (time.Duration, error) {
	if v, ok := o.Options["ttl"]; ok {
		d, err := expr.ParseDuration(v)
		if err != nil {
			return 0, fmt.Errorf("view %s: option ttl: %w", o.Name, err)
		}
		return d, nil
	}
	return e.cfg.State.stateTimeout(), nil
}

// stopJob ends a job's dataflow (exec/jobs: Manager.Stop) and its sink's
// delivery. Called with the coordinator paused.
func (e *Engine) stopJob(j *job) {
	e.jobs.Stop(j)
	if j.sink != nil {
		j.sink.Stop(e.ctx, false)
	}
}

// newSource returns the source that reads stream s for view.
func (e *Engine) newSource(s *catalog.Object, view string, table statestore.TableID) (*sourceguard.Source, error) {
	conn, ok := connectors.Source(s.Options["connector"])
	if !ok {
		return nil, sqlstate.Errorf(sqlstate.FeatureNotSupported, "connector %q is not supported", s.Options["connector"])
	}
	policy, err := sourceguard.ParsePolicy(s.Options)
	if err != nil {
		return nil, err
	}
	g := sourceguard.New(s.Name, policy, table)
	src, err := e.newConnectorSource(conn, s, statestore.AppendKey(nil, table, 0, []byte("offset")), e.errors.For(s.Name, view, g))
	if err != nil {
		return nil, err
	}
	g.Wrap(src)
	return g, nil
}
