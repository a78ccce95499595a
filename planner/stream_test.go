package planner

import "testing"

// TestPlanStream covers streaming plans of views: their steps, derived keys
// and whether their output is append-only.
func TestPlanStream(t *testing.T) { runPlannerTest(t, "testdata/stream") }
