package planner

import "testing"

// TestBindWindow runs testdata/window: window function calls bound, and
// refused with Postgres' errors where Postgres refuses them.
func TestBindWindow(t *testing.T) { runPlannerTest(t, "testdata/window") }

// TestPlanStreamWindow runs testdata/stream_window: per-group top-N views
// and the window queries a view refuses.
func TestPlanStreamWindow(t *testing.T) { runPlannerTest(t, "testdata/stream_window") }
