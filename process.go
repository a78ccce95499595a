package weir

import (
	"context"
	"fmt"

	"github.com/weir-stream/weir/exec/dataflow"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// goConnector is the connector of the sinks Process makes: their last step
// is a Go function, so they run only while a program has called Process.
const goConnector = "go"

// ProcessFunc is a custom Go step: it receives every change of its
// processor's query, with the processor's State. The chunk is borrowed, as
// for ChunkFunc. It runs on the processor's goroutine, between epochs'
// barriers: what it puts in st is checkpointed with the epoch.
type ProcessFunc = ops.ProcessFunc

// State is the keyed state of a Process function (ops.ProcessState): byte
// values under string keys, written with each epoch, so the State a
// restart restores is exactly the one of the checkpoint's epoch.
type State = ops.ProcessState

// TypedState is a typed view of a State: values of type V, encoded as JSON.
type TypedState[V any] = ops.TypedState[V]

// Typed returns the typed view of st for values of type V.
func Typed[V any](st *State) TypedState[V] { return ops.Typed[V](st) }

// Processor is a running Process.
type Processor struct {
	e    *Engine
	name string
	job  *job
}

// Process runs query (a SELECT over a stream, of the kind a materialized
// view accepts) through fn, as a job named name whose state (fn's State,
// the query's aggregates, its source's position) is checkpointed with
// everything else. Calling Process with the same name and query after a
// restart (or after Close) resumes where the state left off: no record is
// lost or given to fn twice across a crash, as far as fn's effects are kept
// in its State. The job is listed as a sink with connector
// 'go'; DROP SINK name (or Drop) removes it and its state. A query that
// differs from the one the name was made with is an error.
func (e *Engine) Process(ctx context.Context, name, query string, fn ProcessFunc) (*Processor, error) {
	if fn == nil {
		return nil, fmt.Errorf("process %s: no function", name)
	}
	objName, err := sql.ParseObjectName(name)
	if err != nil {
		return nil, fmt.Errorf("process name %q: %w", name, err)
	}
	stmt, err := sql.ParseOne(query)
	if err != nil {
		return nil, err
	}
	sel, ok := stmt.(*sql.Select)
	if !ok {
		return nil, sqlstate.Errorf(sqlstate.SyntaxError, "process %s: want one SELECT", name)
	}
	cs := &sql.CreateSink{Name: objName, Query: sel, Options: []sql.Option{{Key: "connector", Value: goConnector}}}
	e.ddl.Lock()
	defer e.ddl.Unlock()
	if _, running := e.jobs.Get(cs.Name.Last().Value); running {
		return nil, sqlstate.Errorf(sqlstate.ObjectInUse, "process %s is running already", name)
	}
	name = cs.Name.Last().Value
	if o, ok := e.cat.Get(name); ok {
		if o.Kind != catalog.Sink || o.Options["connector"] != goConnector {
			return nil, sqlstate.Errorf(sqlstate.DuplicateTable, "relation \"%s\" already exists and is a %s, not a process", name, o.Kind)
		}
		if o.Definition != sql.String(cs) {
			return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue, "process %s was made with another query (%s): drop it first", name, o.Definition)
		}
		resume, err := e.coord.Pause(ctx)
		if err != nil {
			return nil, err
		}
		defer resume()
		o, plan, tables, err := e.storedPlan(o)
		if err != nil {
			return nil, err
		}
		if err := e.startProcess(ctx, o, plan, tables, fn, false); err != nil {
			return nil, err
		}
		return e.processor(name), nil
	}
	node, err := planner.NewBinder(e.cat, nil).BindSelect(cs.Query)
	if err != nil {
		return nil, err
	}
	plan, err := planner.PlanStream(node)
	if err != nil {
		return nil, err
	}
	for _, in := range plan.Inputs() {
		if in.Kind != catalog.Stream {
			// A stream's source position is checkpointed with the state, so
			// a processor resumes exactly where it stopped; a table's or
			// view's changes while it is stopped would be missed.
			return nil, sqlstate.Errorf(sqlstate.FeatureNotSupported, "a process reads a stream; %s is a %s", in.Name, in.Kind).
				WithHint("Read the stream the " + in.Kind.String() + " is made from.")
		}
	}
	o := &catalog.Object{Name: name, Kind: catalog.Sink, Options: map[string]string{"connector": goConnector},
		Definition: sql.String(cs), Uses: plan.InputNames(), AppendOnly: plan.AppendOnly}
	for _, c := range plan.Cols {
		o.Columns = append(o.Columns, catalog.Column{Name: c.Name, Type: c.Type, Hidden: c.Hidden})
	}
	e.processFuncs.Store(name, fn)
	if _, err := e.addObject(ctx, o, plan, "PROCESS"); err != nil {
		e.processFuncs.Delete(name)
		return nil, err
	}
	if err := e.durableFlush(ctx); err != nil {
		return nil, err
	}
	return e.processor(name), nil
}

// startProcess starts the job of process o with fn.
func (e *Engine) startProcess(ctx context.Context, o *catalog.Object, plan *planner.StreamPlan, tables dataflow.Binding, fn ProcessFunc, backfill bool) error {
	e.processFuncs.Store(o.Name, fn)
	if err := e.startJob(ctx, o, plan, tables, backfill); err != nil {
		e.processFuncs.Delete(o.Name)
		return err
	}
	return nil
}

func (e *Engine) processor(name string) *Processor {
	j, _ := e.jobs.Get(name)
	return &Processor{e: e, name: name, job: j}
}

// Name is the processor's name.
func (p *Processor) Name() string { return p.name }

// Done is closed when the processor has stopped (Close, or an error).
func (p *Processor) Done() <-chan struct{} { return p.job.Output().Done() }

// Err returns why the processor stopped (nil while it runs).
func (p *Processor) Err() error { return p.job.Failure() }

// Close stops the processor and keeps its state, for a later Process with
// the same name and query to resume.
func (p *Processor) Close(ctx context.Context) error {
	e := p.e
	e.ddl.Lock()
	defer e.ddl.Unlock()
	resume, err := e.coord.Pause(ctx)
	if err != nil {
		return err
	}
	defer resume()
	if j, ok := e.jobs.Get(p.name); ok && j == p.job {
		e.stopJob(j)
	}
	e.processFuncs.Delete(p.name)
	return nil
}

// Drop stops the processor and removes it and its state.
func (p *Processor) Drop(ctx context.Context) error {
	s, err := p.e.NewSession(ctx, "weir", "weir")
	if err != nil {
		return err
	}
	defer s.Close()
	_, err = s.execute(ctx, &sql.Drop{Kind: sql.ObjSink, IfExists: true, Name: sql.ObjectName{Parts: []sql.Name{{Value: p.name}}}})
	return err
}
