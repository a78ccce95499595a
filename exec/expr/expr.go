// Package expr is weir's typed, vectorized scalar expressions. The planner's
// binder builds expression trees with the constructors of this package, which
// apply Postgres' type rules (implicit casts, numeric promotion, operator
// resolution) and return *sqlstate.Error on a type error. An expression is then
// evaluated over whole Arrow record batches: comparisons and Kleene logic run on
// arrow-go's compute kernels, everything whose Postgres semantics differ from
// Arrow's (checked integer arithmetic, casts, LIKE, CASE, IN, string
// functions) runs in tight typed loops over Arrow arrays.
//
// Expression nodes are immutable values: they may be shared between plans and
// evaluated concurrently from several goroutines.
package expr

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// Expr is a typed scalar expression. Implementations are immutable and safe
// for concurrent use.
type Expr interface {
	// Type returns the SQL type of the expression's result.
	Type() types.T
	// Eval evaluates the expression for every row of batch and returns a new
	// array of length batch.NumRows() whose Arrow type is Type().ArrowType().
	// batch is borrowed; the caller releases the returned array. Runtime errors
	// (division by zero, overflow, bad cast) are *sqlstate.Error.
	Eval(ctx context.Context, mem memory.Allocator, batch arrow.RecordBatch) (arrow.Array, error)
	// Children returns the expression's direct subexpressions.
	Children() []Expr
	// String returns the expression in readable SQL-like form for EXPLAIN:
	// column references print their name, e.g. (amount > 0).
	String() string
}

// rebuilder is implemented by every node with children: withChildren returns
// a copy of the node with its children replaced (same count and types).
type rebuilder interface {
	withChildren(children []Expr) Expr
}

// ColumnRef is a reference to a column of the input batch by position.
type ColumnRef struct {
	index int
	name  string
	t     types.T
}

// Column returns a reference to input column index, named name for display,
// of type t.
func Column(index int, name string, t types.T) Expr {
	return &ColumnRef{index: index, name: name, t: t}
}

// Index returns the position of the referenced column in the input batch.
func (c *ColumnRef) Index() int { return c.index }

// Name returns the column's display name.
func (c *ColumnRef) Name() string { return c.name }

// Type implements Expr.
func (c *ColumnRef) Type() types.T { return c.t }

// Children implements Expr.
func (c *ColumnRef) Children() []Expr { return nil }

// String implements Expr.
func (c *ColumnRef) String() string {
	if c.name == "" {
		return fmt.Sprintf("$%d", c.index)
	}
	return c.name
}

// Eval implements Expr: it returns the column itself, retained.
func (c *ColumnRef) Eval(_ context.Context, _ memory.Allocator, batch arrow.RecordBatch) (arrow.Array, error) {
	if c.index < 0 || c.index >= int(batch.NumCols()) {
		return nil, sqlstate.Errorf(sqlstate.Internal, "column index %d out of range for a batch of %d columns", c.index, batch.NumCols())
	}
	col := batch.Column(c.index)
	if !arrow.TypeEqual(col.DataType(), c.t.ArrowType()) {
		return nil, sqlstate.Errorf(sqlstate.Internal, "column %s: batch has Arrow type %s, expression expects %s", c, col.DataType(), c.t.ArrowType())
	}
	col.Retain()
	return col, nil
}

// typeError returns the 42883 error for an operator without a match.
func operatorError(op string, l, r types.T) *sqlstate.Error {
	var msg string
	if l.Family == types.Unknown && op != "" && r.Family == types.Unknown {
		msg = fmt.Sprintf("operator is not unique: unknown %s unknown", op)
	} else {
		msg = fmt.Sprintf("operator does not exist: %s %s %s", l, op, r)
	}
	return sqlstate.Errorf(sqlstate.UndefinedFunction, "%s", msg).
		WithHint("No operator matches the given name and argument types. You might need to add explicit type casts.")
}

// prefixOperatorError returns the 42883 error for a prefix operator.
func prefixOperatorError(op string, t types.T) *sqlstate.Error {
	return sqlstate.Errorf(sqlstate.UndefinedFunction, "operator does not exist: %s %s", op, t).
		WithHint("No operator matches the given name and argument types. You might need to add explicit type casts.")
}

// RequireBool returns e if it is boolean (an unknown literal is coerced to
// boolean), else 42804 `argument of WHERE must be type boolean, not type
// integer` with clause naming the clause (WHERE, HAVING, ON, ...).
func RequireBool(e Expr, clause string) (Expr, error) {
	switch e.Type().Family {
	case types.Bool:
		return e, nil
	case types.Unknown:
		return Coerce(e, types.BoolType)
	}
	return nil, sqlstate.Errorf(sqlstate.DatatypeMismatch, "argument of %s must be type boolean, not type %s", clause, e.Type())
}

// children is a helper for nodes' Children methods.
func children(es ...Expr) []Expr {
	out := make([]Expr, 0, len(es))
	for _, e := range es {
		if e != nil {
			out = append(out, e)
		}
	}
	return out
}

// evalAll evaluates es over batch; on error it releases what it made.
func evalAll(ctx context.Context, mem memory.Allocator, batch arrow.RecordBatch, es []Expr) ([]arrow.Array, error) {
	out := make([]arrow.Array, len(es))
	for i, e := range es {
		a, err := e.Eval(ctx, mem, batch)
		if err != nil {
			releaseAll(out[:i])
			return nil, err
		}
		out[i] = a
	}
	return out, nil
}

func releaseAll(as []arrow.Array) {
	for _, a := range as {
		if a != nil {
			a.Release()
		}
	}
}

// funcError returns 42883 `function name(argtypes) does not exist`.
func funcError(name string, args []Expr) *sqlstate.Error {
	ts := make([]string, len(args))
	for i, a := range args {
		ts[i] = a.Type().String()
	}
	return sqlstate.Errorf(sqlstate.UndefinedFunction, "function %s(%s) does not exist", name, strings.Join(ts, ", ")).
		WithHint("No function matches the given name and argument types. You might need to add explicit type casts.")
}
