package planner

import (
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// scope is the set of columns a name can resolve to: the output columns of
// the FROM clause.
type scope struct {
	cols []Col
	// renamed maps the name of a relation the FROM clause gave an alias to
	// that alias: the name can no longer qualify its columns.
	renamed map[string]string
	// outer, for a correlated subquery's scope, is the enclosing query's:
	// cols is then outer's columns followed by the subquery's own, and a
	// name the subquery's own do not have resolves in outer.
	outer *scope
}

// resolve returns the index of the column ref names.
func (s *scope) resolve(ref *sql.ColumnRef) (int, error) {
	if s.outer != nil {
		return s.resolveCorrelated(ref)
	}
	found := -1
	if ref.Table != nil {
		known := false
		for i, c := range s.cols {
			if c.Hidden || c.Table != ref.Table.Value {
				continue
			}
			known = true
			if c.Name == ref.Name.Value {
				if found >= 0 {
					return 0, sqlstate.ErrorfAt(sqlstate.AmbiguousColumn, ref.Position(),
						"column reference \"%s.%s\" is ambiguous", ref.Table.Value, ref.Name.Value)
				}
				found = i
			}
		}
		if alias, ok := s.renamed[ref.Table.Value]; ok && !known {
			return 0, sqlstate.ErrorfAt(sqlstate.UndefinedTable, ref.Position(),
				"invalid reference to FROM-clause entry for table \"%s\"", ref.Table.Value).
				WithHint("Perhaps you meant to reference the table alias \"" + alias + "\".")
		}
		if !known {
			return 0, sqlstate.ErrorfAt(sqlstate.UndefinedTable, ref.Position(),
				"missing FROM-clause entry for table \"%s\"", ref.Table.Value)
		}
		if found < 0 {
			return 0, sqlstate.ErrorfAt(sqlstate.UndefinedColumn, ref.Position(),
				"column %s.%s does not exist", ref.Table.Value, ref.Name.Value)
		}
		return found, nil
	}
	for i, c := range s.cols {
		if !c.Hidden && !c.QualifiedOnly && c.Name == ref.Name.Value {
			if found >= 0 {
				return 0, sqlstate.ErrorfAt(sqlstate.AmbiguousColumn, ref.Position(),
					"column reference \"%s\" is ambiguous", ref.Name.Value)
			}
			found = i
		}
	}
	if found < 0 {
		return 0, sqlstate.ErrorfAt(sqlstate.UndefinedColumn, ref.Position(),
			"column \"%s\" does not exist", ref.Name.Value)
	}
	return found, nil
}
