package weir

import (
	"context"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/failures"
	"github.com/weir-stream/weir/planner/catalog"
)

// ViewFailure is why the dataflow of a view (or a sink, or a table) stopped
// with an error (exec/failures keeps them: Engine.failed).
type ViewFailure = failures.Failure

// failureEngine is the engine as its record of failed dataflows sees it
// (failures.Engine, and failures.Rebuilder for RESUME).
type failureEngine struct{ e *Engine }

// Object returns the catalog object called name.
func (f failureEngine) Object(name string) (*catalog.Object, bool) { return f.e.cat.Get(name) }

// Dataflows returns the names of the running jobs.
func (f failureEngine) Dataflows() []string {
	var names []string
	for _, j := range f.e.jobs.List() {
		names = append(names, j.obj.Name)
	}
	return names
}

// Stopped returns the object of the job called name and the error it
// stopped with (nil while it runs, or when there is none).
func (f failureEngine) Stopped(name string) (*catalog.Object, error) {
	j, ok := f.e.jobs.Get(name)
	if !ok {
		return nil, nil
	}
	return j.obj, j.Failure()
}

// Epoch returns the epoch in flight.
func (f failureEngine) Epoch() exec.Epoch { return f.e.coord.Committed() + 1 }

// WriteNow applies fn's writes to the state store at once.
func (f failureEngine) WriteNow(fn func(w exec.StateWriter) error) error { return f.e.writeNow(fn) }

// The failures.Rebuilder methods, for RESUME.

func (f failureEngine) Dependents(name string) []*catalog.Object { return f.e.cat.Dependents(name) }
func (f failureEngine) IsProcess(o *catalog.Object) bool {
	return o.Options["connector"] == goConnector
}
func (f failureEngine) Pause(ctx context.Context) (func(), error) { return f.e.coord.Pause(ctx) }
func (f failureEngine) Clear(objs []*catalog.Object) error        { return f.e.stopAndClear(objs, nil) }
func (f failureEngine) KeepDown(o *catalog.Object)                { _, _ = f.e.haltAtStart(o, false) }
func (f failureEngine) Start(ctx context.Context, o *catalog.Object) error {
	return f.e.startObject(ctx, o, true)
}

// FailedSince returns the failures of the dataflows (views, sinks, tables)
// that failed in an epoch after epoch: those the writes of a later epoch
// may have caused. A statement that wants to tell its client that its
// writes made a view fail takes after = the committed epoch before it
// applies them (Coordinator.Committed), waits until its epoch has
// committed, and calls FailedSince(after); FailureWarnings turns the result into
// the statement's WARNINGs. A failure is attributed to the epoch in flight
// when it happened, never to an earlier one than the epoch of the data
// that caused it, so none is missed (a failure that a concurrent
// statement's write caused in the same epoch is reported too).
func (e *Engine) FailedSince(after exec.Epoch) []ViewFailure {
	return e.failed.Since(after)
}

// FailureWarnings returns one WARNING per failure, for a statement's Result.
func FailureWarnings(fs []ViewFailure) []Warning { return failures.Warnings(fs) }

// haltAtStart decides whether the dataflow of o must not start
// (failures.Set.HaltAtStart: it failed, or reads a failed relation, or is
// a sink whose owner may no longer read its input); a Process is never
// halted. A halted object gets a stand-in job, so that weir_jobs shows it.
func (e *Engine) haltAtStart(o *catalog.Object, backfill bool) (halted bool, err error) {
	if o.Options["connector"] == goConnector {
		return false, nil
	}
	halted, err = e.failed.HaltAtStart(o, backfill, e.checkOwnerReads)
	if halted {
		e.standIn(o)
	}
	return halted, err
}

// standIn records a job without fragments for o, whose dataflow stays
// down, so that weir_jobs shows it.
func (e *Engine) standIn(o *catalog.Object) {
	e.jobs.Put(newJob(o))
}
