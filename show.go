package weir

import (
	"strings"

	"github.com/weir-stream/weir/exec/dataflow"
	"github.com/weir-stream/weir/exec/systables"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/session"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// explainColumns are EXPLAIN's columns.
var explainColumns = types.Schema{{Name: "QUERY PLAN", Type: types.TextType}}

// show runs SHOW: a kind of catalog object (listing their names), SHOW
// PIPELINES, or a run-time parameter. The rows are exec/systables'.
func (s *Session) show(st *sql.Show) (*Result, error) {
	var kind catalog.Kind
	switch st.What {
	case sql.ShowStreams:
		kind = catalog.Stream
	case sql.ShowTables:
		kind = catalog.Table
	case sql.ShowViews:
		kind = catalog.View
	case sql.ShowSinks:
		kind = catalog.Sink
	case sql.ShowPipelines:
		return session.TextResult(s.e.mem, systables.PipelinesColumns, systables.Pipelines(s.e.pipelineObjects()), "SHOW"), nil
	case sql.ShowVariable:
		return s.showParam(st)
	}
	return session.TextResult(s.e.mem, systables.NamesColumns, systables.Names(s.e.cat.List(kind)), "SHOW"), nil
}

// lookup returns the catalog object name names, or Postgres' 42P01.
func (s *Session) lookup(name sql.ObjectName) (*catalog.Object, error) {
	o, ok := s.e.cat.Get(name.Last().Value)
	if !ok {
		return nil, sqlstate.ErrorfAt(sqlstate.UndefinedTable, name.Position(), "relation \"%s\" does not exist", name.Last().Value)
	}
	return o, nil
}

// showCreate runs SHOW CREATE: the statement that made the object, as the
// session may see it (createStatement).
func (s *Session) showCreate(st *sql.ShowCreate) (*Result, error) {
	o, err := s.lookup(st.Name)
	if err != nil {
		return nil, err
	}
	want := planner.CatalogKind(st.Kind)
	if o.Kind != want {
		return nil, sqlstate.ErrorfAt(sqlstate.WrongObjectType, st.Name.Position(), "\"%s\" is not a %s", o.Name, want)
	}
	def, err := s.createStatement(o, st.Name.Position())
	if err != nil {
		return nil, err
	}
	return session.TextResult(s.e.mem, systables.CreateColumns, [][]any{{o.Name, def}}, "SHOW"), nil
}

// describe runs DESCRIBE: the relation's visible columns.
func (s *Session) describe(st *sql.Describe) (*Result, error) {
	o, err := s.lookup(st.Name)
	if err != nil {
		return nil, err
	}
	return session.TextResult(s.e.mem, systables.DescribeColumns, systables.Describe(o), "DESCRIBE"), nil
}

// explain runs EXPLAIN of a query (its logical plan) or of CREATE
// MATERIALIZED VIEW (its stream plan, at the view's parallelism).
func (s *Session) explain(st *sql.Explain) (*Result, error) {
	var text string
	switch inner := st.Stmt.(type) {
	case *sql.Select:
		node, err := planner.NewBinder(s.e.cat, nil).BindSelect(inner)
		if err != nil {
			return nil, err
		}
		text = planner.ExplainQuery(node)
	case *sql.CreateView:
		plan, err := planner.PlanView(s.e.cat, inner)
		if err != nil {
			return nil, err
		}
		opts, err := planner.ViewOptions(inner, plan, dataflow.Parallelizable(plan))
		if err != nil {
			return nil, err
		}
		text = planner.ExplainStream(inner.Name.Last().Value, plan, parallelism(opts, plan))
	default:
		return nil, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, st.Pos, "EXPLAIN supports SELECT and CREATE MATERIALIZED VIEW")
	}
	var rows [][]any
	for _, l := range strings.Split(text, "\n") {
		rows = append(rows, []any{l})
	}
	return session.TextResult(s.e.mem, explainColumns, rows, "EXPLAIN"), nil
}
