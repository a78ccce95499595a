package weir

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/session"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/wire/scram"
)

// openRole decides who the session is when it opens. A user that is a
// role acts with that role's rights, read afresh at every statement (so an
// ALTER or DROP takes effect at once); a role without LOGIN is refused. A
// user that is no role is a superuser: trust authentication's callers and
// the engine's own sessions (init scripts, pipelines, the Go API). A client
// that authenticated with a password (ctx marked by
// WithPasswordAuthentication) must be a role: one dropped after its
// password was checked is refused, not made a superuser.
func (s *Session) openRole(ctx context.Context) error {
	r, ok := s.e.cat.Role(s.user)
	if !ok {
		if session.PasswordAuthenticated(ctx) {
			return sqlstate.Errorf(sqlstate.InvalidAuthorization, "role \"%s\" does not exist", s.user)
		}
		s.unboundSuperuser = true
		return nil
	}
	if !r.Login {
		return sqlstate.Errorf(sqlstate.InvalidAuthorization, "role \"%s\" is not permitted to log in", s.user)
	}
	return nil
}

// IsSuperuser reports whether the session has every right (SHOW
// is_superuser parameter).
func (s *Session) IsSuperuser() bool { return s.superuser() }

// superuser reports whether the session has every right.
func (s *Session) superuser() bool {
	if s.unboundSuperuser {
		return true
	}
	r, ok := s.e.cat.Role(s.user)
	return ok && r.Superuser
}

// permissionDenied is Postgres' error for a missing privilege on o.
func permissionDenied(o *catalog.Object, pos sql.Pos) error {
	return sqlstate.ErrorfAt(sqlstate.InsufficientPrivilege, pos, "permission denied for %s %s", o.Kind, o.Name)
}

// mustBeOwner is Postgres' error for DDL on an object the session does not own.
func mustBeOwner(o *catalog.Object, pos sql.Pos) error {
	return sqlstate.ErrorfAt(sqlstate.InsufficientPrivilege, pos, "must be owner of %s %s", o.Kind, o.Name)
}

// owns reports whether the session owns o (superusers own everything).
func (s *Session) owns(o *catalog.Object) bool {
	return s.superuser() || o.Owner != "" && o.Owner == s.user && s.roleExists()
}

func (s *Session) roleExists() bool {
	_, ok := s.e.cat.Role(s.user)
	return ok || s.unboundSuperuser
}

// checkPrivilege returns 42501 unless the session may use priv on the
// relation named name (owned, or granted to its role or to PUBLIC), and,
// to read a view, unless the view's owner may still read what the view
// reads (checkOwnerReads); names that are no catalog object (system
// tables, names that fail later with their own error) pass.
func (s *Session) checkPrivilege(name sql.ObjectName, priv sql.Privilege) error {
	o, ok := s.e.cat.Get(name.Last().Value)
	if !ok {
		return nil
	}
	if !s.owns(o) && !s.e.cat.HasPrivilege(o.Name, s.user, string(priv)) {
		return permissionDenied(o, name.Position())
	}
	if priv == sql.PrivSelect && (o.Kind == catalog.View || o.Kind == catalog.PlainView) {
		return s.e.checkOwnerReads(o)
	}
	return nil
}

// checkReads checks SELECT on every relation the statement or query n
// reads: in FROM clauses, joins and subqueries anywhere.
func (s *Session) checkReads(n sql.Node) error {
	var err error
	sql.WalkTableNames(n, func(t *sql.TableName) {
		if err == nil {
			err = s.checkPrivilege(t.Name, sql.PrivSelect)
		}
	})
	return err
}

// authorize checks that the session may run st: SELECT on what a query,
// a view or a sink reads, INSERT, UPDATE or DELETE on a DML statement's
// table (and SELECT when it reads rows), ownership to drop. Any role may
// create objects, which it then owns; role statements check their own
// rights (roleStatement).
func (s *Session) authorize(st sql.Statement) error {
	if s.superuser() {
		return nil
	}
	switch st := st.(type) {
	case *sql.Select:
		return s.checkReads(st)
	case *sql.Explain:
		return s.authorize(st.Stmt)
	case *sql.CreateView:
		return s.checkReads(st)
	case *sql.CreatePlainView:
		return s.checkReads(st)
	case *sql.CreateSink:
		if st.Query != nil {
			return s.checkReads(st)
		}
		return s.checkPrivilege(st.From, sql.PrivSelect)
	case *sql.Insert:
		if err := s.checkPrivilege(st.Table, sql.PrivInsert); err != nil {
			return err
		}
		return s.checkReads(st)
	case *sql.Update:
		if err := s.checkPrivilege(st.Table, sql.PrivUpdate); err != nil {
			return err
		}
		readsRows := st.Where != nil
		for _, a := range st.Set {
			readsRows = readsRows || readsColumns(a.Value)
		}
		if readsRows {
			if err := s.checkPrivilege(st.Table, sql.PrivSelect); err != nil {
				return err
			}
		}
		return s.checkReads(st)
	case *sql.Delete:
		if err := s.checkPrivilege(st.Table, sql.PrivDelete); err != nil {
			return err
		}
		if st.Where != nil {
			if err := s.checkPrivilege(st.Table, sql.PrivSelect); err != nil {
				return err
			}
		}
		return s.checkReads(st)
	case *sql.Drop:
		if o, ok := s.e.cat.Get(st.Name.Last().Value); ok && o.Kind == catalogKind(st.Kind) && !s.owns(o) {
			return mustBeOwner(o, st.Name.Position())
		}
	case *sql.AlterViewResume:
		if o, ok := s.e.cat.Get(st.Name.Last().Value); ok && !s.owns(o) {
			return mustBeOwner(o, st.Name.Position())
		}
	}
	return nil
}

