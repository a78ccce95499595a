//go:build duckdb_arrow

package adhoc

import (
	"errors"
	"maps"
	"regexp"

	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// Lookup returns what the relation a query names at t reads: its Schema
// and Scan (Prepare sets its Name and Display), or the error that naming it
// is (an unknown relation, one that cannot be queried).
type Lookup func(t *sql.TableName) (Relation, error)

// Prepare returns st as the text DuckDB runs, and the relations it reads.
// Every table name becomes the relation lookup returns for it (called once
// per name, at its first table name in the order written), loaded under a
// name of TempName's and aliased by the user's name; a / b and a % b become
// DivFunc and ModFunc, which fail on a zero divisor as Postgres does (and a
// select item without an alias that divides keeps the name Postgres gives
// it); each select item in literals (Binder.ResolvedLiterals, or
// SetOpLiterals: a literal a set operation typed) is cast to its type. st
// is rewritten to print it and is as it was when Prepare returns.
func (e *Engine) Prepare(st *sql.Select, literals map[*sql.SelectItem]types.T, lookup Lookup) (string, []Relation, error) {
	var undo []func()
	defer func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}()
	nameOutputColumns(st, &undo)
	// Catalog functions read pg_catalog relations: rewritten first, so
	// that those are looked up with the rest.
	if err := rewritePgCatalogFuncs(st, &undo, lookup); err != nil {
		return "", nil, err
	}
	var rels []Relation
	var err error
	names := map[string]string{}
	sql.WalkTableNames(st, func(t *sql.TableName) {
		if err != nil {
			return
		}
		name, key := t.Name.Last().Value, systemTableName(t)
		tmp, seen := names[key]
		if !seen {
			var rel Relation
			if rel, err = lookup(t); err != nil {
				return
			}
			tmp = e.TempName(name)
			rel.Name, rel.Display = tmp, name
			rels = append(rels, rel)
			names[key] = tmp
		}
		oldName, oldAlias := t.Name, t.Alias
		if t.Alias == nil {
			t.Alias = &sql.Name{Value: name}
		}
		t.Name = sql.ObjectName{Parts: []sql.Name{{Value: tmp, Quoted: true}}}
		undo = append(undo, func() { t.Name, t.Alias = oldName, oldAlias })
	})
	if err != nil {
		return "", nil, err
	}
	for it, t := range literals {
		e := it.Expr
		it.Expr = &sql.CastExpr{Pos: e.Position(), Expr: e, Type: sql.TypeName{Type: t}}
		undo = append(undo, func() { it.Expr = e })
	}
	nameDivisions(st, &undo)
	renameEvery(st, &undo)
	if err := rewriteScalarFuncs(st, &undo); err != nil {
		return "", nil, err
	}
	if err := rewriteArrays(st, &undo); err != nil {
		return "", nil, err
	}
	undoDivisions, err := sql.RewriteExprs(st, divisionCall)
	if err != nil {
		return "", nil, err
	}
	undo = append(undo, undoDivisions)
	return sql.String(st), rels, nil
}

// SetOpLiterals returns the ResolvedLiterals of each set operation in st
// that binds on its own against cat, for Prepare when st as a whole does
// not bind: the binder stops at what it leaves to DuckDB (a join), maybe
// before the set operations in a subquery.
func SetOpLiterals(cat *catalog.Catalog, st *sql.Select) map[*sql.SelectItem]types.T {
	out := map[*sql.SelectItem]types.T{}
	sql.Walk(st, func(n sql.Node) bool {
		q, ok := n.(*sql.Select)
		if !ok || q.Set == nil {
			return true
		}
		b := planner.NewBinder(cat, nil)
		if _, err := b.BindSelect(q); err != nil {
			return true // its operands may hold some that bind
		}
		maps.Copy(out, b.ResolvedLiterals)
		return false
	})
	return out
}

