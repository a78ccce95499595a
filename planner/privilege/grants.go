package privilege

import (
	"slices"

	"github.com/weir-stream/weir/sql"
)

// ChangePrivileges returns have with privs added, or removed on revoke, in
// the order of sql.AllPrivileges.
func ChangePrivileges(have []string, privs []sql.Privilege, revoke bool) []string {
	var out []string
	for _, p := range sql.AllPrivileges {
		held := slices.Contains(have, string(p))
		named := slices.Contains(privs, p)
		if revoke && held && !named || !revoke && (held || named) {
			out = append(out, string(p))
		}
	}
	return out
}
