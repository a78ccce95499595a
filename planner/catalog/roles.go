package catalog

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/statestore"
)

// Role is a user: it may log in, own objects and hold privileges on them.
type Role struct {
	Name string
	// Password is the role's SCRAM-SHA-256 verifier in Postgres' stored
	// form (never the password itself); empty when it has none.
	Password  string `json:",omitempty"`
	Superuser bool
	Login     bool
}

// Privileges maps a role to the privileges ("SELECT", "INSERT", "UPDATE",
// "DELETE") granted to it on one object.
type Privileges map[string][]string

// Role returns the role named name.
func (c *Catalog) Role(name string) (*Role, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	r, ok := c.roles[name]
	return r, ok
}

// Roles returns every role by name.
func (c *Catalog) Roles() []*Role {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]*Role, 0, len(c.roles))
	for _, r := range c.roles {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// PutRole records r (new or changed) in the catalog and in w. Roles are
// immutable once put: a change puts a copy.
func (c *Catalog) PutRole(w exec.StateWriter, r *Role) error {
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("catalog: encode role %s: %w", r.Name, err)
	}
	if err := w.Set(roleKey(r.Name), data); err != nil {
		return err
	}
	c.mu.Lock()
	c.roles[r.Name] = r
	c.mu.Unlock()
	return nil
}

// RemoveRole deletes the role named name, and every privilege granted to
// it, from the catalog and from w.
func (c *Catalog) RemoveRole(w exec.StateWriter, name string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for obj, privs := range c.grants {
		if _, ok := privs[name]; !ok {
			continue
		}
		next := privs.without(name)
		if err := c.writeGrants(w, obj, next); err != nil {
			return err
		}
	}
	if err := w.Delete(roleKey(name)); err != nil {
		return err
	}
	delete(c.roles, name)
	return nil
}

// Grants returns a copy of the privileges granted on the object named name.
func (c *Catalog) Grants(name string) Privileges {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.grants[name].without("")
}

// PublicRole is the name GRANT and REVOKE use for every role.
const PublicRole = "public"

// HasPrivilege reports whether role holds priv on the object named name by
// a grant, to it or to PUBLIC (ownership and superusers are the caller's
// business).
func (c *Catalog) HasPrivilege(name, role, priv string) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return slices.Contains(c.grants[name][role], priv) || slices.Contains(c.grants[name][PublicRole], priv)
}

// SetGrants replaces the privileges granted on the object named name, in
// the catalog and in w.
func (c *Catalog) SetGrants(w exec.StateWriter, name string, p Privileges) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writeGrants(w, name, p.without(""))
}

// writeGrants records p as the grants on name; c.mu is held for writing.
func (c *Catalog) writeGrants(w exec.StateWriter, name string, p Privileges) error {
	if len(p) == 0 {
		if err := w.Delete(grantsKey(name)); err != nil {
			return err
		}
		delete(c.grants, name)
		return nil
	}
	data, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("catalog: encode grants on %s: %w", name, err)
	}
	if err := w.Set(grantsKey(name), data); err != nil {
		return err
	}
	c.grants[name] = p
	return nil
}

// without returns a copy of p without role's entry and without empty ones.
func (p Privileges) without(role string) Privileges {
	out := Privileges{}
	for r, privs := range p {
		if r != role && len(privs) > 0 {
			out[r] = slices.Clone(privs)
		}
	}
	return out
}

// loadRoles reads the roles and grants persisted in r into c.
func (c *Catalog) loadRoles(r exec.StateReader) error {
	lo, hi := prefixSpan('r')
	err := r.Scan(lo, hi, func(_, v []byte) (bool, error) {
		role := &Role{}
		if err := json.Unmarshal(v, role); err != nil {
			return false, fmt.Errorf("catalog: decode role: %w", err)
		}
		c.roles[role.Name] = role
		return true, nil
	})
	if err != nil {
		return err
	}
	lo, hi = prefixSpan('g')
	return r.Scan(lo, hi, func(k, v []byte) (bool, error) {
		p := Privileges{}
		if err := json.Unmarshal(v, &p); err != nil {
			return false, fmt.Errorf("catalog: decode grants: %w", err)
		}
		c.grants[string(k[len(lo):])] = p
		return true, nil
	})
}

// Roles live beside the objects in statestore.CatalogTable, vnode 0: 'r' +
// name for a role, 'g' + object name for the privileges granted on it.
func roleKey(name string) []byte {
	return statestore.AppendKey(nil, statestore.CatalogTable, 0, append([]byte{'r'}, name...))
}

func grantsKey(name string) []byte {
	return statestore.AppendKey(nil, statestore.CatalogTable, 0, append([]byte{'g'}, name...))
}

func prefixSpan(prefix byte) (lo, hi []byte) {
	lo = statestore.AppendKey(nil, statestore.CatalogTable, 0, []byte{prefix})
	return lo, statestore.PrefixEnd(lo)
}
