package planner

import "testing"

// TestBindSelect covers the binding of a SELECT: select lists, FROM
// (relations and subqueries), WHERE, GROUP BY and aggregates, HAVING,
// DISTINCT, ORDER BY, LIMIT and OFFSET.
func TestBindSelect(t *testing.T) {
	for _, path := range []string{"testdata/bind_select", "testdata/aggregate", "testdata/order_limit"} {
		t.Run(path, func(t *testing.T) { runPlannerTest(t, path) })
	}
}
