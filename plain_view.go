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
	if exists {
		if err := replaceableBy(old, cols, st.Name.Position()); err != nil {
			return nil, err
		}
		if reads(e.cat, uses, old.Name) {
			return nil, sqlstate.ErrorfAt(sqlstate.InvalidObjectDefinition, st.Name.Position(), "infinite recursion detected in rules for relation \"%s\"", old.Name)
		}
		o.Owner = old.Owner
	}
	if err := e.writeNow(func(w exec.StateWriter) error { return e.cat.Add(w, o) }); err != nil {
		return nil, err
	}
	return &Result{Tag: "CREATE VIEW"}, nil
}

// replaceableBy returns the error CREATE OR REPLACE VIEW gives when view old
// cannot take columns cols, as Postgres: the old columns must stay, with
// their names and types, in their places; new ones may follow.
func replaceableBy(old *catalog.Object, cols []catalog.Column, pos sql.Pos) error {
	if len(cols) < len(old.Columns) {
		return sqlstate.ErrorfAt(sqlstate.InvalidTableDefinition, pos, "cannot drop columns from view")
	}
	for i, c := range old.Columns {
		if cols[i].Name != c.Name {
			return sqlstate.ErrorfAt(sqlstate.InvalidTableDefinition, pos, "cannot change name of view column \"%s\" to \"%s\"", c.Name, cols[i].Name).
				WithHint("Use ALTER VIEW ... RENAME COLUMN ... to change name of view column instead.")
		}
		if cols[i].Type != c.Type {
			return sqlstate.ErrorfAt(sqlstate.InvalidTableDefinition, pos, "cannot change data type of view column \"%s\" from %s to %s", c.Name, c.Type, cols[i].Type)
		}
	}
	return nil
}

// reads reports whether the relations uses, or those they read in turn,
// include name.
func reads(cat *catalog.Catalog, uses []string, name string) bool {
	seen := map[string]bool{}
	queue := append([]string(nil), uses...)
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		if u == name {
			return true
		}
		if seen[u] {
			continue
		}
		seen[u] = true
		if o, ok := cat.Get(u); ok {
			queue = append(queue, o.Uses...)
		}
	}
	return false
}
