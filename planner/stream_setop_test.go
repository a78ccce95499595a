package planner

import "testing"

// TestPlanStreamSetOp runs testdata/stream_setop: INTERSECT and EXCEPT [ALL]
// in views, planned as a union counted per distinct row.
func TestPlanStreamSetOp(t *testing.T) { runPlannerTest(t, "testdata/stream_setop") }
