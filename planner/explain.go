package planner

import (
	"fmt"
	"strings"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql"
)

// ExplainQuery returns the logical plan of an ad-hoc query as a tree, one
// node per line, root first, each node's inputs below it and indented.
func ExplainQuery(n Node) string {
	var b strings.Builder
	explainTree(&b, n, "", "")
	return strings.TrimSuffix(b.String(), "\n")
}

// explainTree writes n's line after head, then its inputs' subtrees, each
// line of them after indent.
func explainTree(b *strings.Builder, n Node, head, indent string) {
	b.WriteString(head + explainNode(n) + "\n")
	ch := n.Children()
	for i, c := range ch {
		if i < len(ch)-1 {
			explainTree(b, c, indent+"├─", indent+"│ ")
		} else {
			explainTree(b, c, indent+"└─", indent+"  ")
		}
	}
}

func explainNode(n Node) string {
	switch n := n.(type) {
	case *Scan:
		return fmt.Sprintf("Scan { %s: %s }", n.Object.Kind, n.Object.Name)
	case *Filter:
		return fmt.Sprintf("Filter { predicate: %s }", n.Pred)
	case *Project:
		return fmt.Sprintf("Project { exprs: %s }", exprList(n.Exprs, n.Cols))
	case *Aggregate:
		aggs := make([]string, len(n.Aggs))
		for i, a := range n.Aggs {
			aggs[i] = a.String()
		}
		groups := make([]string, n.NumGroup)
		for i := range groups {
			groups[i] = n.Cols[i].Name
		}
		return fmt.Sprintf("HashAgg { group: [%s], aggs: [%s] }", join(groups), join(aggs))
	case *Sort:
		cols := n.Input.Columns()
		keys := make([]string, len(n.Keys))
		for i, k := range n.Keys {
			keys[i] = cols[k.Column].Name
			if k.Desc {
				keys[i] += " DESC"
			}
			if k.NullsFirst != k.Desc {
				if k.NullsFirst {
					keys[i] += " NULLS FIRST"
				} else {
					keys[i] += " NULLS LAST"
				}
			}
		}
		return fmt.Sprintf("Sort { keys: [%s] }", join(keys))
	case *Limit:
		return fmt.Sprintf("Limit { count: %d, offset: %d }", n.Count, n.Offset)
	case *Values:
		return fmt.Sprintf("Values { rows: %d }", len(n.Rows))
	case *Union:
		return fmt.Sprintf("Union { inputs: %d }", len(n.Inputs))
	case *Join:
		if n.On == nil {
			return fmt.Sprintf("Join { kind: %s }", n.Kind)
		}
		return fmt.Sprintf("Join { kind: %s, on: %s }", n.Kind, n.On)
	case *Window:
		return n.explain()
	case *TimeWindow:
		return n.explain()
	case *SessionWindow:
		return n.explain()
	case *SetOp:
		name := "Intersect"
		if n.Op == sql.SetExcept {
			name = "Except"
		}
		return fmt.Sprintf("%s { all: %t }", name, n.All)
	}
	return fmt.Sprintf("%T", n)
}

func exprList(es []expr.Expr, cols []Col) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.String()
		if i < len(cols) && cols[i].Hidden {
			parts[i] += " (hidden)"
		}
	}
	return "[" + join(parts) + "]"
}

func join(s []string) string { return strings.Join(s, ", ") }
