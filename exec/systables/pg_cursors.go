package systables

import (
	"time"

	"github.com/weir-stream/weir/sql/types"
)

// CursorRow is a row of pg_cursors: one of the reading session's open
// cursors (DECLARE … CURSOR).
type CursorRow struct {
	Name       string
	Statement  string // the DECLARE statement
	Holdable   bool   // WITH HOLD
	Binary     bool
	Scrollable bool
	Created    time.Time
}

// CursorEngine is the engine as pg_cursors reads it: the reading session's
// open cursors, as in Postgres, where a session sees no other's. An Engine
// that is not one shows none.
type CursorEngine interface {
	Cursors() []CursorRow
}

func init() {
	tables = append(tables, &Table{
		Name: "pg_cursors",
		Schema: types.Schema{col("name", textT), col("statement", textT), col("is_holdable", boolT),
			col("is_binary", boolT), col("is_scrollable", boolT), col("creation_time", types.TSTZType)},
		appendRows: func(b *rowBuilder, e Engine, _ Filter) {
			ce, ok := e.(CursorEngine)
			if !ok {
				return
			}
			for _, c := range ce.Cursors() {
				b.text(c.Name)
				b.text(c.Statement)
				b.bool(c.Holdable)
				b.bool(c.Binary)
				b.bool(c.Scrollable)
				b.timestamp(c.Created)
				b.end()
			}
		},
	})
}
