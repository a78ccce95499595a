package weir

import (
	"context"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// createPlainView runs CREATE VIEW: the query is bound (with the views it
// names expanded) for its columns, and recorded as the view's Definition,
// as written, with Uses naming the relations it names. The view has no
// dataflow and no state: every statement that names it reads its query
// (planner.ExpandPlainViews).
func (s *Session) createPlainView(_ context.Context, st *sql.CreatePlainView) (*Result, error) {
	e := s.e
	e.ddl.Lock()
	defer e.ddl.Unlock()
	if res, err := s.checkNewName(st.Name, false, "CREATE VIEW"); res != nil || err != nil {
		return res, err
	}
	def := sql.String(st)
	var uses []string
	seen := map[string]bool{}
	sql.WalkTableNames(st.Query, func(t *sql.TableName) {
		name := t.Name.Last().Value
		if _, ok := e.cat.Get(name); ok && !seen[name] {
			seen[name] = true
			uses = append(uses, name)
		}
	})
	undo, err := planner.ExpandPlainViews(e.cat, st.Query)
	if err != nil {
		return nil, err
	}
	defer undo()
	node, err := planner.NewBinder(e.cat, nil).BindSelect(st.Query)
	if err != nil {
		return nil, err
	}
	var cols []catalog.Column
	for _, c := range node.Columns() {
		if !c.Hidden {
			cols = append(cols, catalog.Column{Name: c.Name, Type: c.Type})
		}
	}
	if len(st.Columns) > len(cols) {
		return nil, sqlstate.ErrorfAt(sqlstate.SyntaxError, st.Columns[len(cols)].Pos, "CREATE VIEW specifies more column names than columns")
	}
	for i, n := range st.Columns {
		cols[i].Name = n.Value
	}
	for i := range cols {
		for j := range i {
			if cols[j].Name == cols[i].Name {
				return nil, sqlstate.ErrorfAt(sqlstate.DuplicateColumn, st.Name.Position(), "column \"%s\" specified more than once", cols[i].Name)
			}
		}
	}
	o := &catalog.Object{Name: st.Name.Last().Value, Kind: catalog.PlainView, Columns: cols, Definition: def, Uses: uses, Owner: s.user}
	if err := e.writeNow(func(w exec.StateWriter) error { return e.cat.Add(w, o) }); err != nil {
		return nil, err
	}
	return &Result{Tag: "CREATE VIEW"}, nil
}
