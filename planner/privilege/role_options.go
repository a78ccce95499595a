package privilege

import (
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/wire/scram"
)

// ApplyRoleOptions sets the options of CREATE or ALTER ROLE on r. A
// password is kept only as its SCRAM verifier; one given already as a
// verifier is kept as is, and an empty one clears the password (with a
// notice), as in Postgres. Two options of one kind (PASSWORD twice, LOGIN
// and NOLOGIN) are a syntax error.
func ApplyRoleOptions(r *catalog.Role, opts []sql.RoleOption) (notices []string, err error) {
	seen := map[string]bool{}
	for _, o := range opts {
		group := "login"
		switch o.Kind {
		case sql.RolePassword:
			group = "password"
		case sql.RoleSuperuser, sql.RoleNoSuperuser:
			group = "superuser"
		}
		if seen[group] {
			return nil, sqlstate.ErrorfAt(sqlstate.SyntaxError, o.Pos, "conflicting or redundant options")
		}
		seen[group] = true
		switch o.Kind {
		case sql.RolePassword:
			switch {
			case o.Password == nil:
				r.Password = ""
			case *o.Password == "":
				notices = append(notices, "empty string is not a valid password, clearing password")
				r.Password = ""
			case scram.IsVerifier(*o.Password):
				r.Password = *o.Password
			default:
				v, err := scram.NewVerifier(*o.Password)
				if err != nil {
					return nil, err
				}
				r.Password = v.String()
			}
		case sql.RoleSuperuser:
			r.Superuser = true
		case sql.RoleNoSuperuser:
			r.Superuser = false
		case sql.RoleLogin:
			r.Login = true
		case sql.RoleNoLogin:
			r.Login = false
		}
	}
	return notices, nil
}
