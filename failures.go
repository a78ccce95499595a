package weir

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/statestore"
)

// ViewFailure is why the dataflow of a view (or a sink, or a table) stopped
// with an error. It is kept in the state (the meta table), so it survives a
// restart: a failed view stays failed, and its queries say why, until it is
// resumed (ALTER MATERIALIZED VIEW … RESUME) or dropped.
type ViewFailure struct {
	// Name and Kind name the object ("materialized view", "sink", "table").
	Name string `json:"name"`
	Kind string `json:"kind"`
	// Epoch is the epoch the failure happened in: the data of that epoch
	// (or of an earlier one still being committed) made it fail. The
	// object's rows are those of the epochs before.
	Epoch exec.Epoch `json:"epoch"`
	// Code is the SQLSTATE of the cause (55000 when it had none); Cause is
	// its message ("division by zero"); Error is the whole error, with the
	// fragment and operator it came from (weir_jobs.error).
	Code  string    `json:"code"`
	Cause string    `json:"cause"`
	Error string    `json:"error"`
	At    time.Time `json:"at"`
}

// failedJobs holds the failures of the objects whose dataflow failed, by
// name. The zero value is ready to use.
type failedJobs struct {
	mu     sync.Mutex
	byName map[string]ViewFailure
}

// get returns the failure of the object called name.
func (f *failedJobs) get(name string) (ViewFailure, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.byName[name]
	return v, ok
}

// put keeps v (replacing an earlier failure of the same object).
func (f *failedJobs) put(v ViewFailure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.byName == nil {
		f.byName = map[string]ViewFailure{}
	}
	f.byName[v.Name] = v
}

// forget drops the failure of the object called name.
func (f *failedJobs) forget(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.byName, name)
}

// list returns the failures by object name.
func (f *failedJobs) list() []ViewFailure {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]ViewFailure, 0, len(f.byName))
	for _, v := range f.byName {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b ViewFailure) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// failurePrefix is where the meta table keeps failures: prefix | name.
var failurePrefix = statestore.AppendKey(nil, statestore.MetaTable, 0, []byte("failed/"))

// failureKey is the meta table key of the failure of the object called name.
func failureKey(name string) []byte {
	return append(append([]byte(nil), failurePrefix...), name...)
}

// newFailure describes err, the error object o's dataflow stopped with.
func (e *Engine) newFailure(o *catalog.Object, err error) ViewFailure {
	f := ViewFailure{Name: o.Name, Kind: o.Kind.String(), Code: sqlstate.ObjectNotInPrerequisiteState,
		Cause: err.Error(), Error: err.Error(), At: time.Now().UTC()}
	var se *sqlstate.Error
	if errors.As(err, &se) {
		if se.Code != "" {
			f.Code = se.Code
		}
		f.Cause = se.Message
	}
	f.Epoch = e.coord.Committed() + 1
	return f
}

// recordFailure keeps the failure of o's dataflow, in memory and in the
// state (at once: the next checkpoint holds it).
func (e *Engine) recordFailure(o *catalog.Object, err error) {
	if _, ok := e.failed.get(o.Name); ok {
		return // another fragment of the same job: the first error is the cause
	}
	f := e.newFailure(o, err)
	e.failed.put(f)
	data, _ := json.Marshal(f)
	if werr := e.writeNow(func(w exec.StateWriter) error { return w.Set(failureKey(o.Name), data) }); werr != nil {
		e.log.Error("cannot record the failure of a dataflow", "object", o.Name, "err", werr)
	}
}

// forgetFailure drops the failure of the object called name, in memory and
// in w (DROP, RESUME).
func (e *Engine) forgetFailure(w exec.StateWriter, name string) error {
	e.failed.forget(name)
	return w.Delete(failureKey(name))
}

// loadFailures reads the failures kept in the state (at Open).
func (e *Engine) loadFailures() error {
	return e.store.Scan(failurePrefix, statestore.PrefixEnd(failurePrefix), func(_, v []byte) (bool, error) {
		var f ViewFailure
		if err := json.Unmarshal(v, &f); err != nil {
			e.log.Warn("unreadable failure record", "err", err)
			return true, nil
		}
		e.failed.put(f)
		return true, nil
	})
}

// failureOf returns the failure of the object called name: the one
// recorded, or that of a job that has just stopped with an error and is
// not recorded yet.
func (e *Engine) failureOf(name string) (ViewFailure, bool) {
	if f, ok := e.failed.get(name); ok {
		return f, true
	}
	j, ok := e.jobs.Get(name)
	if !ok {
		return ViewFailure{}, false
	}
	if err := j.Failure(); err != nil {
		return e.newFailure(j.obj, err), true
	}
	return ViewFailure{}, false
}

// upstreamFailure returns the failure of the nearest object o reads, directly
// or through others, whose dataflow failed.
func (e *Engine) upstreamFailure(o *catalog.Object) (ViewFailure, bool) {
	seen := map[string]bool{}
	queue := append([]string(nil), o.Uses...)
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if seen[name] {
			continue
		}
		seen[name] = true
		if f, ok := e.failureOf(name); ok {
			return f, true
		}
		if u, ok := e.cat.Get(name); ok {
			queue = append(queue, u.Uses...)
		}
	}
	return ViewFailure{}, false
}

