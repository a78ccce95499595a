//go:build duckdb_arrow

package weir

import (
	"fmt"
	"strings"

	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/statestore"
)

// StateKeysByRole returns how many keys each state table of s holds, as of
// the last committed epoch, by the plan node and role query's plan (the
// query s runs) declares it under, e.g. "StreamHashJoin left expiry": s's
// tables are bound in the order the plan declares them.
func (s *Subscription) StateKeysByRole(query string) (map[string]int64, error) {
	stmt, err := sql.ParseOne(query)
	if err != nil {
		return nil, err
	}
	s.e.ddl.Lock()
	node, err := planner.NewBinder(s.e.cat, nil).BindSelect(stmt.(*sql.Select))
	s.e.ddl.Unlock()
	if err != nil {
		return nil, err
	}
	plan, err := planner.PlanStream(node)
	if err != nil {
		return nil, err
	}
	declared := plan.StateTables()
	if len(declared) != len(s.tables) {
		return nil, fmt.Errorf("the plan declares %d tables, the subscription has %d", len(declared), len(s.tables))
	}
	out := map[string]int64{}
	for i, d := range declared {
		role := strings.TrimPrefix(fmt.Sprintf("%T", d.Node), "*planner.") + " " + d.Table.Role
		lo, hi := statestore.TableSpan(s.tables[i])
		if err := s.e.store.Scan(lo, hi, func(_, _ []byte) (bool, error) {
			out[role]++
			return true, nil
		}); err != nil {
			return nil, err
		}
	}
	return out, nil
}
