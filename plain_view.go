package weir

import (
	"context"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// createPlainView runs CREATE [OR REPLACE] VIEW: the planner defines the
// view (planner.DefinePlainView: its columns, its Definition as written,
// Uses naming the relations it names), which the catalog records. The view
// has no dataflow and no state: every statement that names it reads its
// query (planner.ExpandPlainViews).
func (s *Session) createPlainView(_ context.Context, st *sql.CreatePlainView) (*Result, error) {
	e := s.e
	e.ddl.Lock()
	defer e.ddl.Unlock()
	old, exists := e.cat.Get(st.Name.Last().Value)
	if exists && !st.OrReplace {
		return nil, sqlstate.ErrorfAt(sqlstate.DuplicateTable, st.Name.Position(), "relation \"%s\" already exists", old.Name)
	}
	if exists && old.Kind != catalog.PlainView {
		return nil, sqlstate.ErrorfAt(sqlstate.WrongObjectType, st.Name.Position(), "\"%s\" is not a view", old.Name)
	}
	if exists && !s.owns(old) {
		return nil, mustBeOwner(old, st.Name.Position())
	}
	o, err := planner.DefinePlainView(e.cat, st, old)
	if err != nil {
		return nil, err
	}
	o.Owner = s.user
	if old != nil {
		o.Owner = old.Owner
	}
	if err := e.writeNow(func(w exec.StateWriter) error { return e.cat.Add(w, o) }); err != nil {
		return nil, err
	}
	return &Result{Tag: "CREATE VIEW"}, nil
}