// readsColumns reports whether e reads a column (SET v = v + 1 reads the
// row, which needs SELECT).
func readsColumns(e sql.Expr) bool {
	found := false
	sql.Walk(e, func(n sql.Node) bool {
		if _, ok := n.(*sql.ColumnRef); ok {
			found = true
		}
		return !found
	})
	return found
}

// roleStatement runs CREATE, ALTER and DROP ROLE, GRANT and REVOKE.
func (s *Session) roleStatement(_ context.Context, st sql.Statement) (*Result, error) {
	e := s.e
	e.ddl.Lock()
	defer e.ddl.Unlock()
	switch st := st.(type) {
	case *sql.CreateRole:
		return s.createRole(st)
	case *sql.AlterRole:
		return s.alterRole(st)
	case *sql.DropRole:
		return s.dropRoles(st)
	case *sql.Grant:
		return s.grant(st)
	}
	return nil, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, st.Position(), "statement %T is not supported", st)
}

func (s *Session) createRole(st *sql.CreateRole) (*Result, error) {
	if !s.superuser() {
		return nil, sqlstate.ErrorfAt(sqlstate.InsufficientPrivilege, st.Pos, "permission denied to create role").
			WithDetail("Only roles with the SUPERUSER attribute may create roles.")
	}
	if _, exists := s.e.cat.Role(st.Name.Value); exists {
		return nil, sqlstate.ErrorfAt(sqlstate.DuplicateObject, st.Name.Pos, "role \"%s\" already exists", st.Name.Value)
	}
	if reservedRoleName(st.Name.Value) {
		return nil, sqlstate.ErrorfAt(sqlstate.ReservedName, st.Name.Pos, "role name \"%s\" is reserved", st.Name.Value)
	}
	r := &catalog.Role{Name: st.Name.Value, Login: st.User}
	notices, err := applyRoleOptions(r, st.Options)
	if err != nil {
		return nil, err
	}
	if err := s.e.writeNow(func(w exec.StateWriter) error { return s.e.cat.PutRole(w, r) }); err != nil {
		return nil, err
	}
	return &Result{Tag: "CREATE ROLE", Notices: notices}, nil
}

// reservedRoleName reports whether Postgres reserves name for itself.
func reservedRoleName(name string) bool {
	switch name {
	case catalog.PublicRole, "current_user", "session_user", "current_role", "none":
		return true
	}
	return len(name) >= 3 && name[:3] == "pg_"
}

func (s *Session) alterRole(st *sql.AlterRole) (*Result, error) {
	old, ok := s.e.cat.Role(st.Name.Value)
	if !ok {
		return nil, sqlstate.ErrorfAt(sqlstate.UndefinedObject, st.Name.Pos, "role \"%s\" does not exist", st.Name.Value)
	}
	if !s.superuser() {
		// A role may change its own password, and nothing else.
		self := old.Name == s.user
		for _, o := range st.Options {
			if o.Kind != sql.RolePassword || !self {
				return nil, sqlstate.ErrorfAt(sqlstate.InsufficientPrivilege, st.Pos, "permission denied to alter role").
					WithDetail("Only roles with the SUPERUSER attribute may alter roles other than their own password.")
			}
		}
	}
	r := *old
	notices, err := applyRoleOptions(&r, st.Options)
	if err != nil {
		return nil, err
	}
	if auth := s.e.cfg.Server.Auth; auth.SCRAM() && r.Name == auth.Superuser && !(r.Superuser && r.Login) {
		// Like Postgres' bootstrap superuser: someone must be able to log
		// in and manage roles.
		return nil, sqlstate.ErrorfAt(sqlstate.InsufficientPrivilege, st.Pos, "permission denied to alter role").
			WithDetail(fmt.Sprintf("The configured superuser \"%s\" (server.auth.superuser) must keep SUPERUSER and LOGIN.", r.Name))
	}
	if err := s.e.writeNow(func(w exec.StateWriter) error { return s.e.cat.PutRole(w, &r) }); err != nil {
		return nil, err
	}
	return &Result{Tag: "ALTER ROLE", Notices: notices}, nil
}

