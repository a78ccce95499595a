package planner

import "testing"

// TestSemiJoin covers subqueries in expressions bound and planned as joins:
// IN, NOT IN, EXISTS, NOT EXISTS, correlated or not, and scalar subqueries.
func TestSemiJoin(t *testing.T) { runPlannerTest(t, "testdata/semijoin") }
