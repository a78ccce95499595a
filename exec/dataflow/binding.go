package dataflow

import (
	"fmt"

	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/statestore"
)

// Binding maps the state tables a plan's nodes declare to table ids.
type Binding struct {
	tables map[bindingKey]statestore.TableID
}

type bindingKey struct {
	node planner.StreamNode
	role string
}

// Table returns the id bound to node's table of role (0: none, as for the
// expiry table of an aggregate made before TTLs).
func (b Binding) Table(node planner.StreamNode, role string) statestore.TableID {
	return b.tables[bindingKey{node, role}]
}

// NumTables returns how many table ids a plan made now takes: one per
// declared table.
func NumTables(p *planner.StreamPlan) int { return len(p.StateTables()) }

// Bind binds p's declared tables (planner.StreamPlan.StateTables) to ids,
// in order, as the object's state layout says they were allocated: with
// catalog.LayoutTwoTableAggregates, aggregates own no expiry table.
func Bind(p *planner.StreamPlan, ids []statestore.TableID, layout catalog.Layout) (Binding, error) {
	b := Binding{tables: map[bindingKey]statestore.TableID{}}
	next := 0
	for _, d := range p.StateTables() {
		if layout == catalog.LayoutTwoTableAggregates && d.Table.Role == "expiry" {
			continue
		}
		if next == len(ids) {
			return Binding{}, fmt.Errorf("the plan declares more state tables than the %d the catalog holds for it (layout %d)", len(ids), layout)
		}
		b.tables[bindingKey{d.Node, d.Table.Role}] = ids[next]
		next++
	}
	if next != len(ids) {
		return Binding{}, fmt.Errorf("the plan declares %d state tables; the catalog holds %d for it (layout %d)", next, len(ids), layout)
	}
	return b, nil
}
