package sql

import "testing"

// TestParseFunctions runs testdata/functions: CREATE [OR REPLACE] FUNCTION
// … LANGUAGE SQL with its bodies and options, DROP FUNCTION, dollar
// quoting, and the bodies weir does not support.
func TestParseFunctions(t *testing.T) { runParseTest(t, "testdata/functions") }
