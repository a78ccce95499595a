package failures_test

import (
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/failures"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// fakeEngine is a catalog, running jobs and a state store for a Set.
type fakeEngine struct {
	store   *exectest.Store
	objects map[string]*catalog.Object
	epoch   exec.Epoch

	mu      sync.Mutex
	stopped map[string]error // running jobs, by name: the error each stopped with
}

func newFakeEngine(objects ...*catalog.Object) *fakeEngine {
	e := &fakeEngine{store: exectest.NewStore(), objects: map[string]*catalog.Object{}, epoch: 7, stopped: map[string]error{}}
	for _, o := range objects {
		e.objects[o.Name] = o
		if o.Kind != catalog.Stream {
			e.stopped[o.Name] = nil
		}
	}
	return e
}

func (e *fakeEngine) Object(name string) (*catalog.Object, bool) {
	o, ok := e.objects[name]
	return o, ok
}

func (e *fakeEngine) Dataflows() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var names []string
	for name := range e.stopped {
		names = append(names, name)
	}
	return names
}

func (e *fakeEngine) Stopped(name string) (*catalog.Object, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.objects[name], e.stopped[name]
}

func (e *fakeEngine) Epoch() exec.Epoch { return e.epoch }

func (e *fakeEngine) WriteNow(fn func(w exec.StateWriter) error) error {
	w := e.store.NewWriter()
	defer w.Close()
	if err := fn(w); err != nil {
		return err
	}
	return w.Commit()
}

