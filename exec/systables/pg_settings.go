package systables

import (
	"github.com/weir-stream/weir/sql/session"
	"github.com/weir-stream/weir/sql/types"
)

// SessionEngine is the engine as one session's reads see it: pg_settings
// shows that session's parameters. An Engine that is not one shows no
// settings.
type SessionEngine interface {
	Settings() []session.Setting
}

func init() {
	tables = append(tables, &Table{
		Name: "pg_settings",
		Schema: types.Schema{col("name", textT), col("setting", textT), col("unit", textT), col("category", textT),
			col("short_desc", textT), col("extra_desc", textT), col("context", textT), col("vartype", textT),
			col("source", textT), col("min_val", textT), col("max_val", textT), col("enumvals", textArrayT),
			col("boot_val", textT), col("reset_val", textT), col("sourcefile", textT), col("sourceline", i32T),
			col("pending_restart", boolT)},
		// The rows are the reader's own session's: every reader sees them.
		appendRows: func(b *rowBuilder, e Engine, _ Filter) {
			se, ok := e.(SessionEngine)
			if !ok {
				return
			}
			for _, s := range se.Settings() {
				b.text(s.Name)
				b.text(s.Setting)
				b.textOrNull(s.Unit)
				b.text(s.Category)
				b.text(s.ShortDesc)
				b.null()
				b.text(s.Context)
				b.text(s.VarType)
				b.text(s.Source)
				b.null()
				b.null()
				b.null()
				b.text(s.BootVal)
				b.text(s.ResetVal)
				b.null()
				b.null()
				b.bool(false)
				b.end()
			}
		},
	})
}
