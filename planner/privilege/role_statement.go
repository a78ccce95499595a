package privilege

import (
	"fmt"
	"strings"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// Change is what a role statement changes in the catalog, decided by
// RoleStatement and written by Write: a role put, roles dropped, or grants
// changed on objects.
type Change struct {
	// Tag is the statement's command tag, Notices its notices.
	Tag     string
	Notices []string

	put   *catalog.Role
	drop  []string
	grant *sql.Grant
	objs  []*catalog.Object
}

// Write applies c to cat and w. The caller holds whatever keeps the
// catalog from changing between RoleStatement and Write (the engine's DDL
// lock).
func (c *Change) Write(cat *catalog.Catalog, w exec.StateWriter) error {
	if c.put != nil {
		if err := cat.PutRole(w, c.put); err != nil {
			return err
		}
	}
	for _, name := range c.drop {
		if err := cat.RemoveRole(w, name); err != nil {
			return err
		}
	}
	if c.grant == nil {
		return nil
	}
	privs := c.grant.Privileges
	if privs == nil {
		privs = sql.AllPrivileges
	}
	for _, o := range c.objs {
		p := cat.Grants(o.Name)
		for _, r := range c.grant.Roles {
			p[r.Value] = ChangePrivileges(p[r.Value], privs, c.grant.Revoke)
		}
		if err := cat.SetGrants(w, o.Name, p); err != nil {
			return err
		}
	}
	return nil
}

// RoleStatement checks that s may run st, a CREATE, ALTER or DROP ROLE, a
// GRANT or a REVOKE, and returns what it changes. configured is the
// server's configured superuser (server.auth.superuser) when clients
// authenticate with passwords, else empty: it must keep SUPERUSER and
// LOGIN, and cannot be dropped.
func (s Subject) RoleStatement(st sql.Statement, configured string) (*Change, error) {
	switch st := st.(type) {
	case *sql.CreateRole:
		return s.createRole(st)
	case *sql.AlterRole:
		return s.alterRole(st, configured)
	case *sql.DropRole:
		return s.dropRoles(st, configured)
	case *sql.Grant:
		return s.grant(st)
	}
	return nil, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, st.Position(), "statement %T is not supported", st)
}

func (s Subject) createRole(st *sql.CreateRole) (*Change, error) {
	if !s.Superuser() {
		return nil, sqlstate.ErrorfAt(sqlstate.InsufficientPrivilege, st.Pos, "permission denied to create role").
			WithDetail("Only roles with the SUPERUSER attribute may create roles.")
	}
	if _, exists := s.Catalog.Role(st.Name.Value); exists {
		return nil, sqlstate.ErrorfAt(sqlstate.DuplicateObject, st.Name.Pos, "role \"%s\" already exists", st.Name.Value)
	}
	if reservedRoleName(st.Name.Value) {
		return nil, sqlstate.ErrorfAt(sqlstate.ReservedName, st.Name.Pos, "role name \"%s\" is reserved", st.Name.Value)
	}
	r := &catalog.Role{Name: st.Name.Value, Login: st.User}
	notices, err := ApplyRoleOptions(r, st.Options)
	if err != nil {
		return nil, err
	}
	return &Change{Tag: "CREATE ROLE", Notices: notices, put: r}, nil
}

// reservedRoleName reports whether Postgres reserves name for itself.
func reservedRoleName(name string) bool {
	switch name {
	case catalog.PublicRole, "current_user", "session_user", "current_role", "none":
		return true
	}
	return strings.HasPrefix(name, "pg_")
}

