package sql

import "strconv"

// SetOpKind is the operator of a set operation.
type SetOpKind uint8

// Set operators.
const (
	SetUnion SetOpKind = iota
	SetIntersect
	SetExcept
)

// SetOp is `left {UNION | INTERSECT | EXCEPT} [ALL | DISTINCT] right`, the
// shape of Postgres' SelectStmt with an operator: a query (a *Select) whose
// Set is not nil holds one, and its operands are queries again, each a
// SELECT or a set operation. INTERSECT binds tighter than UNION and EXCEPT;
// all three are left-associative. Parenthesised operands leave no node: the
// printer puts the parentheses back where the tree needs them. Pos is the
// position of the operator's key word.
type SetOp struct {
	Pos   Pos
	Op    SetOpKind
	All   bool // ALL; false is DISTINCT, written or not
	Left  *Select
	Right *Select
}

// Position returns where the operator's key word starts.
func (s *SetOp) Position() Pos { return s.Pos }

// String returns the operator's key word.
func (k SetOpKind) String() string {
	switch k {
	case SetUnion:
		return "UNION"
	case SetIntersect:
		return "INTERSECT"
	case SetExcept:
		return "EXCEPT"
	}
	return "setop(" + strconv.Itoa(int(k)) + ")"
}

// level returns the operator's binding strength: INTERSECT binds tighter
// than UNION and EXCEPT.
func (k SetOpKind) level() int {
	if k == SetIntersect {
		return 2
	}
	return 1
}

// ordersOrLimits reports whether the query has its own ORDER BY, LIMIT or
// OFFSET, which, as an operand of a set operation, it can only have in
// parentheses.
func (s *Select) ordersOrLimits() bool {
	return len(s.OrderBy) > 0 || s.Limit != nil || s.Offset != nil
}
