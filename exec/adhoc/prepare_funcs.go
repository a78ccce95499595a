package adhoc

import "github.com/weir-stream/weir/sql"

// rewriteScalarFuncs writes the scalar function calls DuckDB answers
// differently from Postgres in forms it answers the same: lpad(s, n) and
// rpad(s, n), which DuckDB lacks, as lpad(s, n, ' ') and rpad(s, n, ' ').
// undo gets what puts the calls back.
func rewriteScalarFuncs(st *sql.Select, undo *[]func()) {
	sql.Walk(st, func(n sql.Node) bool {
		f, ok := n.(*sql.FuncCall)
		if !ok || f.Name.Quoted {
			return true
		}
		switch f.Name.Value {
		case "lpad", "rpad":
			if len(f.Args) == 2 {
				args := f.Args
				f.Args = append(args[:2:2], &sql.Literal{Pos: f.Pos, Kind: sql.LitString, Value: " "})
				*undo = append(*undo, func() { f.Args = args })
			}
		}
		return true
	})
}
