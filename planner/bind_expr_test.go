package planner

import "testing"

// TestBindExpr covers the typing of scalar expressions: operators between
// mismatched types, literals and their implicit casts, functions.
func TestBindExpr(t *testing.T) { runPlannerTest(t, "testdata/bind_expr") }
