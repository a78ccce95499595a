package weir

import (
	"context"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/planner/privilege"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/session"
)

// The rules of roles and privileges are planner/privilege's; the methods
// here hand it the session's user and the engine's catalog, and write what
// role statements change.

// subject is who the session's statements run as.
func (s *Session) subject() privilege.Subject {
	return privilege.Subject{Catalog: s.e.cat, User: s.user, Unbound: s.unboundSuperuser}
}

// openRole decides who the session is when it opens (privilege.Open): a
// role acts with its rights, read afresh at every statement; a user that is
// no role is a superuser unless it authenticated with a password.
func (s *Session) openRole(ctx context.Context) error {
	unbound, err := privilege.Open(s.e.cat, s.user, session.PasswordAuthenticated(ctx))
	s.unboundSuperuser = unbound
	return err
}

// IsSuperuser reports whether the session has every right (SHOW
// is_superuser parameter).
func (s *Session) IsSuperuser() bool { return s.superuser() }

// superuser reports whether the session has every right.
func (s *Session) superuser() bool { return s.subject().Superuser() }

// owns reports whether the session owns o (superusers own everything).
func (s *Session) owns(o *catalog.Object) bool { return s.subject().Owns(o) }

// mustBeOwner is Postgres' error for DDL on an object the session does not own.
func mustBeOwner(o *catalog.Object, pos sql.Pos) error { return privilege.MustBeOwner(o, pos) }

// authorize checks that the session may run st (privilege.Subject.Authorize).
func (s *Session) authorize(st sql.Statement) error { return s.subject().Authorize(st) }

// mayObserve reports whether the session may see what the system tables
// say about the object called name.
func (s *Session) mayObserve(name string) bool { return s.subject().MayObserve(name) }

// createStatement returns the definition SHOW CREATE prints of o, secrets
// masked for all but superusers.
func (s *Session) createStatement(o *catalog.Object, pos sql.Pos) (string, error) {
	return s.subject().CreateStatement(o, pos)
}

// checkOwnerReads returns 42501 unless the owner of o, a view or a sink,
// may still read everything o reads (privilege.CheckOwnerReads).
func (e *Engine) checkOwnerReads(o *catalog.Object) error { return privilege.CheckOwnerReads(e.cat, o) }

// roleStatement runs CREATE, ALTER and DROP ROLE, GRANT and REVOKE.
func (s *Session) roleStatement(_ context.Context, st sql.Statement) (*Result, error) {
	e := s.e
	e.ddl.Lock()
	defer e.ddl.Unlock()
	configured := ""
	if auth := e.cfg.Server.Auth; auth.SCRAM() {
		configured = auth.Superuser
	}
	c, err := s.subject().RoleStatement(st, configured)
	if err != nil {
		return nil, err
	}
	if err := e.writeNow(func(w exec.StateWriter) error { return c.Write(e.cat, w) }); err != nil {
		return nil, err
	}
	return &Result{Tag: c.Tag, Notices: c.Notices}, nil
}
