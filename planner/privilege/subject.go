// Package privilege decides what a role may do with the catalog's objects:
// who may read, write or own which object, which statements a role may run,
// what the system tables and SHOW CREATE show it, the owner-rights rule of
// views, and what CREATE, ALTER and DROP ROLE, GRANT and REVOKE change. It
// reads roles and grants from a catalog.Catalog afresh at every question, so
// an ALTER, DROP or REVOKE takes effect at once; it writes only through a
// Change the caller applies. It knows no session or engine: the caller hands
// it a Subject.
package privilege

import (
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// Subject is who runs a statement: the session's user, whose role (if any)
// is looked up in Catalog each time it is asked about.
type Subject struct {
	Catalog *catalog.Catalog
	User    string
	// Unbound is set when User was no role when the session opened (Open):
	// the session is a superuser, whatever roles are made later.
	Unbound bool
}

// Open decides who a session for user is when it opens. A user that is a
// role acts with that role's rights; a role without LOGIN is refused. A
// user that is no role is a superuser (unbound true): trust
// authentication's callers and the engine's own sessions (init scripts,
// pipelines, the Go API). A client that authenticated with a password
// (passwordAuthenticated) must be a role: one dropped after its password
// was checked is refused, not made a superuser.
func Open(cat *catalog.Catalog, user string, passwordAuthenticated bool) (unbound bool, err error) {
	r, ok := cat.Role(user)
	if !ok {
		if passwordAuthenticated {
			return false, sqlstate.Errorf(sqlstate.InvalidAuthorization, "role \"%s\" does not exist", user)
		}
		return true, nil
	}
	if !r.Login {
		return false, sqlstate.Errorf(sqlstate.InvalidAuthorization, "role \"%s\" is not permitted to log in", user)
	}
	return false, nil
}

// Superuser reports whether s has every right.
func (s Subject) Superuser() bool {
	if s.Unbound {
		return true
	}
	r, ok := s.Catalog.Role(s.User)
	return ok && r.Superuser
}

// Owns reports whether s owns o (superusers own everything). A role
// dropped and made again under the same name owns what the old one owned
// only once it exists.
func (s Subject) Owns(o *catalog.Object) bool {
	return s.Superuser() || o.Owner != "" && o.Owner == s.User && s.exists()
}

// exists reports whether s is a role, or a superuser without one.
func (s Subject) exists() bool {
	_, ok := s.Catalog.Role(s.User)
	return ok || s.Unbound
}

// PermissionDenied is Postgres' error for a missing privilege on o (pos -1:
// no position).
func PermissionDenied(o *catalog.Object, pos sql.Pos) error {
	return sqlstate.ErrorfAt(sqlstate.InsufficientPrivilege, pos, "permission denied for %s %s", o.Kind, o.Name)
}

// MustBeOwner is Postgres' error for DDL on an object the session does not own.
func MustBeOwner(o *catalog.Object, pos sql.Pos) error {
	return sqlstate.ErrorfAt(sqlstate.InsufficientPrivilege, pos, "must be owner of %s %s", o.Kind, o.Name)
}
