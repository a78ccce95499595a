package weir

import (
	"context"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/sql"
)

// functionStatement runs CREATE or DROP FUNCTION: planner.FunctionStatement
// decides the change, which is written to the catalog at once. A SQL
// function is inlined where it is called, so a materialized view keeps the
// body it was planned with: replacing the function changes later queries
// and views only.
func (s *Session) functionStatement(_ context.Context, st sql.Statement) (*Result, error) {
	e := s.e
	e.ddl.Lock()
	defer e.ddl.Unlock()
	sub := s.subject()
	c, err := planner.FunctionStatement(e.cat, st, s.user, sub.Superuser())
	if err != nil {
		return nil, err
	}
	if err := e.writeNow(func(w exec.StateWriter) error { return c.Write(e.cat, w) }); err != nil {
		return nil, err
	}
	return &Result{Tag: c.Tag, Notices: c.Notices}, nil
}
