package sql

import "testing"

// TestParseArrays runs testdata/arrays: ARRAY[…], subscripts and slices,
// op ANY | SOME | ALL (…), and array type names.
func TestParseArrays(t *testing.T) { runParseTest(t, "testdata/arrays") }
