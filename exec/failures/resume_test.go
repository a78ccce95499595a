package failures_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/failures"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// fakeRebuilder rebuilds the dataflows of a fakeEngine and notes what it
// was asked to do.
type fakeRebuilder struct {
	e               *fakeEngine
	set             *failures.Set
	fail            map[string]error // Start's error, by object
	paused, resumed bool
	cleared         []string
	started         []string
	keptDown        []string
}

func (r *fakeRebuilder) Dependents(name string) []*catalog.Object {
	var out []*catalog.Object
	for _, o := range objects() {
		if slices.Contains(o.Uses, name) {
			out = append(out, r.e.objects[o.Name])
		}
	}
	return out
}

func (r *fakeRebuilder) IsProcess(o *catalog.Object) bool { return o.Options["connector"] == "go" }

func (r *fakeRebuilder) Pause(context.Context) (func(), error) {
	r.paused = true
	return func() { r.resumed = true }, nil
}

func (r *fakeRebuilder) Clear(objs []*catalog.Object) error {
	for _, o := range objs {
		r.cleared = append(r.cleared, o.Name)
		r.e.mu.Lock()
		delete(r.e.stopped, o.Name)
		r.e.mu.Unlock()
		if err := r.e.WriteNow(func(w exec.StateWriter) error { return r.set.Forget(w, o.Name) }); err != nil {
			return err
		}
	}
	return nil
}

func (r *fakeRebuilder) Start(_ context.Context, o *catalog.Object) error {
	r.started = append(r.started, o.Name)
	if err := r.fail[o.Name]; err != nil {
		return err
	}
	r.e.mu.Lock()
	r.e.stopped[o.Name] = nil
	r.e.mu.Unlock()
	return nil
}

func (r *fakeRebuilder) KeepDown(o *catalog.Object) { r.keptDown = append(r.keptDown, o.Name) }

// newResume returns the objects() engine with v failed, its Set and a
// rebuilder.
func newResume(t *testing.T) (*fakeEngine, *failures.Set, *fakeRebuilder) {
	t.Helper()
	e := newFakeEngine(objects()...)
	s := failures.NewSet(e, quiet)
	e.stop("v", divisionByZero)
	s.Record(e.objects["v"], divisionByZero)
	return e, s, &fakeRebuilder{e: e, set: s, fail: map[string]error{}}
}

// TestResume: the failed view and everything over it are cleared and
// started again, upstream ones first, with the coordinator paused, and
// their failures are forgotten.
func TestResume(t *testing.T) {
	e, s, r := newResume(t)
	if err := s.Resume(context.Background(), e.objects["v"], 0, r); err != nil {
		t.Fatal(err)
	}
	if want := []string{"v", "w", "k"}; !slices.Equal(r.cleared, want) || !slices.Equal(r.started, want) {
		t.Errorf("cleared %v, started %v; want %v both", r.cleared, r.started, want)
	}
	if !r.paused || !r.resumed {
		t.Errorf("paused %t, resumed %t", r.paused, r.resumed)
	}
	if f, ok := s.Of("v"); ok {
		t.Errorf("v still failed: %+v", f)
	}
}

// TestResumeRefused: a running view has nothing to resume; one that
// stopped because what it reads failed, or that a Process reads, is
// refused before anything is cleared.
func TestResumeRefused(t *testing.T) {
	e, s, r := newResume(t)
	if err := s.Resume(context.Background(), e.objects["sv"], 0, r); !errors.Is(err, failures.ErrNotFailed) {
		t.Errorf("a running view: %v, want ErrNotFailed", err)
	}
	var se *sqlstate.Error
	err := s.Resume(context.Background(), e.objects["w"], 0, r)
	if !errors.As(err, &se) || se.Code != sqlstate.ObjectNotInPrerequisiteState ||
		se.Message != `materialized view "w" stopped because materialized view "v", which it reads, has failed` || !strings.Contains(se.Hint, "Resume v instead") {
		t.Errorf("a view over a failed one: %v", err)
	}
	e.objects["k"].Options = map[string]string{"connector": "go"}
	err = s.Resume(context.Background(), e.objects["v"], 0, r)
	if !errors.As(err, &se) || se.Code != sqlstate.DependentObjectsStillExist || !strings.Contains(se.Message, "process k reads it") {
		t.Errorf("a view a Process reads: %v", err)
	}
	if len(r.cleared) != 0 || r.paused {
		t.Errorf("a refused RESUME cleared %v (paused %t)", r.cleared, r.paused)
	}
}

// TestResumeFailsAgain: when an object over the view cannot start, it is
// recorded as failed and every rebuilt object that does not run is kept
// down; when the view itself fails again, RESUME fails with its failure.
func TestResumeFailsAgain(t *testing.T) {
	e, s, r := newResume(t)
	r.fail["w"] = fmt.Errorf("cannot start")
	err := s.Resume(context.Background(), e.objects["v"], 0, r)
	if err == nil || err.Error() != "resume materialized view w: cannot start" {
		t.Errorf("w cannot start: %v", err)
	}
	if f, ok := s.Of("w"); !ok || f.Error != "cannot start" {
		t.Errorf("w's failure: %+v, %t", f, ok)
	}
	if want := []string{"w", "k"}; !slices.Equal(r.keptDown, want) {
		t.Errorf("kept down %v, want %v", r.keptDown, want)
	}

	// v fails again as soon as it starts, and w cannot start over it.
	e, s, r = newResume(t)
	r.fail["w"] = fmt.Errorf("cannot start")
	err = s.Resume(context.Background(), e.objects["v"], 0, &failAgain{r})
	var se *sqlstate.Error
	if !errors.As(err, &se) || se.Code != sqlstate.DivisionByZero || se.Detail != "It failed again while it was rebuilt." {
		t.Errorf("v failed again: %v", err)
	}
	if _, ok := s.Recorded("w"); ok {
		t.Error("w's start error was recorded though v failed again")
	}
}

// failAgain is a fakeRebuilder whose view v fails again once started.
type failAgain struct{ *fakeRebuilder }

func (r *failAgain) Start(ctx context.Context, o *catalog.Object) error {
	if err := r.fakeRebuilder.Start(ctx, o); err != nil {
		return err
	}
	if o.Name == "v" {
		r.set.Record(o, divisionByZero)
	}
	return nil
}
