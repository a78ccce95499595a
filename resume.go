package weir

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// flush is FLUSH: it returns once everything written before it is visible
// (and, with checkpoints, durable), with a WARNING for every dataflow that
// has failed, those the flushed epochs made fail included: their rows do
// not show the writes.
func (s *Session) flush(ctx context.Context) (*Result, error) {
	if err := s.e.Flush(ctx); err != nil {
		return nil, err
	}
	return &Result{Tag: "FLUSH", Warnings: FailureWarnings(s.e.failed.Current())}, nil
}

// resumeView is ALTER MATERIALIZED VIEW name RESUME: a view whose dataflow
// failed is rebuilt from the current contents of its input, as if it were
// created again (a view over a stream reads the stream from its start), and
// so is every view and sink over it, which stopped with it (a sink delivers
// the rows again, as a new sink would). It returns once the rebuilt views
// have taken in their input; if the view fails again, so does RESUME.
func (s *Session) resumeView(ctx context.Context, st *sql.AlterViewResume) (*Result, error) {
	e := s.e
	name := st.Name.Last().Value
	err := func() error {
		e.ddl.Lock()
		defer e.ddl.Unlock()
		o, ok := e.cat.Get(name)
		if !ok {
			return sqlstate.ErrorfAt(sqlstate.UndefinedTable, st.Name.Position(), "materialized view \"%s\" does not exist", name)
		}
		if o.Kind != catalog.View {
			return sqlstate.ErrorfAt(sqlstate.WrongObjectType, st.Name.Position(), "\"%s\" is not a materialized view", name)
		}
		if _, failed := e.failed.Of(name); !failed {
			if f, ok := e.failed.Upstream(o); ok {
				return sqlstate.ErrorfAt(sqlstate.ObjectNotInPrerequisiteState, st.Name.Position(),
					"materialized view \"%s\" stopped because %s", name, f.ReaderMessage()).
					WithHint(fmt.Sprintf("Resume %s instead: the views over it are rebuilt with it.", f.Name))
			}
			return errNotFailed
		}
		victims := []*catalog.Object{o}
		for i := 0; i < len(victims); i++ {
			for _, d := range e.cat.Dependents(victims[i].Name) {
				if d.Options["connector"] == goConnector {
					return sqlstate.ErrorfAt(sqlstate.DependentObjectsStillExist, st.Name.Position(),
						"cannot resume materialized view %s: process %s reads it and its state would be lost", name, d.Name).
						WithHint("Close and drop the process first.")
				}
				if !slices.Contains(victims, d) {
					victims = append(victims, d)
				}
			}
		}
		resume, err := e.coord.Pause(ctx)
		if err != nil {
			return err
		}
		defer resume()
		if err := e.stopAndClear(victims, nil); err != nil {
			return err
		}
		// Upstream ones first, as at a restart.
		started := map[string]bool{}
		for len(started) < len(victims) {
			progress := false
			for _, v := range victims {
				if started[v.Name] || slices.ContainsFunc(v.Uses, func(u string) bool {
					return !started[u] && slices.ContainsFunc(victims, func(o *catalog.Object) bool { return o.Name == u })
				}) {
					continue
				}
				started[v.Name], progress = true, true
				if err := e.startObject(ctx, v, true); err != nil {
					if ctx.Err() != nil {
						// A cancel or statement_timeout, not a bad row: say
						// so in the failure that stays.
						err = sqlstate.Errorf(sqlstate.ObjectNotInPrerequisiteState,
							"ALTER MATERIALIZED VIEW %s RESUME was interrupted before %s was rebuilt (%v); run it again", name, v.Name, context.Cause(ctx))
					}
					// The view failed again while the ones over it
					// started, or one could not start (recorded as its
					// failure): they stay down with it.
					if _, failed := e.failed.Of(name); !failed {
						e.failed.Record(v, err)
					}
					for _, d := range victims {
						if _, running := e.jobs.Get(d.Name); !running {
							_, _ = e.haltAtStart(d, false)
						}
					}
					if f, ok := e.failed.Of(name); ok {
						return f.Err().WithDetail("It failed again while it was rebuilt.")
					}
					return fmt.Errorf("resume %s %s: %w", v.Kind, v.Name, err)
				}
			}
			if !progress {
				return fmt.Errorf("resume %s: dependency cycle", name)
			}
		}
		return nil
	}()
	if errors.Is(err, errNotFailed) {
		return &Result{Tag: "ALTER MATERIALIZED VIEW", Notices: []string{fmt.Sprintf("materialized view \"%s\" has not failed, skipping", name)}}, nil
	}
	if err != nil {
		return nil, err
	}
	// The backfill is in the views' inputs ahead of the next barrier: once
	// that epoch is committed, a row that still makes the view fail has.
	if _, err := e.coord.Flush(ctx); err != nil {
		return nil, err
	}
	if f, ok := e.failed.Of(name); ok {
		return nil, f.Err().WithDetail("It failed again while it was rebuilt.")
	}
	return &Result{Tag: "ALTER MATERIALIZED VIEW"}, nil
}

// errNotFailed is resumeView's signal that the view is running.
var errNotFailed = errors.New("materialized view has not failed")
