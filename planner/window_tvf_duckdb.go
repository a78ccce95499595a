package planner

import (
	"fmt"
	"strings"

	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// ExpandWindowTVFs replaces each TUMBLE, HOP and SESSION in st's FROM
// clauses by a subquery DuckDB runs, which has no window table functions:
// the input's visible columns, then window_start and window_end computed
// from the epoch in microseconds as TimeWindow does, HOP crossed with its
// copies' numbers, SESSION's with window functions (duckSessionQuery). It returns what puts st back; an error is the binder's for the
// window table function.
func ExpandWindowTVFs(cat *catalog.Catalog, st *sql.Select) (undo func(), err error) {
	var slots []*sql.TableExpr
	sql.Walk(st, func(n sql.Node) bool {
		switch n := n.(type) {
		case *sql.Select:
			for i := range n.From {
				if _, ok := n.From[i].(*sql.WindowTVF); ok {
					slots = append(slots, &n.From[i])
				}
			}
		case *sql.JoinTableExpr:
			for _, p := range []*sql.TableExpr{&n.Left, &n.Right} {
				if _, ok := (*p).(*sql.WindowTVF); ok {
					slots = append(slots, p)
				}
			}
		}
		return true
	})
	var undos []func()
	undo = func() {
		for i := len(undos) - 1; i >= 0; i-- {
			undos[i]()
		}
	}
	for _, slot := range slots {
		w := (*slot).(*sql.WindowTVF)
		query := duckWindowQuery
		if w.Func.Value == "session" {
			query = duckSessionQuery
		}
		sub, err := query(cat, w)
		if err != nil {
			undo()
			return func() {}, err
		}
		*slot = sub
		undos = append(undos, func() { *slot = w })
	}
	return undo, nil
}

// duckWindowQuery returns the subquery DuckDB runs for w.
func duckWindowQuery(cat *catalog.Catalog, w *sql.WindowTVF) (*sql.Subquery, error) {
	n, err := NewBinder(cat, nil).bindWindowTVF(w)
	if err != nil {
		return nil, err
	}
	for {
		p, ok := n.(*Project) // column aliases
		if !ok {
			break
		}
		n = p.Input
	}
	tw, ok := n.(*TimeWindow)
	if !ok {
		return nil, sqlstate.Errorf(sqlstate.Internal, "window table function bound to %T", n)
	}
	in := tw.Input.Columns()
	var b strings.Builder
	b.WriteString("SELECT ")
	for _, c := range in {
		if !c.Hidden {
			b.WriteString(quotedName(c.Name) + ", ")
		}
	}
	ts := quotedName(in[tw.TimeCol].Name)
	// The start of the latest window holding ts, less k slides for HOP's
	// k-th copy.
	start := fmt.Sprintf("%s - to_microseconds(((epoch_us(%s) - %d) %% %d + %d) %% %d", ts, ts, tw.Offset, tw.Slide, tw.Slide, tw.Slide)
	if tw.Hop {
		start += fmt.Sprintf(" + weir_hop.weir_k * %d", tw.Slide)
	}
	start += ")"
	fmt.Fprintf(&b, "%s AS window_start, %s + to_microseconds(%d) AS window_end FROM weir_input", start, start, tw.Size)
	if tw.Hop {
		// A row without a time is in no window of HOP's.
		fmt.Fprintf(&b, " CROSS JOIN generate_series(0, %d) AS weir_hop (weir_k) WHERE %s IS NOT NULL", tw.Size/tw.Slide-1, ts)
	}
	stmts, err := sql.Parse(b.String())
	if err != nil {
		return nil, err
	}
	q := stmts[0].(*sql.Select)
	from := &q.From[0]
	if j, ok := (*from).(*sql.JoinTableExpr); ok {
		from = &j.Left
	}
	*from = w.Input
	qual := tw.Cols[0].Table
	return &sql.Subquery{Pos: w.Pos, Query: q, Alias: &sql.Name{Pos: w.Pos, Value: qual, Quoted: true}, Columns: w.Columns}, nil
}

// quotedName returns name as a double-quoted SQL identifier.
func quotedName(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }
