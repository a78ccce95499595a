package planner

import "testing"

// TestPlanStreamTopN covers top-N plans of views: ORDER BY … LIMIT /
// OFFSET, their keys, state and the projections around them.
func TestPlanStreamTopN(t *testing.T) { runPlannerTest(t, "testdata/stream_topn") }
