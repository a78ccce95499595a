package weir

import (
	"maps"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

var (
	showColumns       = types.Schema{{Name: "name", Type: types.TextType}}
	showCreateColumns = types.Schema{{Name: "name", Type: types.TextType}, {Name: "create_sql", Type: types.TextType}}
	describeColumns   = types.Schema{{Name: "name", Type: types.TextType}, {Name: "type", Type: types.TextType},
		{Name: "nullable", Type: types.BoolType}, {Name: "primary_key", Type: types.BoolType}}
	explainColumns = types.Schema{{Name: "QUERY PLAN", Type: types.TextType}}
)

// textResult returns a result of text and boolean columns built from rows.
func textResult(mem memory.Allocator, schema types.Schema, rows [][]any, tag string) *Result {
	as := schema.Arrow()
	b := array.NewRecordBuilder(mem, as)
	defer b.Release()
	for _, row := range rows {
		for i, v := range row {
			switch v := v.(type) {
			case string:
				b.Field(i).(*array.StringBuilder).Append(v)
			case bool:
				b.Field(i).(*array.BooleanBuilder).Append(v)
			case nil:
				b.Field(i).AppendNull()
			}
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	rdr, _ := array.NewRecordReader(as, []arrow.RecordBatch{rec})
	return &Result{Columns: schema, Rows: rdr, Tag: tag}
}

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
		return s.showPipelines(), nil
	case sql.ShowVariable:
		return s.showParam(st)
	}
	var rows [][]any
	for _, o := range s.e.cat.List(kind) {
		rows = append(rows, []any{o.Name})
	}
	return textResult(s.e.mem, showColumns, rows, "SHOW"), nil
}

// showPipelinesColumns are SHOW PIPELINES' columns.
var showPipelinesColumns = types.Schema{{Name: "name", Type: types.TextType}, {Name: "input", Type: types.TextType},
	{Name: "view", Type: types.TextType}, {Name: "sink", Type: types.TextType}, {Name: "custom_keys", Type: types.TextType}}

// showPipelines lists the streams of pipeline files by operator_id, with
// the objects each compiled to (view is NULL when the query does not
// aggregate: its sink runs it).
func (s *Session) showPipelines() *Result {
	byID := s.e.pipelineObjects()
	var rows [][]any
	for _, id := range slices.Sorted(maps.Keys(byID)) {
		row := []any{id, nil, nil, nil, nil}
		for _, o := range byID[id] {
			if len(o.PipelineKeys) > 0 {
				row[4] = strings.Join(o.PipelineKeys, ",")
			}
			switch o.Kind {
			case catalog.Stream:
				row[1] = o.Name
			case catalog.View:
				row[2] = o.Name
			case catalog.Sink:
				row[3] = o.Name
			}
		}
		rows = append(rows, row)
	}
	return textResult(s.e.mem, showPipelinesColumns, rows, "SHOW")
}

func (s *Session) lookup(name sql.ObjectName) (*catalog.Object, error) {
	o, ok := s.e.cat.Get(name.Last().Value)
	if !ok {
		return nil, sqlstate.ErrorfAt(sqlstate.UndefinedTable, name.Position(), "relation \"%s\" does not exist", name.Last().Value)
	}
	return o, nil
}

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
	return textResult(s.e.mem, showCreateColumns, [][]any{{o.Name, def}}, "SHOW"), nil
}

func (s *Session) describe(st *sql.Describe) (*Result, error) {
	o, err := s.lookup(st.Name)
	if err != nil {
		return nil, err
	}
	var rows [][]any
	for i, c := range o.Columns {
		if c.Hidden {
			continue
		}
		pk := false
		if o.Kind != catalog.Stream {
			for _, k := range o.Key {
				pk = pk || k == i
			}
		}
		rows = append(rows, []any{c.Name, c.TypeName(), !c.NotNull, pk})
	}
	return textResult(s.e.mem, describeColumns, rows, "DESCRIBE"), nil
}

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
		plan, err := s.planView(inner)
		if err != nil {
			return nil, err
		}
		opts, err := viewOptions(inner, plan)
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
	return textResult(s.e.mem, explainColumns, rows, "EXPLAIN"), nil
}
