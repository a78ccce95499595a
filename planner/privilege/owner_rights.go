package privilege

import (
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
)

// RoleMaySelect reports whether the role called role may read o: it owns
// o, is a superuser, or holds SELECT on o (itself or through PUBLIC). An
// owner that is no role (the engine's own sessions, trust users, objects
// made before roles existed) made o as a superuser, and has every right.
func RoleMaySelect(cat *catalog.Catalog, role string, o *catalog.Object) bool {
	if role == "" {
		return true
	}
	r, ok := cat.Role(role)
	if !ok || r.Superuser || o.Owner == role {
		return true
	}
	return cat.HasPrivilege(o.Name, role, string(sql.PrivSelect))
}

// CheckOwnerReads returns 42501 unless the owner of o, a view or a sink,
// still holds SELECT on every relation o reads, and so on down through the
// views among them, each with its own owner's rights: as in Postgres, a
// view reads its relations with its owner's rights, checked each time it
// is read, so a REVOKE reaches the views and sinks made before it. The
// error has no position: the relation it names is not in the statement.
func CheckOwnerReads(cat *catalog.Catalog, o *catalog.Object) error {
	seen := map[string]bool{}
	var check func(o *catalog.Object) error
	check = func(o *catalog.Object) error {
		if seen[o.Name] {
			return nil
		}
		seen[o.Name] = true
		// Uses names every relation the recorded plan reads.
		for _, name := range o.Uses {
			r, ok := cat.Get(name)
			if !ok {
				continue
			}
			if !RoleMaySelect(cat, o.Owner, r) {
				return PermissionDenied(r, -1)
			}
			if r.Kind == catalog.View || r.Kind == catalog.PlainView {
				if err := check(r); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return check(o)
}