// divisionCall is the RewriteExprs function that writes a / b and a % b as
// DivFunc(a, b) and ModFunc(a, b).
func divisionCall(e sql.Expr) (sql.Expr, error) {
	b, ok := e.(*sql.BinaryExpr)
	if !ok || b.Op != sql.OpDiv && b.Op != sql.OpMod {
		return e, nil
	}
	fn := DivFunc
	if b.Op == sql.OpMod {
		fn = ModFunc
	}
	return &sql.FuncCall{Pos: b.Pos, Name: sql.Name{Value: fn}, Args: []sql.Expr{b.Left, b.Right}}, nil
}

// nameDivisions gives every select item under st that has no alias and
// holds a division the name Postgres would give it, before divisionCall
// makes DuckDB name it after DivFunc; undo gets what takes the names off.
func nameDivisions(st *sql.Select, undo *[]func()) {
	sql.Walk(st, func(n sql.Node) bool {
		if sel, ok := n.(*sql.Select); ok {
			for i := range sel.Items {
				it := &sel.Items[i]
				if it.Star || it.Alias != nil || !hasDivision(it.Expr) {
					continue
				}
				it.Alias = &sql.Name{Value: columnName(it.Expr), Quoted: true}
				*undo = append(*undo, func() { it.Alias = nil })
			}
		}
		return true
	})
}

// hasDivision reports whether e divides (a / or %).
func hasDivision(e sql.Expr) bool {
	found := false
	if e == nil {
		return false
	}
	sql.Walk(e, func(n sql.Node) bool {
		if b, ok := n.(*sql.BinaryExpr); ok && (b.Op == sql.OpDiv || b.Op == sql.OpMod) {
			found = true
		}
		return !found
	})
	return found
}

// columnName is the name Postgres gives a select item without an alias:
// a column's or a function's name, and ?column? for other expressions
// (where Postgres names a cast after its type).
func columnName(e sql.Expr) string {
	switch e := e.(type) {
	case *sql.ColumnRef:
		return e.Name.Value
	case *sql.FuncCall:
		return e.Name.Value
	case *sql.ParenExpr:
		return columnName(e.Expr)
	case *sql.CaseExpr:
		return "case"
	}
	return "?column?"
}

// UserError returns err, an error of the text Prepare made of st, with its
// position in st's text: DuckDB's is in the rewritten text, so an error
// that names a column or a function points where st first writes it (and
// nowhere when st does not). Other errors are returned as they are.
func UserError(st *sql.Select, err error) error {
	var se *sqlstate.Error
	if !errors.As(err, &se) {
		return err
	}
	c := *se
	c.Position = userPosition(st, se)
	return &c
}

// errorName finds the column or function an error names: column "x" or
// column t.x (42703), column reference "x" (42702), function f (42883).
var errorName = regexp.MustCompile(`^(?:column (?:reference )?"([^"]+)"|column ([^ ."]+)\.([^ "]+)|function ([^( ]+))`)

// userPosition returns where in st the column or function that se names
// is first written, or -1.
func userPosition(st *sql.Select, se *sqlstate.Error) int {
	m := errorName.FindStringSubmatch(se.Message)
	if m == nil {
		return -1
	}
	table, col, fn := "", m[1], m[4]
	if m[2] != "" {
		table, col = m[2], m[3]
	}
	pos := -1
	sql.Walk(st, func(n sql.Node) bool {
		if pos >= 0 {
			return false // the first in the statement's order
		}
		switch n := n.(type) {
		case *sql.ColumnRef:
			if col != "" && n.Name.Value == col && (table == "" || n.Table != nil && n.Table.Value == table) {
				pos = int(n.Name.Pos)
				if n.Table != nil {
					pos = int(n.Table.Pos)
				}
			}
		case *sql.FuncCall:
			if fn != "" && n.Name.Value == fn {
				pos = int(n.Pos)
			}
		}
		return pos < 0
	})
	return pos
}