// applyRoleOptions sets the options of CREATE or ALTER ROLE on r. A
// password is kept only as its SCRAM verifier; one given already as a
// verifier is kept as is, and an empty one clears the password (with a
// notice), as in Postgres.
func applyRoleOptions(r *catalog.Role, opts []sql.RoleOption) (notices []string, err error) {
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

func (s *Session) dropRoles(st *sql.DropRole) (*Result, error) {
	if !s.superuser() {
		return nil, sqlstate.ErrorfAt(sqlstate.InsufficientPrivilege, st.Pos, "permission denied to drop role").
			WithDetail("Only roles with the SUPERUSER attribute may drop roles.")
	}
	res := &Result{Tag: "DROP ROLE"}
	var drop []string
	for _, n := range st.Names {
		if _, ok := s.e.cat.Role(n.Value); !ok {
			if st.IfExists {
				res.Notices = append(res.Notices, fmt.Sprintf("role \"%s\" does not exist, skipping", n.Value))
				continue
			}
			return nil, sqlstate.ErrorfAt(sqlstate.UndefinedObject, n.Pos, "role \"%s\" does not exist", n.Value)
		}
		switch {
		case n.Value == s.user:
			return nil, sqlstate.ErrorfAt(sqlstate.ObjectInUse, n.Pos, "current user cannot be dropped")
		case s.e.cfg.Server.Auth.SCRAM() && n.Value == s.e.cfg.Server.Auth.Superuser:
			return nil, sqlstate.ErrorfAt(sqlstate.DependentObjectsStillExist, n.Pos, "role \"%s\" cannot be dropped because it is the configured superuser (server.auth.superuser)", n.Value)
		}
		// As in Postgres, a role that owns objects or holds privileges
		// stays until they are dropped, or revoked.
		var depends []string
		for _, o := range s.e.cat.List(0) {
			if o.Owner == n.Value {
				depends = append(depends, "owner of "+o.Kind.String()+" "+o.Name)
			}
			if len(s.e.cat.Grants(o.Name)[n.Value]) > 0 {
				depends = append(depends, "privileges for "+o.Kind.String()+" "+o.Name)
			}
		}
		if len(depends) > 0 {
			return nil, sqlstate.ErrorfAt(sqlstate.DependentObjectsStillExist, n.Pos, "role \"%s\" cannot be dropped because some objects depend on it", n.Value).
				WithDetail(strings.Join(depends, "\n"))
		}
		drop = append(drop, n.Value)
	}
	err := s.e.writeNow(func(w exec.StateWriter) error {
		for _, name := range drop {
			if err := s.e.cat.RemoveRole(w, name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

func (s *Session) grant(st *sql.Grant) (*Result, error) {
	tag := "GRANT"
	if st.Revoke {
		tag = "REVOKE"
	}
	privs := st.Privileges
	if privs == nil {
		privs = sql.AllPrivileges
	}
	var objs []*catalog.Object
	for _, n := range st.Objects {
		o, ok := s.e.cat.Get(n.Last().Value)
		if !ok {
			return nil, sqlstate.ErrorfAt(sqlstate.UndefinedTable, n.Position(), "relation \"%s\" does not exist", n.Last().Value)
		}
		if o.Kind == catalog.Sink {
			return nil, sqlstate.ErrorfAt(sqlstate.WrongObjectType, n.Position(), "\"%s\" is a sink, which has no privileges to grant: only its owner and superusers may drop it", o.Name)
		}
		if !s.owns(o) {
			return nil, permissionDenied(o, n.Position())
		}
		objs = append(objs, o)
	}
	for _, r := range st.Roles {
		if _, ok := s.e.cat.Role(r.Value); !ok && r.Value != catalog.PublicRole {
			return nil, sqlstate.ErrorfAt(sqlstate.UndefinedObject, r.Pos, "role \"%s\" does not exist", r.Value)
		}
	}
	err := s.e.writeNow(func(w exec.StateWriter) error {
		for _, o := range objs {
			p := s.e.cat.Grants(o.Name)
			for _, r := range st.Roles {
				p[r.Value] = changePrivileges(p[r.Value], privs, st.Revoke)
			}
			if err := s.e.cat.SetGrants(w, o.Name, p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Result{Tag: tag}, nil
}

// changePrivileges returns have with privs added, or removed on revoke, in
// the order of sql.AllPrivileges.
func changePrivileges(have []string, privs []sql.Privilege, revoke bool) []string {
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
