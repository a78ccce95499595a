package systables

import (
	"maps"
	"slices"
	"strings"

	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql/types"
)

// The columns of what SHOW and DESCRIBE list about the catalog; the engine
// answers those statements with them and the rows below.
var (
	// NamesColumns are the columns of SHOW STREAMS, TABLES, VIEWS and SINKS.
	NamesColumns = types.Schema{{Name: "name", Type: types.TextType}}
	// CreateColumns are SHOW CREATE's.
	CreateColumns = types.Schema{{Name: "name", Type: types.TextType}, {Name: "create_sql", Type: types.TextType}}
	// DescribeColumns are DESCRIBE's.
	DescribeColumns = types.Schema{{Name: "name", Type: types.TextType}, {Name: "type", Type: types.TextType},
		{Name: "nullable", Type: types.BoolType}, {Name: "primary_key", Type: types.BoolType}}
	// PipelinesColumns are SHOW PIPELINES'.
	PipelinesColumns = types.Schema{{Name: "name", Type: types.TextType}, {Name: "input", Type: types.TextType},
		{Name: "view", Type: types.TextType}, {Name: "sink", Type: types.TextType}, {Name: "custom_keys", Type: types.TextType}}
)

// Names returns the rows of SHOW STREAMS (TABLES, VIEWS, SINKS) listing
// objs: each one's name.
func Names(objs []*catalog.Object) [][]any {
	var rows [][]any
	for _, o := range objs {
		rows = append(rows, []any{o.Name})
	}
	return rows
}

// Describe returns DESCRIBE's rows of o: each visible column's name, type,
// whether it may be NULL and whether it is part of the primary key (a
// stream has none).
func Describe(o *catalog.Object) [][]any {
	var rows [][]any
	for i, c := range o.Columns {
		if c.Hidden {
			continue
		}
		pk := o.Kind != catalog.Stream && slices.Contains(o.Key, i)
		rows = append(rows, []any{c.Name, c.TypeName(), !c.NotNull, pk})
	}
	return rows
}

// Pipelines returns SHOW PIPELINES' rows from the objects made for each
// stream of a pipeline file (byID, by its operator_id): one row per stream,
// in operator_id order, naming its input stream, its view (NULL when the
// query does not aggregate: its sink runs it), its sink, and its custom
// keys.
func Pipelines(byID map[string][]*catalog.Object) [][]any {
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
	return rows
}
