package privilege

import (
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
)

// Check returns 42501 unless s may use priv on the relation named name
// (owned, or granted to its role or to PUBLIC), and, to read a view, unless
// the view's owner may still read what the view reads (CheckOwnerReads);
// names that are no catalog object (system tables, names that fail later
// with their own error) pass.
func (s Subject) Check(name sql.ObjectName, priv sql.Privilege) error {
	o, ok := s.Catalog.Get(name.Last().Value)
	if !ok {
		return nil
	}
	if !s.Owns(o) && !s.Catalog.HasPrivilege(o.Name, s.User, string(priv)) {
		return PermissionDenied(o, name.Position())
	}
	if priv == sql.PrivSelect && (o.Kind == catalog.View || o.Kind == catalog.PlainView) {
		return CheckOwnerReads(s.Catalog, o)
	}
	return nil
}

// CheckReads checks SELECT on every relation the statement or query n
// reads: in FROM clauses, joins and subqueries anywhere.
func (s Subject) CheckReads(n sql.Node) error {
	var err error
	sql.WalkTableNames(n, func(t *sql.TableName) {
		if err == nil {
			err = s.Check(t.Name, sql.PrivSelect)
		}
	})
	return err
}

// Authorize checks that s may run st: SELECT on what a query, a view or a
// sink reads, INSERT, UPDATE or DELETE on a DML statement's table (and
// SELECT when it reads rows), ownership to drop or resume. Any role may
// create objects, which it then owns; role statements check their own
// rights (RoleStatement).
func (s Subject) Authorize(st sql.Statement) error {
	if s.Superuser() {
		return nil
	}
	switch st := st.(type) {
	case *sql.Select:
		return s.CheckReads(st)
	case *sql.Explain:
		return s.Authorize(st.Stmt)
	case *sql.DeclareCursor:
		return s.CheckReads(st.Query)
	case *sql.CreateView:
		return s.CheckReads(st)
	case *sql.CreatePlainView:
		return s.CheckReads(st)
	case *sql.CreateSink:
		if st.Query != nil {
			return s.CheckReads(st)
		}
		return s.Check(st.From, sql.PrivSelect)
	case *sql.Insert:
		if err := s.Check(st.Table, sql.PrivInsert); err != nil {
			return err
		}
		return s.CheckReads(st)
	case *sql.Update:
		if err := s.Check(st.Table, sql.PrivUpdate); err != nil {
			return err
		}
		readsRows := st.Where != nil
		for _, a := range st.Set {
			readsRows = readsRows || readsColumns(a.Value)
		}
		if readsRows {
			if err := s.Check(st.Table, sql.PrivSelect); err != nil {
				return err
			}
		}
		return s.CheckReads(st)
	case *sql.Delete:
		if err := s.Check(st.Table, sql.PrivDelete); err != nil {
			return err
		}
		if st.Where != nil {
			if err := s.Check(st.Table, sql.PrivSelect); err != nil {
				return err
			}
		}
		return s.CheckReads(st)
	case *sql.Drop:
		if o, ok := s.Catalog.Get(st.Name.Last().Value); ok && o.Kind == planner.CatalogKind(st.Kind) && !s.Owns(o) {
			return MustBeOwner(o, st.Name.Position())
		}
	case *sql.AlterViewResume:
		if o, ok := s.Catalog.Get(st.Name.Last().Value); ok && !s.Owns(o) {
			return MustBeOwner(o, st.Name.Position())
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
