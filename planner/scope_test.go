package planner

import "testing"

// TestScope covers name resolution: unknown, qualified and ambiguous columns.
func TestScope(t *testing.T) { runPlannerTest(t, "testdata/scope") }
