// Package planner turns parsed SQL into plans: the binder resolves names and
// types against the catalog (Postgres rules and error codes) into a logical
// plan of immutable nodes; streaming plans turn a view's logical plan into the
// chain of operators that maintains it; EXPLAIN prints either.
package planner

import (
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/types"
)

// Col is an output column of a plan node. Table is the name the column can be
// qualified with (a table name or alias); Hidden columns are carried for keys
// but not selected by `*` nor shown to users.
type Col struct {
	Table  string
	Name   string
	Type   types.T
	Hidden bool
	// QualifiedOnly columns are named only as Table.Name, and selected by
	// Table.* but not by *: a side's column of a JOIN … USING, which the
	// merged column stands for otherwise (bind_using.go).
	QualifiedOnly bool
}

// Node is a logical plan node. Nodes are immutable: rules build new ones.
type Node interface {
	// Columns returns the node's output columns.
	Columns() []Col
	// Children returns the node's inputs.
	Children() []Node
}

// Scan reads a catalog object: the rows of a table or view, or the records of a stream.
type Scan struct {
	Object *catalog.Object
	Alias  string
}

// Filter keeps the rows for which Pred is true.
type Filter struct {
	Input Node
	Pred  expr.Expr
}

// Project computes one output column per expression.
type Project struct {
	Input Node
	Exprs []expr.Expr
	Cols  []Col
}

// Aggregate groups its input by the first NumGroup input columns and computes
// Aggs (whose arguments are columns of the input) per group. Output: the group
// columns, then one column per aggregate.
type Aggregate struct {
	Input    Node
	NumGroup int
	Aggs     []expr.Aggregate
	Cols     []Col
}

// SortKey is one ORDER BY key over an input column.
type SortKey struct {
	Column     int
	Desc       bool
	NullsFirst bool
}

// Sort orders its input (ad-hoc queries only).
type Sort struct {
	Input Node
	Keys  []SortKey
}

// Limit skips Offset rows and returns at most Count (-1: all) (ad-hoc queries only).
type Limit struct {
	Input  Node
	Count  int64
	Offset int64
}

// Values is a constant relation: SELECT without FROM.
type Values struct {
	Rows [][]expr.Expr
	Cols []Col
}

// Union is UNION ALL: the rows of every input, two or more. Each input
// has exactly the union's columns, in order and of its types (the binder
// casts the branches of a set operation to their common types), and no
// hidden ones. Cols are named after the first input's, unqualified.
// UNION (distinct) is an Aggregate grouping by every column, with no
// aggregates, over a Union.
type Union struct {
	Inputs []Node
	Cols   []Col
}

// SetOp is INTERSECT or EXCEPT, with ALL or not, of two inputs that have
// exactly its columns, as a Union's have (ad-hoc queries only).
type SetOp struct {
	Op          sql.SetOpKind // sql.SetIntersect or sql.SetExcept
	All         bool
	Left, Right Node
	Cols        []Col
}

// Columns returns the object's columns, qualified by the alias or name.
func (n *Scan) Columns() []Col {
	q := n.Alias
	if q == "" {
		q = n.Object.Name
	}
	cols := make([]Col, len(n.Object.Columns))
	for i, c := range n.Object.Columns {
		cols[i] = Col{Table: q, Name: c.Name, Type: c.Type, Hidden: c.Hidden}
	}
	return cols
}

// Columns returns the input's columns.
func (n *Filter) Columns() []Col { return n.Input.Columns() }

// Columns returns the projected columns.
func (n *Project) Columns() []Col { return n.Cols }

// Columns returns the group columns then the aggregates.
func (n *Aggregate) Columns() []Col { return n.Cols }

// Columns returns the input's columns.
func (n *Sort) Columns() []Col { return n.Input.Columns() }

// Columns returns the input's columns.
func (n *Limit) Columns() []Col { return n.Input.Columns() }

// Columns returns the constant columns.
func (n *Values) Columns() []Col { return n.Cols }

// Columns returns the union's columns.
func (n *Union) Columns() []Col { return n.Cols }

// Columns returns the set operation's columns.
func (n *SetOp) Columns() []Col { return n.Cols }

// Children of a leaf are none.
func (n *Scan) Children() []Node { return nil }

// Children returns the input.
func (n *Filter) Children() []Node { return []Node{n.Input} }

// Children returns the input.
func (n *Project) Children() []Node { return []Node{n.Input} }

// Children returns the input.
func (n *Aggregate) Children() []Node { return []Node{n.Input} }

// Children returns the input.
func (n *Sort) Children() []Node { return []Node{n.Input} }

// Children returns the input.
func (n *Limit) Children() []Node { return []Node{n.Input} }

// Children of a leaf are none.
func (n *Values) Children() []Node { return nil }

// Children returns the inputs.
func (n *Union) Children() []Node { return n.Inputs }

// Children returns the two inputs.
func (n *SetOp) Children() []Node { return []Node{n.Left, n.Right} }

// Schema returns the visible columns of n as a SQL schema.
func Schema(n Node) types.Schema {
	var s types.Schema
	for _, c := range n.Columns() {
		if !c.Hidden {
			s = append(s, types.Column{Name: c.Name, Type: c.Type, Nullable: true})
		}
	}
	return s
}
