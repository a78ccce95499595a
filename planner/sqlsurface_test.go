package planner

import "testing"

// TestSQLSurface covers JOIN … USING, NATURAL JOIN, WITH and VALUES.
func TestSQLSurface(t *testing.T) { runPlannerTest(t, "testdata/sqlsurface") }
