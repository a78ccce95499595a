package weir

import (
	"context"
	"errors"
	"fmt"

	"github.com/weir-stream/weir/exec/failures"
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

// resumeView is ALTER MATERIALIZED VIEW name RESUME (failures.Set.Resume
// rebuilds the view and what reads it, through failureEngine). It returns once the rebuilt views
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
		return e.failed.Resume(ctx, o, st.Name.Position(), failureEngine{e})
	}()
	if errors.Is(err, failures.ErrNotFailed) {
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
