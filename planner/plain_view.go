package planner

import (
	"strconv"

	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// maxViewNesting bounds how deep views over views expand, and
// maxViewExpansions how many references to views one statement expands to
// (a view naming another twice doubles it).
const (
	maxViewNesting    = 64
	maxViewExpansions = 10000
)

// ExpandPlainViews replaces each table name in n that names a plain view
// (CREATE VIEW) by the view's query as a subquery, parsed again from its
// definition, under the name or alias written and with the view's column
// names; views the query names expand in turn. It returns what puts n
// back.
func ExpandPlainViews(cat *catalog.Catalog, n sql.Node) (func(), error) {
	var undos []func()
	undo := func() {
		for i := len(undos) - 1; i >= 0; i-- {
			undos[i]()
		}
	}
	var err error
	count := 0
	expand := func(te sql.TableExpr) *sql.Subquery {
		t, ok := te.(*sql.TableName)
		if !ok || err != nil {
			return nil
		}
		o, ok := cat.Get(t.Name.Last().Value)
		if !ok || o.Kind != catalog.PlainView {
			return nil
		}
		if t.ForSystemTime != nil {
			err = sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, t.Position(),
				"the right side of a temporal join must be a table or a materialized view: %s is a view", o.Name)
			return nil
		}
		if count++; count > maxViewExpansions {
			err = sqlstate.ErrorfAt(sqlstate.StatementTooComplex, t.Position(), "views expand to too large a statement").
				WithHint("Each reference to a view is a copy of its query; weir accepts at most " + strconv.Itoa(maxViewExpansions) + " in one statement.")
			return nil
		}
		sub, perr := PlainViewQuery(o, t)
		if perr != nil {
			err = perr
			return nil
		}
		return sub
	}
	depth := map[*sql.Select]int{}
	sql.Walk(n, func(x sql.Node) bool {
		if err != nil {
			return false
		}
		switch x := x.(type) {
		case *sql.Select:
			for i, te := range x.From {
				if sub := expand(te); sub != nil {
					if depth[x] >= maxViewNesting {
						err = sqlstate.ErrorfAt(sqlstate.StatementTooComplex, te.Position(), "views are nested too deeply")
						return false
					}
					depth[sub.Query] = depth[x] + 1
					from := x.From
					from[i] = sub
					undos = append(undos, func() { from[i] = te })
				}
			}
		case *sql.JoinTableExpr:
			for _, side := range []*sql.TableExpr{&x.Left, &x.Right} {
				old := *side
				if sub := expand(old); sub != nil {
					*side = sub
					undos = append(undos, func() { *side = old })
				}
			}
		}
		return true
	})
	if err != nil {
		undo()
		return nil, err
	}
	return undo, nil
}

// PlainViewQuery returns view o, read at t, as a subquery.
func PlainViewQuery(o *catalog.Object, t *sql.TableName) (*sql.Subquery, error) {
	st, err := sql.ParseOne(o.Definition)
	if err != nil {
		return nil, sqlstate.Errorf(sqlstate.Internal, "view %s: its definition does not parse: %v", o.Name, err)
	}
	def, ok := st.(*sql.CreatePlainView)
	if !ok {
		return nil, sqlstate.Errorf(sqlstate.Internal, "view %s: its definition is a %T", o.Name, st)
	}
	alias := t.Alias
	if alias == nil {
		alias = &sql.Name{Pos: t.Position(), Value: o.Name}
	}
	sub := &sql.Subquery{Pos: t.Position(), Query: def.Query, Alias: alias}
	for _, c := range o.Columns {
		sub.Columns = append(sub.Columns, sql.Name{Pos: t.Position(), Value: c.Name, Quoted: true})
	}
	return sub, nil
}

// PlainViewsNamed returns the views (CREATE VIEW) n names itself, each once
// (also CREATE SINK … FROM view's).
func PlainViewsNamed(cat *catalog.Catalog, n sql.Node) []string {
	var out []string
	seen := map[string]bool{}
	add := func(name string) {
		if o, ok := cat.Get(name); ok && o.Kind == catalog.PlainView && !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	if cs, ok := n.(*sql.CreateSink); ok && cs.Query == nil {
		add(cs.From.Last().Value)
	}
	sql.WalkTableNames(n, func(t *sql.TableName) { add(t.Name.Last().Value) })
	return out
}