// relationFailure returns the error a query reading the relation called
// name gets when its dataflow, or one it reads, has failed (nil
// otherwise): its rows are stale.
func (e *Engine) relationFailure(name string) *sqlstate.Error {
	o, ok := e.cat.Get(name)
	if !ok || o.Kind == catalog.Stream {
		return nil
	}
	if f, ok := e.failureOf(name); ok {
		return f.err()
	}
	if f, ok := e.upstreamFailure(o); ok {
		return sqlstate.Errorf(f.Code, "%s \"%s\" cannot be read: %s \"%s\", which it reads, has failed: %s", o.Kind, o.Name, f.Kind, f.Name, f.Cause).
			WithDetail(f.detail()).WithHint(f.hint())
	}
	return nil
}

// inputsFailure returns the relationFailure of the first relation plan
// reads that has one (nil when none has).
func (e *Engine) inputsFailure(plan *planner.StreamPlan) *sqlstate.Error {
	for _, name := range plan.InputNames() {
		if err := e.relationFailure(name); err != nil {
			return err
		}
	}
	return nil
}

// err is the error a query of the failed object gets.
func (f ViewFailure) err() *sqlstate.Error {
	return sqlstate.Errorf(f.Code, "%s \"%s\" has failed: %s", f.Kind, f.Name, f.Cause).WithDetail(f.detail()).WithHint(f.hint())
}

// detail says since when the object's rows are stale.
func (f ViewFailure) detail() string {
	return fmt.Sprintf("Its dataflow stopped in epoch %d; its rows are those of the epochs before, so they are not shown.", f.Epoch)
}

// hint says what to do: RESUME a view once its input is fixed, or drop
// and create the object again.
func (f ViewFailure) hint() string {
	if f.Kind != catalog.View.String() {
		return fmt.Sprintf("DROP %s %s and create it again.", strings.ToUpper(f.Kind), f.Name)
	}
	return fmt.Sprintf("Fix or delete the input rows that make it fail, then run ALTER MATERIALIZED VIEW %s RESUME to rebuild it from its input; or DROP it and create it again with a definition that handles them.", f.Name)
}

// warning is f as a WARNING for the client.
func (f ViewFailure) warning() Warning {
	return Warning{Code: sqlstate.Warning, Message: fmt.Sprintf("%s \"%s\" has failed: %s", f.Kind, f.Name, f.Cause), Detail: f.detail(), Hint: f.hint()}
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
	var out []ViewFailure
	for _, f := range e.currentFailures() {
		if f.Epoch > after {
			out = append(out, f)
		}
	}
	return out
}

// currentFailures returns the failure of every object whose dataflow has
// failed, recorded or not yet, by name.
func (e *Engine) currentFailures() []ViewFailure {
	out := e.failed.list()
	for _, j := range e.jobs.List() {
		if slices.ContainsFunc(out, func(f ViewFailure) bool { return f.Name == j.obj.Name }) {
			continue
		}
		if err := j.Failure(); err != nil {
			out = append(out, e.newFailure(j.obj, err))
		}
	}
	slices.SortFunc(out, func(a, b ViewFailure) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// FailureWarnings returns one WARNING per failure, for a statement's Result.
func FailureWarnings(failures []ViewFailure) []Warning {
	out := make([]Warning, len(failures))
	for i, f := range failures {
		out[i] = f.warning()
	}
	return out
}

// haltAtStart decides whether the dataflow of view or sink o must not
// start: at a restart (backfill false), when it failed before or reads a
// relation whose dataflow failed, it stays down (a stand-in job without
// fragments shows it in weir_jobs) and halted is true; at CREATE, reading
// a failed relation is an error.
func (e *Engine) haltAtStart(o *catalog.Object, backfill bool) (halted bool, err error) {
	if o.Kind != catalog.View && (o.Kind != catalog.Sink || o.Options["connector"] == goConnector) {
		return false, nil
	}
	_, failed := e.failed.get(o.Name)
	if !failed {
		for _, u := range o.Uses {
			if ferr := e.relationFailure(u); ferr != nil {
				if backfill {
					return false, ferr
				}
				failed = true
			}
		}
	}
	if !failed && o.Kind == catalog.Sink {
		// A sink whose owner may no longer read what it exports does not
		// start. The refusal is not kept: the next start checks again.
		if err := e.checkOwnerReads(o); err != nil {
			if backfill {
				return false, err
			}
			e.log.Warn("sink not started: its owner may no longer read its input", "sink", o.Name, "owner", o.Owner, "err", err)
			e.failed.put(e.newFailure(o, err))
			failed = true
		}
	}
	if !failed {
		return false, nil
	}
	e.standIn(o)
	return true, nil
}

// standIn records a job without fragments for o, whose dataflow stays
// down, so that weir_jobs shows it.
func (e *Engine) standIn(o *catalog.Object) {
	e.jobs.Put(newJob(o))
}

// runningAgain forgets the failure of o, whose dataflow has just started:
// a table or a Process, which restart (views and sinks stay down until
// RESUME, which forgets their failures itself).
func (e *Engine) runningAgain(o *catalog.Object) {
	if _, ok := e.failed.get(o.Name); !ok {
		return
	}
	if err := e.writeNow(func(w exec.StateWriter) error { return e.forgetFailure(w, o.Name) }); err != nil {
		e.log.Warn("cannot forget the failure of a restarted dataflow", "object", o.Name, "err", err)
	}
}
