package sql

// ArrayExpr is the array constructor `ARRAY[e, …]` (possibly empty), or
// with Query `ARRAY(SELECT …)`: the values of the query's one column.
type ArrayExpr struct {
	Pos   Pos
	Elems []Expr
	Query *Select
}

// SubscriptExpr is `e[i]`, or with Slice `e[lo:hi]` (Lo and Hi nil when
// left out).
type SubscriptExpr struct {
	Pos    Pos // the [
	Expr   Expr
	Index  Expr // e[i]
	Slice  bool
	Lo, Hi Expr // e[lo:hi]
}

// QuantifiedExpr is `left op ANY (right)`, `SOME`, or `ALL`: a comparison
// with every element of an array (or every row of a subquery, Right being a
// *SubqueryExpr).
type QuantifiedExpr struct {
	Pos   Pos // the operator
	Op    BinaryOp
	Left  Expr
	Word  string // "ANY", "SOME" or "ALL"
	Right Expr
}

// All reports whether q is op ALL (…).
func (q *QuantifiedExpr) All() bool { return q.Word == "ALL" }

func (e *ArrayExpr) Position() Pos      { return e.Pos }
func (e *SubscriptExpr) Position() Pos  { return e.Expr.Position() }
func (e *QuantifiedExpr) Position() Pos { return e.Pos }
func (*ArrayExpr) exprNode()            {}
func (*SubscriptExpr) exprNode()        {}
func (*QuantifiedExpr) exprNode()       {}
