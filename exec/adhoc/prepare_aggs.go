package adhoc

import "github.com/weir-stream/weir/sql"

// renameEvery writes every(x), which DuckDB lacks, as its synonym
// bool_and(x), and names a select item made of it alone "every", as
// Postgres does; and string_agg(x, sep) as string_agg(x, coalesce(sep, E)),
// E the empty string literal,
// since Postgres joins with nothing where DuckDB returns NULL for a NULL
// delimiter. undo gets what puts the call back.
func renameEvery(st *sql.Select, undo *[]func()) {
	sql.Walk(st, func(n sql.Node) bool {
		if sel, ok := n.(*sql.Select); ok {
			for i := range sel.Items {
				it := &sel.Items[i]
				if f, ok := it.Expr.(*sql.FuncCall); ok && it.Alias == nil && isEvery(f) {
					it.Alias = &sql.Name{Value: "every", Quoted: true}
					*undo = append(*undo, func() { it.Alias = nil })
				}
			}
		}
		if f, ok := n.(*sql.FuncCall); ok && isEvery(f) {
			f.Name.Value = "bool_and"
			*undo = append(*undo, func() { f.Name.Value = "every" })
		}
		if f, ok := n.(*sql.FuncCall); ok && f.Name.Value == "string_agg" && !f.Name.Quoted && len(f.Args) == 2 {
			sep := f.Args[1]
			f.Args[1] = &sql.FuncCall{Pos: sep.Position(), Name: sql.Name{Value: "coalesce"},
				Args: []sql.Expr{sep, &sql.Literal{Pos: sep.Position(), Kind: sql.LitString}}}
			*undo = append(*undo, func() { f.Args[1] = sep })
		}
		return true
	})
}

func isEvery(f *sql.FuncCall) bool { return f.Name.Value == "every" && !f.Name.Quoted }
