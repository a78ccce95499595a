package failures

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// ErrNotFailed is Resume's answer for a view whose dataflow runs: there is
// nothing to resume.
var ErrNotFailed = errors.New("materialized view has not failed")

// Rebuilder is the engine as Resume rebuilds dataflows through it.
type Rebuilder interface {
	// Dependents returns the objects that read the object called name.
	Dependents(name string) []*catalog.Object
	// IsProcess reports whether o is a Process, whose state a Go program
	// keeps: it cannot be rebuilt.
	IsProcess(o *catalog.Object) bool
	// Pause stops the coordinator between epochs until resume is called.
	Pause(ctx context.Context) (resume func(), err error)
	// Clear stops the dataflows of objs, the last first (objects come
	// before the ones that read them), and deletes their state and their
	// recorded failures.
	Clear(objs []*catalog.Object) error
	// Start starts the dataflow of o with a backfill of what it reads, as
	// CREATE does (HaltAtStart may refuse it).
	Start(ctx context.Context, o *catalog.Object) error
	// KeepDown gives o, whose dataflow does not run, a stand-in job if
	// HaltAtStart at a restart would keep it down (its failure shows).
	KeepDown(o *catalog.Object)
}

// Resume is ALTER MATERIALIZED VIEW … RESUME of the view o, at pos in the
// statement: a view whose dataflow failed is rebuilt from the current
// contents of its input, as if it were created again (a view over a stream
// reads the stream from its start), and so is every view and sink over it,
// which stopped with it (a sink delivers the rows again, as a new sink
// would), upstream ones first. The caller holds the engine's DDL lock.
//
// It returns ErrNotFailed when o runs, 55000 when o stopped because
// something it reads failed (that is what to resume), 2BP01 when a Process
// reads o, and when an object fails again or cannot start while they are
// rebuilt, the error RESUME fails with: they all stay down with it.
func (s *Set) Resume(ctx context.Context, o *catalog.Object, pos sql.Pos, r Rebuilder) error {
	name := o.Name
	if _, failed := s.Of(name); !failed {
		if f, ok := s.Upstream(o); ok {
			return sqlstate.ErrorfAt(sqlstate.ObjectNotInPrerequisiteState, pos,
				"materialized view \"%s\" stopped because %s", name, f.ReaderMessage()).
				WithHint(fmt.Sprintf("Resume %s instead: the views over it are rebuilt with it.", f.Name))
		}
		return ErrNotFailed
	}
	objs := []*catalog.Object{o}
	for i := 0; i < len(objs); i++ {
		for _, d := range r.Dependents(objs[i].Name) {
			if r.IsProcess(d) {
				return sqlstate.ErrorfAt(sqlstate.DependentObjectsStillExist, pos,
					"cannot resume materialized view %s: process %s reads it and its state would be lost", name, d.Name).
					WithHint("Close and drop the process first.")
			}
			if !slices.Contains(objs, d) {
				objs = append(objs, d)
			}
		}
	}
	resume, err := r.Pause(ctx)
	if err != nil {
		return err
	}
	defer resume()
	if err := r.Clear(objs); err != nil {
		return err
	}
	// Upstream ones first, as at a restart.
	started := map[string]bool{}
	for len(started) < len(objs) {
		progress := false
		for _, v := range objs {
			if started[v.Name] || slices.ContainsFunc(v.Uses, func(u string) bool {
				return !started[u] && slices.ContainsFunc(objs, func(o *catalog.Object) bool { return o.Name == u })
			}) {
				continue
			}
			started[v.Name], progress = true, true
			if err := r.Start(ctx, v); err != nil {
				return s.resumeFailed(ctx, o, v, objs, err, r)
			}
		}
		if !progress {
			return fmt.Errorf("resume %s: dependency cycle", name)
		}
	}
	return nil
}

// resumeFailed records why v, one of objs rebuilt with the view o, did
// not start (err), unless o failed again meanwhile, keeps down those of
// objs that do not run, and returns the error RESUME fails with.
func (s *Set) resumeFailed(ctx context.Context, o, v *catalog.Object, objs []*catalog.Object, err error, r Rebuilder) error {
	if ctx.Err() != nil {
		// A cancel or statement_timeout, not a bad row: say so in the
		// failure that stays.
		err = sqlstate.Errorf(sqlstate.ObjectNotInPrerequisiteState,
			"ALTER MATERIALIZED VIEW %s RESUME was interrupted before %s was rebuilt (%v); run it again", o.Name, v.Name, context.Cause(ctx))
	}
	// The view failed again while the ones over it started, or one could
	// not start (recorded as its failure): they stay down with it.
	if _, failed := s.Of(o.Name); !failed {
		s.Record(v, err)
	}
	running := s.eng.Dataflows()
	for _, d := range objs {
		if !slices.Contains(running, d.Name) {
			r.KeepDown(d)
		}
	}
	if f, ok := s.Of(o.Name); ok {
		return f.Err().WithDetail("It failed again while it was rebuilt.")
	}
	return fmt.Errorf("resume %s %s: %w", v.Kind, v.Name, err)
}
