package dataflow

import (
	"encoding/json"
	"fmt"

	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// Recorded returns the plan of view or sink o and the binding of its state
// tables as the catalog records them, so that what runs right after CREATE
// is exactly what every restart runs. A recorded plan that no longer fits
// the catalog gives an error with SQLSTATE 55000 and a hint to create the
// object again.
//
// An object recorded before plans were is planned once from its definition:
// Recorded then also returns a copy of o carrying that plan and its layout,
// which the caller records in o's place (o itself, which others may be
// reading, is never changed). replanned is nil when o had a plan.
func Recorded(o *catalog.Object, cat *catalog.Catalog) (plan *planner.StreamPlan, tables Binding, replanned *catalog.Object, err error) {
	if len(o.Plan) > 0 {
		plan, tables, err := UnmarshalPlan(o.Plan, cat)
		if err != nil {
			err = sqlstate.Errorf(sqlstate.ObjectNotInPrerequisiteState, "%s %s: %v", o.Kind, o.Name, err).
				WithHint("Drop the " + o.Kind.String() + " and create it again.")
		}
		return plan, tables, nil, err
	}
	plan, err = PlanDefinition(o, cat)
	if err != nil {
		return nil, Binding{}, nil, err
	}
	tables, layout, err := legacyBinding(o, plan)
	if err != nil {
		return nil, Binding{}, nil, err
	}
	var doc json.RawMessage
	if doc, err = MarshalPlan(plan, tables); err != nil {
		return nil, Binding{}, nil, err
	}
	recorded := *o
	recorded.Plan, recorded.Layout = doc, layout
	return plan, tables, &recorded, nil
}

// PlanDefinition plans view or sink o again from the text of its
// definition, against cat as it is now.
func PlanDefinition(o *catalog.Object, cat *catalog.Catalog) (*planner.StreamPlan, error) {
	stmt, err := sql.ParseOne(o.Definition)
	if err != nil {
		return nil, err
	}
	var q *sql.Select
	switch st := stmt.(type) {
	case *sql.CreateView:
		q = st.Query
	case *sql.CreateSink:
		q = st.Select()
	default:
		return nil, fmt.Errorf("definition of %s %s is a %T", o.Kind, o.Name, stmt)
	}
	node, err := planner.NewBinder(cat, nil).BindSelect(q)
	if err != nil {
		return nil, err
	}
	return planner.PlanStream(node)
}

// legacyBinding binds the state tables of o (after its first, which holds
// its rows or its sink's log) to what plan declares, for an object recorded
// before plans were, and returns the layout they were allocated in.
func legacyBinding(o *catalog.Object, plan *planner.StreamPlan) (Binding, catalog.Layout, error) {
	ids := o.StateTables[1:]
	layout := o.Layout
	if layout == catalog.LayoutUnnumbered {
		// Written before layouts had numbers, when every view and sink got
		// a source table last, used only over a stream: over a table or
		// view it is there unused (it stays in StateTables, for DROP). An
		// aggregate had two tables before TTLs, three since.
		if len(ids) > 0 && !readsStream(plan) {
			ids = ids[:len(ids)-1]
		}
		layout = catalog.LayoutDeclared
		if len(ids) == NumTables(plan)-len(plan.Aggregates()) && len(plan.Aggregates()) > 0 {
			layout = catalog.LayoutTwoTableAggregates
		}
	}
	b, err := Bind(plan, ids, layout)
	if err != nil {
		return b, layout, fmt.Errorf("%s %s: %w", o.Kind, o.Name, err)
	}
	return b, layout, nil
}

// readsStream reports whether plan reads a stream.
func readsStream(plan *planner.StreamPlan) bool {
	for _, in := range plan.Inputs() {
		if in.Kind == catalog.Stream {
			return true
		}
	}
	return false
}
