package sql

import "testing"

// TestParseRoles runs testdata/roles: CREATE, ALTER and DROP USER | ROLE,
// GRANT and REVOKE, and their syntax errors.
func TestParseRoles(t *testing.T) { runParseTest(t, "testdata/roles") }
