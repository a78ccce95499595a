package planner

import (
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// DefinePlainView returns the catalog entry of the view CREATE [OR REPLACE]
// VIEW st defines, without its Owner: its query bound (with the views it
// names expanded) for its columns, named as st says, its Definition st as
// written, and Uses the relations it names. old is the view it replaces
// (nil: none), whose columns must stay and which it may not read, as
// Postgres requires. st is as it was when it returns.
func DefinePlainView(cat *catalog.Catalog, st *sql.CreatePlainView, old *catalog.Object) (*catalog.Object, error) {
	def := sql.String(st)
	var uses []string
	seen := map[string]bool{}
	sql.WalkTableNames(st.Query, func(t *sql.TableName) {
		name := t.Name.Last().Value
		if _, ok := cat.Get(name); ok && !seen[name] {
			seen[name] = true
			uses = append(uses, name)
		}
	})
	undo, err := ExpandPlainViews(cat, st.Query)
	if err != nil {
		return nil, err
	}
	defer undo()
	node, err := NewBinder(cat, nil).BindSelect(st.Query)
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
	if old != nil {
		if err := replaceableBy(old, cols, st.Name.Position()); err != nil {
			return nil, err
		}
		if reads(cat, uses, old.Name) {
			return nil, sqlstate.ErrorfAt(sqlstate.InvalidObjectDefinition, st.Name.Position(), "infinite recursion detected in rules for relation \"%s\"", old.Name)
		}
	}
	return &catalog.Object{Name: st.Name.Last().Value, Kind: catalog.PlainView, Columns: cols, Definition: def, Uses: uses}, nil
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
