package failures

import (
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/statestore"
)

// Engine is the engine as a Set sees it.
type Engine interface {
	// Object returns the catalog object called name.
	Object(name string) (*catalog.Object, bool)
	// Dataflows returns the names of the running dataflows (jobs).
	Dataflows() []string
	// Stopped returns the object of the running dataflow (job) called name
	// and the error it stopped with: nil while it runs (or when none runs).
	Stopped(name string) (*catalog.Object, error)
	// Epoch returns the epoch in flight: the committed one + 1.
	Epoch() exec.Epoch
	// WriteNow applies fn's writes to the state store at once.
	WriteNow(fn func(w exec.StateWriter) error) error
}

// Set holds the failures of the objects whose dataflow failed, by name, and
// keeps them in the state's meta table (prefix "failed/", see
// docs/format/state.md). It is safe for concurrent use.
type Set struct {
	eng Engine
	log *slog.Logger

	mu     sync.Mutex
	byName map[string]Failure
}

// NewSet returns an empty Set of eng's failures, which logs to log the
// failures it cannot keep.
func NewSet(eng Engine, log *slog.Logger) *Set {
	return &Set{eng: eng, log: log, byName: map[string]Failure{}}
}

// prefix is where the meta table keeps failures: prefix | name.
var prefix = statestore.AppendKey(nil, statestore.MetaTable, 0, []byte("failed/"))

// key is the meta table key of the failure of the object called name.
func key(name string) []byte {
	return append(append([]byte(nil), prefix...), name...)
}

// Load reads the failures kept in r (at Open); an unreadable one is logged
// and skipped.
func (s *Set) Load(r exec.StateReader) error {
	return r.Scan(prefix, statestore.PrefixEnd(prefix), func(_, v []byte) (bool, error) {
		var f Failure
		if err := json.Unmarshal(v, &f); err != nil {
			s.log.Warn("unreadable failure record", "err", err)
			return true, nil
		}
		s.put(f)
		return true, nil
	})
}

// Recorded returns the recorded failure of the object called name.
func (s *Set) Recorded(name string) (Failure, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.byName[name]
	return f, ok
}

// put keeps f in memory only (replacing an earlier failure of the same
// object).
func (s *Set) put(f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byName[f.Name] = f
}

// Record keeps the failure of o, whose dataflow stopped with err, in memory
// and in the state at once (the next checkpoint holds it), unless o has a
// failure already: another fragment of the same job failed first, and the
// first error is the cause.
func (s *Set) Record(o *catalog.Object, err error) {
	f := Describe(o, s.eng.Epoch(), err)
	s.mu.Lock()
	_, ok := s.byName[f.Name]
	if !ok {
		s.byName[f.Name] = f
	}
	s.mu.Unlock()
	if ok {
		return
	}
	data, werr := json.Marshal(f)
	if werr == nil {
		werr = s.eng.WriteNow(func(w exec.StateWriter) error { return w.Set(key(f.Name), data) })
	}
	if werr != nil {
		s.log.Error("cannot record the failure of a dataflow", "object", f.Name, "err", werr)
	}
}

// Forget drops the failure of the object called name, in memory and in w
// (DROP, RESUME).
func (s *Set) Forget(w exec.StateWriter, name string) error {
	s.mu.Lock()
	delete(s.byName, name)
	s.mu.Unlock()
	return w.Delete(key(name))
}

// RunningAgain forgets the failure of the object called name, whose
// dataflow has just started: a table or a Process, which restart (views
// and sinks stay down until RESUME, which forgets their failures itself).
func (s *Set) RunningAgain(name string) {
	if _, ok := s.Recorded(name); !ok {
		return
	}
	if err := s.eng.WriteNow(func(w exec.StateWriter) error { return s.Forget(w, name) }); err != nil {
		s.log.Warn("cannot forget the failure of a restarted dataflow", "object", name, "err", err)
	}
}

// Of returns the failure of the object called name: the one recorded, or
// that of a dataflow that has just stopped with an error and is not
// recorded yet.
func (s *Set) Of(name string) (Failure, bool) {
	if f, ok := s.Recorded(name); ok {
		return f, true
	}
	return s.stopped(name)
}

