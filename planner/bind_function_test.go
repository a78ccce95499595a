package planner

import (
	"testing"

	"github.com/weir-stream/weir/sql"
)

// TestBindFunctions runs testdata/functions: SQL functions inlined where
// they are called (in queries and views), overloads, STRICT, the checks
// of CREATE FUNCTION and DROP FUNCTION's refusal of a function a view
// calls.
func TestBindFunctions(t *testing.T) { runPlannerTest(t, "testdata/functions") }

// functionStatement runs CREATE or DROP FUNCTION st as a superuser.
func (tc *testCatalog) functionStatement(st sql.Statement) error {
	c, err := FunctionStatement(tc.cat, st, "", true)
	if err != nil {
		return err
	}
	return c.Write(tc.cat, discardWriter{})
}
