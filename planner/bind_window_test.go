package planner

import "testing"

// TestBindWindow runs testdata/window: window function calls bound, and
// refused with Postgres' errors where Postgres refuses them.
func TestBindWindow(t *testing.T) { runPlannerTest(t, "testdata/window") }