// stopped returns the failure of the running dataflow called name when it
// has stopped with an error.
func (s *Set) stopped(name string) (Failure, bool) {
	o, err := s.eng.Stopped(name)
	if err == nil {
		return Failure{}, false
	}
	return Describe(o, s.eng.Epoch(), err), true
}

// Upstream returns the failure of the nearest object o reads, directly or
// through others, whose dataflow failed.
func (s *Set) Upstream(o *catalog.Object) (Failure, bool) {
	seen := map[string]bool{}
	queue := append([]string(nil), o.Uses...)
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if seen[name] {
			continue
		}
		seen[name] = true
		if f, ok := s.Of(name); ok {
			return f, true
		}
		if u, ok := s.eng.Object(name); ok {
			queue = append(queue, u.Uses...)
		}
	}
	return Failure{}, false
}

// JobStatus returns what weir_jobs says of the dataflow of o, stopped or
// not: "running"; once stopped, "failed" with the error it failed with, or
// "stopped" with the failure of what it reads (or no reason).
func (s *Set) JobStatus(o *catalog.Object, stopped bool) (status, why string) {
	if !stopped {
		return "running", ""
	}
	if f, ok := s.Of(o.Name); ok {
		return "failed", f.Error
	}
	if f, ok := s.Upstream(o); ok {
		return "stopped", f.ReaderMessage()
	}
	return "stopped", ""
}

// ReadErr returns the error a query reading the relations called names
// gets when the dataflow of one of them, or of one it reads, has failed:
// its rows are stale. It is nil when none has (a stream has no dataflow of
// its own and is never stale).
func (s *Set) ReadErr(names ...string) *sqlstate.Error {
	for _, name := range names {
		o, ok := s.eng.Object(name)
		if !ok || o.Kind == catalog.Stream {
			continue
		}
		if f, ok := s.Of(name); ok {
			return f.Err()
		}
		if f, ok := s.Upstream(o); ok {
			return f.ReaderErr(o)
		}
	}
	return nil
}

// Current returns the failure of every object whose dataflow has failed,
// recorded or not yet, by name.
func (s *Set) Current() []Failure {
	s.mu.Lock()
	out := make([]Failure, 0, len(s.byName))
	for _, f := range s.byName {
		out = append(out, f)
	}
	s.mu.Unlock()
	for _, name := range s.eng.Dataflows() {
		if slices.ContainsFunc(out, func(f Failure) bool { return f.Name == name }) {
			continue
		}
		if f, ok := s.stopped(name); ok {
			out = append(out, f)
		}
	}
	slices.SortFunc(out, func(a, b Failure) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Since returns the failures of the dataflows that failed in an epoch
// after epoch, by name: those the writes of a later epoch may have caused
// (Engine.FailedSince in the root says how a statement uses it).
func (s *Set) Since(after exec.Epoch) []Failure {
	var out []Failure
	for _, f := range s.Current() {
		if f.Epoch > after {
			out = append(out, f)
		}
	}
	return out
}

// HaltAtStart decides whether the dataflow of o must not start. Only views
// and sinks stay down (a table or a Process restarts, and RunningAgain
// forgets its failure); at a restart (backfill false), one that failed
// before, or reads a relation whose dataflow failed, stays down and halted
// is true (the engine shows it with a job without fragments); at CREATE or
// RESUME (backfill true), reading a failed relation is an error. A sink
// whose owner may no longer read its input (ownerReads returns the error)
// does not start either: an error at CREATE, at a restart a failure kept
// in memory only, so that the next start checks again.
func (s *Set) HaltAtStart(o *catalog.Object, backfill bool, ownerReads func(*catalog.Object) error) (halted bool, err error) {
	if o.Kind != catalog.View && o.Kind != catalog.Sink {
		return false, nil
	}
	_, failed := s.Recorded(o.Name)
	if !failed {
		for _, u := range o.Uses {
			if ferr := s.ReadErr(u); ferr != nil {
				if backfill {
					return false, ferr
				}
				failed = true
			}
		}
	}
	if !failed && o.Kind == catalog.Sink {
		if err := ownerReads(o); err != nil {
			if backfill {
				return false, err
			}
			s.log.Warn("sink not started: its owner may no longer read its input", "sink", o.Name, "owner", o.Owner, "err", err)
			s.put(Describe(o, s.eng.Epoch(), err))
			failed = true
		}
	}
	return failed, nil
}
