package planner

import "testing"

// TestBindSetOperations covers UNION, INTERSECT and EXCEPT: the plan each
// binds to, Postgres' type resolution across the branches, the output
// columns, ORDER BY and LIMIT over the result, and the errors.
func TestBindSetOperations(t *testing.T) {
	runPlannerTest(t, "testdata/set_operations")
}
