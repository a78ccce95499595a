package expr

import "testing"

func TestDistinctFrom(t *testing.T) { runExprTest(t, "testdata/distinct") }
