package planner

import (
	"fmt"
	"strings"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/types"
)

// WindowFunc is one window function call of a Window: its function over
// columns of the Window's input, and its window.
type WindowFunc struct {
	// Name is the function, lower-cased: a window function (row_number,
	// rank, …) or an aggregate's name.
	Name string
	// Args are the arguments, input columns; Star is count(*).
	Args []int
	Star bool
	// PartitionBy and OrderBy are the window's, input columns.
	PartitionBy []int
	OrderBy     []SortKey
	// Frame is the frame as written, nil for the default one;
	// FrameStart and FrameEnd are its bounds' offsets bound (nil where a
	// bound has none): a bigint for ROWS and GROUPS, for RANGE what the
	// ORDER BY column moves by (bindFrameOffset).
	Frame                *sql.WindowFrame
	FrameStart, FrameEnd expr.Expr
	// Type is the result's type.
	Type types.T
}

// Window computes window functions: its columns are its input's, then one
// per function (ad-hoc queries run it in DuckDB; a view maintains the
// ranking functions filtered to their top rows, see planRankFilter).
type Window struct {
	Input Node
	Funcs []WindowFunc
	Cols  []Col
}

// Columns returns the input's columns, then the functions'.
func (n *Window) Columns() []Col { return n.Cols }

// Children returns the input.
func (n *Window) Children() []Node { return []Node{n.Input} }

// explain returns the node's EXPLAIN line.
func (n *Window) explain() string {
	cols := n.Input.Columns()
	fs := make([]string, len(n.Funcs))
	for i, f := range n.Funcs {
		fs[i] = f.String(cols)
	}
	return fmt.Sprintf("Window { funcs: [%s] }", join(fs))
}

// String returns the call as SQL over the named input columns cols.
func (f WindowFunc) String(cols []Col) string {
	args := make([]string, len(f.Args))
	for i, a := range f.Args {
		args[i] = cols[a].Name
	}
	if f.Star {
		args = []string{"*"}
	}
	var w []string
	if len(f.PartitionBy) > 0 {
		ps := make([]string, len(f.PartitionBy))
		for i, p := range f.PartitionBy {
			ps[i] = cols[p].Name
		}
		w = append(w, "PARTITION BY "+join(ps))
	}
	if len(f.OrderBy) > 0 {
		w = append(w, "ORDER BY "+sortKeyList(f.OrderBy, cols))
	}
	if f.Frame != nil {
		w = append(w, strings.TrimSuffix(strings.TrimPrefix(sql.String(&sql.FuncCall{Name: sql.Name{Value: "f"}, Over: &sql.WindowSpec{Frame: f.Frame}}), "f() OVER ("), ")"))
	}
	return fmt.Sprintf("%s(%s) OVER (%s)", f.Name, join(args), strings.Join(w, " "))
}

// sortKeyList returns keys as an ORDER BY list over the columns cols.
func sortKeyList(keys []SortKey, cols []Col) string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = cols[k.Column].Name
		if k.Desc {
			out[i] += " DESC"
		}
		if k.NullsFirst != k.Desc {
			if k.NullsFirst {
				out[i] += " NULLS FIRST"
			} else {
				out[i] += " NULLS LAST"
			}
		}
	}
	return join(out)
}

// windowFuncType returns the result type of window function name over
// args, as Postgres types it; aggregates are typed as aggregates.
func windowFuncType(name string, args []expr.Expr, star bool) (types.T, error) {
	switch name {
	case "row_number", "rank", "dense_rank":
		if len(args) == 0 {
			return types.Int64Type, nil
		}
	case "percent_rank", "cume_dist":
		if len(args) == 0 {
			return types.Float64Type, nil
		}
	case "ntile":
		if len(args) == 1 && isIntegerArg(args[0]) {
			return types.Int32Type, nil
		}
	case "lag", "lead":
		if len(args) >= 1 && len(args) <= 3 && (len(args) < 2 || isIntegerArg(args[1])) {
			return args[0].Type(), nil
		}
	case "first_value", "last_value":
		if len(args) == 1 {
			return args[0].Type(), nil
		}
	case "nth_value":
		if len(args) == 2 && isIntegerArg(args[1]) {
			return args[0].Type(), nil
		}
	default:
		agg, err := expr.ResolveAggregate(name, args, star, false)
		if err != nil {
			return types.T{}, err
		}
		return agg.Type, nil
	}
	_, err := expr.Func(name, args) // 42883, naming the argument types
	return types.T{}, err
}

// isIntegerArg reports whether e can be an integer argument.
func isIntegerArg(e expr.Expr) bool {
	switch e.Type().Family {
	case types.Int16, types.Int32, types.Int64, types.Unknown:
		return true
	}
	return false
}