// stop makes the job called name stop with err.
func (e *fakeEngine) stop(name string, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.stopped[name] = err
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// objects is a table t, a view v over it, a view w over v, a sink k over w
// and a stream s with a view sv over it.
func objects() []*catalog.Object {
	return []*catalog.Object{
		{Name: "t", Kind: catalog.Table},
		{Name: "v", Kind: catalog.View, Uses: []string{"t"}},
		{Name: "w", Kind: catalog.View, Uses: []string{"v"}},
		{Name: "k", Kind: catalog.Sink, Uses: []string{"w"}, Owner: "alice"},
		{Name: "s", Kind: catalog.Stream},
		{Name: "sv", Kind: catalog.View, Uses: []string{"s"}},
	}
}

var divisionByZero = sqlstate.Errorf(sqlstate.DivisionByZero, "division by zero")

// TestDescribe: a failure takes the SQLSTATE and message of a
// sqlstate.Error among its causes, 55000 and the whole error otherwise.
func TestDescribe(t *testing.T) {
	v := &catalog.Object{Name: "v", Kind: catalog.View}
	wrapped := errors.Join(errors.New("fragment v: operator 0"), divisionByZero)
	f := failures.Describe(v, 3, wrapped)
	if f.Name != "v" || f.Kind != "materialized view" || f.Epoch != 3 || f.Code != "22012" || f.Cause != "division by zero" || f.Error != wrapped.Error() || f.At.IsZero() {
		t.Errorf("Describe(division by zero) = %+v", f)
	}
	f = failures.Describe(v, 3, errors.New("disk on fire"))
	if f.Code != "55000" || f.Cause != "disk on fire" {
		t.Errorf("Describe(plain error) = %+v", f)
	}
}

// TestWording: the errors and warnings name the object, the cause and the
// epoch, and say what to do: RESUME a view, drop anything else.
func TestWording(t *testing.T) {
	v := failures.Describe(&catalog.Object{Name: "v", Kind: catalog.View}, 4, divisionByZero)
	err := v.Err()
	if err.Code != "22012" || err.Message != `materialized view "v" has failed: division by zero` ||
		err.Detail != "Its dataflow stopped in epoch 4; its rows are those of the epochs before, so they are not shown." ||
		!strings.Contains(err.Hint, "ALTER MATERIALIZED VIEW v RESUME") {
		t.Errorf("Err() = %s %q detail %q hint %q", err.Code, err.Message, err.Detail, err.Hint)
	}
	r := v.ReaderErr(&catalog.Object{Name: "w", Kind: catalog.View})
	if r.Code != "22012" || r.Message != `materialized view "w" cannot be read: materialized view "v", which it reads, has failed: division by zero` || r.Hint != err.Hint {
		t.Errorf("ReaderErr() = %s %q hint %q", r.Code, r.Message, r.Hint)
	}
	if got := v.ReaderMessage(); got != `materialized view "v", which it reads, has failed` {
		t.Errorf("ReaderMessage() = %q", got)
	}
	table := failures.Describe(&catalog.Object{Name: "t", Kind: catalog.Table}, 4, divisionByZero)
	if got := table.Hint(); got != "DROP TABLE t and create it again." {
		t.Errorf("a table's Hint() = %q", got)
	}
	// The statement is printed from its AST: a name that needs quotes gets
	// them.
	sink := failures.Describe(&catalog.Object{Name: "Out Sink", Kind: catalog.Sink}, 4, divisionByZero)
	if got := sink.Hint(); got != `DROP SINK "Out Sink" and create it again.` {
		t.Errorf("a sink's Hint() = %q", got)
	}
	ws := failures.Warnings([]failures.Failure{v, table})
	if len(ws) != 2 || ws[0].Code != sqlstate.Warning || ws[0].Message != v.Message() || ws[0].Detail != err.Detail || ws[0].Hint != err.Hint ||
		ws[1].Message != `table "t" has failed: division by zero` || ws[1].Hint != table.Hint() {
		t.Errorf("Warnings() = %+v", ws)
	}
}

// TestRecordAcrossRestart: a recorded failure is in the state at once, and
// a new Set loads it; the first failure of an object is kept; Forget drops
// it from memory and state.
func TestRecordAcrossRestart(t *testing.T) {
	eng := newFakeEngine(objects()...)
	s := failures.NewSet(eng, quiet)
	v := eng.objects["v"]
	s.Record(v, divisionByZero)
	eng.epoch = 9
	s.Record(v, errors.New("a later fragment's error"))
	if f, ok := s.Recorded("v"); !ok || f.Cause != "division by zero" || f.Epoch != 7 {
		t.Fatalf("Recorded(v) = %+v, %t", f, ok)
	}
	if eng.store.Commits() != 1 {
		t.Errorf("%d commits, want 1 (the second failure of v is not kept)", eng.store.Commits())
	}

	again := failures.NewSet(eng, quiet)
	if err := again.Load(eng.store); err != nil {
		t.Fatal(err)
	}
	if f, ok := again.Recorded("v"); !ok || f.Code != "22012" || f.Cause != "division by zero" || f.Epoch != 7 || f.Kind != "materialized view" {
		t.Fatalf("after Load, Recorded(v) = %+v, %t", f, ok)
	}
	if err := eng.WriteNow(func(w exec.StateWriter) error { return again.Forget(w, "v") }); err != nil {
		t.Fatal(err)
	}
	if _, ok := again.Recorded("v"); ok {
		t.Error("v is still failed after Forget")
	}
	third := failures.NewSet(eng, quiet)
	if err := third.Load(eng.store); err != nil {
		t.Fatal(err)
	}
	if got := third.Current(); len(got) != 0 {
		t.Errorf("after Forget and Load, Current() = %+v", got)
	}
}

// TestRunningAgain: a table that restarts forgets its failure, in the
// state too.
func TestRunningAgain(t *testing.T) {
	eng := newFakeEngine(objects()...)
	s := failures.NewSet(eng, quiet)
	s.Record(eng.objects["t"], divisionByZero)
	s.RunningAgain("v") // not failed: nothing written
	if eng.store.Commits() != 1 {
		t.Fatalf("%d commits after RunningAgain of a running view", eng.store.Commits())
	}
	s.RunningAgain("t")
	if _, ok := s.Recorded("t"); ok {
		t.Error("t is still failed")
	}
	if eng.store.Len() != 0 {
		t.Errorf("the state still holds %d keys", eng.store.Len())
	}
}

// TestUnrecordedAndUpstream: a job that stopped with an error counts as
// failed before it is recorded, and so do, as readers, the views over it;
// a view over a stream, or beside the failed one, is not affected.
// JobStatus says so of each job.
func TestUnrecordedAndUpstream(t *testing.T) {
	eng := newFakeEngine(objects()...)
	s := failures.NewSet(eng, quiet)
	if err := s.ReadErr("t", "v", "w", "k", "s", "sv", "nosuch"); err != nil {
		t.Fatalf("ReadErr with nothing failed = %v", err)
	}
	eng.stop("v", divisionByZero)
	if f, ok := s.Of("v"); !ok || f.Code != "22012" || f.Epoch != 7 {
		t.Errorf("Of(v) = %+v, %t", f, ok)
	}
	if _, ok := s.Recorded("v"); ok {
		t.Error("Of recorded the failure")
	}
	if f, ok := s.Upstream(eng.objects["k"]); !ok || f.Name != "v" {
		t.Errorf("Upstream(k) = %+v, %t", f, ok)
	}
	if _, ok := s.Upstream(eng.objects["v"]); ok {
		t.Error("v's upstream failed")
	}
	if err := s.ReadErr("w"); err == nil || err.Message != `materialized view "w" cannot be read: materialized view "v", which it reads, has failed: division by zero` {
		t.Errorf("ReadErr(w) = %v", err)
	}
	if err := s.ReadErr("t", "sv", "v"); err == nil || err.Message != `materialized view "v" has failed: division by zero` {
		t.Errorf("ReadErr(t, sv, v) = %v", err)
	}
	if err := s.ReadErr("t", "s", "sv"); err != nil {
		t.Errorf("ReadErr(t, s, sv) = %v", err)
	}
	for _, c := range []struct {
		name            string
		stopped         bool
		wantStatus, why string
	}{
		{"t", false, "running", ""},
		{"v", true, "failed", "division by zero"},
		{"w", true, "stopped", `materialized view "v", which it reads, has failed`},
		{"sv", true, "stopped", ""},
	} {
		if status, why := s.JobStatus(eng.objects[c.name], c.stopped); status != c.wantStatus || why != c.why {
			t.Errorf("JobStatus(%s) = %q, %q; want %q, %q", c.name, status, why, c.wantStatus, c.why)
		}
	}
}

// TestCurrentAndSince: Current lists recorded and unrecorded failures once
// each, by name; Since keeps those of later epochs.
func TestCurrentAndSince(t *testing.T) {
	eng := newFakeEngine(objects()...)
	s := failures.NewSet(eng, quiet)
	eng.epoch = 5
	s.Record(eng.objects["w"], divisionByZero)
	eng.stop("w", divisionByZero)
	eng.epoch = 8
	eng.stop("v", errors.New("boom"))
	got := s.Current()
	if len(got) != 2 || got[0].Name != "v" || got[0].Epoch != 8 || got[1].Name != "w" || got[1].Epoch != 5 {
		t.Fatalf("Current() = %+v", got)
	}
	if since := s.Since(5); len(since) != 1 || since[0].Name != "v" {
		t.Errorf("Since(5) = %+v", since)
	}
	if since := s.Since(4); len(since) != 2 {
		t.Errorf("Since(4) = %+v", since)
	}
	if since := s.Since(8); len(since) != 0 {
		t.Errorf("Since(8) = %+v", since)
	}
}

// TestHaltAtStart: at a restart a failed view, and the views and sinks over
// it, stay down; at CREATE reading a failed relation is an error; tables
// always start; a sink whose owner may not read its input stays down at a
// restart, in memory only, and is refused at CREATE.
func TestHaltAtStart(t *testing.T) {
	eng := newFakeEngine(objects()...)
	s := failures.NewSet(eng, quiet)
	var asked []string
	ownerReads := func(o *catalog.Object) error {
		asked = append(asked, o.Name)
		return nil
	}
	for _, name := range []string{"t", "v", "w", "k", "sv"} {
		if halted, err := s.HaltAtStart(eng.objects[name], false, ownerReads); halted || err != nil {
			t.Errorf("nothing failed: HaltAtStart(%s) = %t, %v", name, halted, err)
		}
	}
	if strings.Join(asked, ",") != "k" {
		t.Errorf("the owner's rights were checked for %v, want the sink k only", asked)
	}

	s.Record(eng.objects["v"], divisionByZero)
	for _, c := range []struct {
		name   string
		halted bool
	}{{"t", false}, {"v", true}, {"w", true}, {"k", true}, {"sv", false}} {
		if halted, err := s.HaltAtStart(eng.objects[c.name], false, ownerReads); halted != c.halted || err != nil {
			t.Errorf("restart after v failed: HaltAtStart(%s) = %t, %v; want %t", c.name, halted, err, c.halted)
		}
	}
	if halted, err := s.HaltAtStart(eng.objects["w"], true, ownerReads); halted || err == nil || err.Error() != `materialized view "v" has failed: division by zero` {
		t.Errorf("CREATE over the failed v: HaltAtStart(w) = %t, %v", halted, err)
	}
	if halted, err := s.HaltAtStart(eng.objects["t"], true, ownerReads); halted || err != nil {
		t.Errorf("HaltAtStart(t) at CREATE = %t, %v", halted, err)
	}

	denied := sqlstate.Errorf(sqlstate.InsufficientPrivilege, "permission denied for table t")
	eng2 := newFakeEngine(objects()...)
	s2 := failures.NewSet(eng2, quiet)
	refuse := func(*catalog.Object) error { return denied }
	if halted, err := s2.HaltAtStart(eng2.objects["k"], true, refuse); halted || !errors.Is(err, denied) {
		t.Errorf("CREATE SINK without the owner's rights: HaltAtStart = %t, %v", halted, err)
	}
	if _, ok := s2.Recorded("k"); ok {
		t.Error("the refusal at CREATE was recorded")
	}
	if halted, err := s2.HaltAtStart(eng2.objects["k"], false, refuse); !halted || err != nil {
		t.Errorf("restart without the owner's rights: HaltAtStart = %t, %v", halted, err)
	}
	if f, ok := s2.Of("k"); !ok || f.Code != "42501" || f.Epoch != 7 {
		t.Errorf("the refused sink's failure = %+v, %t", f, ok)
	}
	if eng2.store.Commits() != 0 {
		t.Error("the refusal was written to the state: the next start would not check again")
	}
}
