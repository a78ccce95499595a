package planner

import (
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
)

// PlanSink binds and plans the query of CREATE SINK st over cat as it is.
func PlanSink(cat *catalog.Catalog, st *sql.CreateSink) (*StreamPlan, error) {
	node, err := NewBinder(cat, nil).BindSelect(st.Select())
	if err != nil {
		return nil, err
	}
	plan, err := PlanStream(node)
	if err != nil {
		return nil, At(err, st.Pos)
	}
	return plan, nil
}
