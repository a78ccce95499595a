package planner

import (
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// JoinKind is the kind of a Join.
type JoinKind uint8

// Join kinds. A cross join is an inner join without a condition.
const (
	InnerJoin JoinKind = iota
	LeftJoin
	RightJoin
	FullJoin
	// SemiJoin keeps the rows of Left that pair with some row of Right
	// (EXISTS, IN); AntiJoin those that pair with none (NOT EXISTS). Their
	// columns are Left's.
	SemiJoin
	AntiJoin
)

func (k JoinKind) String() string {
	switch k {
	case LeftJoin:
		return "left"
	case RightJoin:
		return "right"
	case FullJoin:
		return "full"
	case SemiJoin:
		return "semi"
	case AntiJoin:
		return "anti"
	}
	return "inner"
}

// Join pairs the rows of Left and Right for which On is true (every pair
// when On is nil); an outer join also keeps each row of its outer side(s)
// that pairs with none, with NULLs for the other side's columns. Its
// columns are Left's, then Right's; On is bound over them.
type Join struct {
	Left, Right Node
	Kind        JoinKind
	On          expr.Expr
	// SingleRow reports that Right has exactly one row (a global
	// aggregate: a scalar subquery), so the join needs no equality key.
	SingleRow bool
	// Temporal reports a temporal join, Right written `t FOR SYSTEM_TIME
	// AS OF PROCTIME()`: in a view, each row of Left meets Right's rows as
	// they are when it arrives (bind_temporal_join.go).
	Temporal bool
}

// Columns returns Left's columns, then Right's (a semi or anti join: Left's).
func (n *Join) Columns() []Col {
	if n.Kind == SemiJoin || n.Kind == AntiJoin {
		return n.Left.Columns()
	}
	return append(append([]Col(nil), n.Left.Columns()...), n.Right.Columns()...)
}

// Children returns Left and Right.
func (n *Join) Children() []Node { return []Node{n.Left, n.Right} }

// bindFromItems binds the FROM clause: one item, or several joined (a comma
// join is a cross join, its condition in WHERE), checking that no two
// items have the same name.
func (b *Binder) bindFromItems(items []sql.TableExpr) (Node, error) {
	names := map[string]bool{}
	var n Node
	for _, it := range items {
		right, err := b.bindTableExpr(it, names)
		if err != nil {
			return nil, err
		}
		if n == nil {
			n = right
		} else {
			n = &Join{Left: n, Right: right, Kind: InnerJoin}
		}
	}
	return n, nil
}

// bindTableExpr binds one FROM item, recording the names it brings into
// scope in names.
func (b *Binder) bindTableExpr(t sql.TableExpr, names map[string]bool) (Node, error) {
	j, ok := t.(*sql.JoinTableExpr)
	if !ok {
		n, err := b.bindTableItem(t)
		if err != nil {
			return nil, err
		}
		if name := itemName(n); name != "" {
			if names[name] {
				return nil, sqlstate.ErrorfAt(sqlstate.DuplicateAlias, t.Position(), "table name \"%s\" specified more than once", name)
			}
			names[name] = true
		}
		return n, nil
	}
	left, err := b.bindTableExpr(j.Left, names)
	if err != nil {
		return nil, err
	}
	rightItem, temporal, err := temporalRight(j)
	if err != nil {
		return nil, err
	}
	right, err := b.bindTableExpr(rightItem, names)
	if err != nil {
		return nil, err
	}
	join := &Join{Left: left, Right: right, Temporal: temporal}
	switch j.Kind {
	case sql.JoinLeft:
		join.Kind = LeftJoin
	case sql.JoinRight:
		join.Kind = RightJoin
	case sql.JoinFull:
		join.Kind = FullJoin
	}
	if j.On != nil {
		sc := &scope{cols: join.Columns(), renamed: renamedIn(join)}
		on, err := b.bindExpr(&exprContext{scope: sc, clause: "JOIN/ON"}, j.On, types.BoolType)
		if err != nil {
			return nil, err
		}
		if on, err = expr.RequireBool(on, "JOIN/ON"); err != nil {
			return nil, at(err, j.On.Position())
		}
		join.On = on
	}
	if len(j.Using) > 0 || j.Natural {
		return b.bindUsing(j, join)
	}
	return join, nil
}

// itemName is the name a bound FROM item brings into scope: its alias, or
// a relation's name.
func itemName(n Node) string {
	for _, c := range n.Columns() {
		return c.Table
	}
	return ""
}

// renamedIn maps the name of each relation n scans under an alias to that
// alias (a renamed relation cannot qualify its columns).
func renamedIn(n Node) map[string]string {
	var out map[string]string
	var walk func(n Node)
	walk = func(n Node) {
		switch n := n.(type) {
		case *Scan:
			if n.Alias != "" && n.Alias != n.Object.Name {
				if out == nil {
					out = map[string]string{}
				}
				out[n.Object.Name] = n.Alias
			}
		case *Join:
			walk(n.Left)
			walk(n.Right)
		case *Project:
			if usingProject(n) {
				walk(n.Input)
			}
		}
	}
	walk(n)
	return out
}
