package privilege

import (
	"fmt"

	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/wire/scram"
)

// LoginVerifier returns the SCRAM verifier of the role user when it may
// log in with a password: a role with LOGIN and a password.
func LoginVerifier(cat *catalog.Catalog, user string) (string, bool) {
	r, ok := cat.Role(user)
	if !ok || !r.Login || r.Password == "" {
		return "", false
	}
	return r.Password, true
}

// ConfiguredSuperuser returns the role the start must put so that someone
// can administer a server whose clients authenticate with passwords: the
// configured superuser name, with the password password returns, when no
// role of that name exists (existed false) or it has no password (existed
// true); nil when it exists with a password. A role of that name without
// SUPERUSER or LOGIN refuses the start: promoting it would hand the server
// to whoever holds that role's password.
func ConfiguredSuperuser(cat *catalog.Catalog, name string, password func() (string, error)) (r *catalog.Role, existed bool, err error) {
	old, exists := cat.Role(name)
	if exists && (!old.Superuser || !old.Login) {
		return nil, true, fmt.Errorf("server.auth.superuser: the role %q exists without SUPERUSER or LOGIN, so nobody could "+
			"administer the server; give it both (ALTER ROLE %s SUPERUSER LOGIN, as a superuser or in a trust start "+
			"on a loopback address) or name another role", name, name)
	}
	if exists && old.Password != "" {
		return nil, true, nil
	}
	pw, err := password()
	if err != nil {
		return nil, exists, err
	}
	v, err := scram.NewVerifier(pw)
	if err != nil {
		return nil, exists, err
	}
	return &catalog.Role{Name: name, Password: v.String(), Superuser: true, Login: true}, exists, nil
}