func (s Subject) alterRole(st *sql.AlterRole, configured string) (*Change, error) {
	old, ok := s.Catalog.Role(st.Name.Value)
	if !ok {
		return nil, sqlstate.ErrorfAt(sqlstate.UndefinedObject, st.Name.Pos, "role \"%s\" does not exist", st.Name.Value)
	}
	if !s.Superuser() {
		// A role may change its own password, and nothing else.
		self := old.Name == s.User
		for _, o := range st.Options {
			if o.Kind != sql.RolePassword || !self {
				return nil, sqlstate.ErrorfAt(sqlstate.InsufficientPrivilege, st.Pos, "permission denied to alter role").
					WithDetail("Only roles with the SUPERUSER attribute may alter roles other than their own password.")
			}
		}
	}
	r := *old
	notices, err := ApplyRoleOptions(&r, st.Options)
	if err != nil {
		return nil, err
	}
	if configured != "" && r.Name == configured && !(r.Superuser && r.Login) {
		// Like Postgres' bootstrap superuser: someone must be able to log
		// in and manage roles.
		return nil, sqlstate.ErrorfAt(sqlstate.InsufficientPrivilege, st.Pos, "permission denied to alter role").
			WithDetail(fmt.Sprintf("The configured superuser \"%s\" (server.auth.superuser) must keep SUPERUSER and LOGIN.", r.Name))
	}
	return &Change{Tag: "ALTER ROLE", Notices: notices, put: &r}, nil
}

func (s Subject) dropRoles(st *sql.DropRole, configured string) (*Change, error) {
	if !s.Superuser() {
		return nil, sqlstate.ErrorfAt(sqlstate.InsufficientPrivilege, st.Pos, "permission denied to drop role").
			WithDetail("Only roles with the SUPERUSER attribute may drop roles.")
	}
	c := &Change{Tag: "DROP ROLE"}
	for _, n := range st.Names {
		if _, ok := s.Catalog.Role(n.Value); !ok {
			if st.IfExists {
				c.Notices = append(c.Notices, fmt.Sprintf("role \"%s\" does not exist, skipping", n.Value))
				continue
			}
			return nil, sqlstate.ErrorfAt(sqlstate.UndefinedObject, n.Pos, "role \"%s\" does not exist", n.Value)
		}
		switch {
		case n.Value == s.User:
			return nil, sqlstate.ErrorfAt(sqlstate.ObjectInUse, n.Pos, "current user cannot be dropped")
		case configured != "" && n.Value == configured:
			return nil, sqlstate.ErrorfAt(sqlstate.DependentObjectsStillExist, n.Pos, "role \"%s\" cannot be dropped because it is the configured superuser (server.auth.superuser)", n.Value)
		}
		// As in Postgres, a role that owns objects or holds privileges
		// stays until they are dropped, or revoked.
		var depends []string
		for _, o := range s.Catalog.List(0) {
			if o.Owner == n.Value {
				depends = append(depends, "owner of "+o.Kind.String()+" "+o.Name)
			}
			if len(s.Catalog.Grants(o.Name)[n.Value]) > 0 {
				depends = append(depends, "privileges for "+o.Kind.String()+" "+o.Name)
			}
		}
		for _, f := range s.Catalog.Functions("") {
			if f.Owner == n.Value {
				depends = append(depends, "owner of function "+f.Signature())
			}
		}
		if len(depends) > 0 {
			return nil, sqlstate.ErrorfAt(sqlstate.DependentObjectsStillExist, n.Pos, "role \"%s\" cannot be dropped because some objects depend on it", n.Value).
				WithDetail(strings.Join(depends, "\n"))
		}
		c.drop = append(c.drop, n.Value)
	}
	return c, nil
}

func (s Subject) grant(st *sql.Grant) (*Change, error) {
	c := &Change{Tag: "GRANT", grant: st}
	if st.Revoke {
		c.Tag = "REVOKE"
	}
	for _, n := range st.Objects {
		o, ok := s.Catalog.Get(n.Last().Value)
		if !ok {
			return nil, sqlstate.ErrorfAt(sqlstate.UndefinedTable, n.Position(), "relation \"%s\" does not exist", n.Last().Value)
		}
		if o.Kind == catalog.Sink {
			return nil, sqlstate.ErrorfAt(sqlstate.WrongObjectType, n.Position(), "\"%s\" is a sink, which has no privileges to grant: only its owner and superusers may drop it", o.Name)
		}
		if !s.Owns(o) {
			return nil, PermissionDenied(o, n.Position())
		}
		c.objs = append(c.objs, o)
	}
	for _, r := range st.Roles {
		if _, ok := s.Catalog.Role(r.Value); !ok && r.Value != catalog.PublicRole {
			return nil, sqlstate.ErrorfAt(sqlstate.UndefinedObject, r.Pos, "role \"%s\" does not exist", r.Value)
		}
	}
	return c, nil
}
