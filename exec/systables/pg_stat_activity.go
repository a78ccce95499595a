package systables

import (
	"time"

	"github.com/weir-stream/weir/sql/types"
)

// ActivityRow is a row of pg_stat_activity: an open session. Visible is
// false for a session whose state the reader may not see: then only PID,
// User and ApplicationName are shown, and the query is
// "<insufficient privilege>".
type ActivityRow struct {
	PID             int32
	User            string
	ApplicationName string
	Visible         bool
	ClientAddr      string // "": no address (a session of no connection)
	ClientPort      int32  // -1: none
	BackendStart    time.Time
	QueryStart      time.Time // zero: no statement yet
	StateChange     time.Time
	State           string
	Query           string
}

// ActivityEngine is the engine as pg_stat_activity reads it: its open
// sessions, as the reading session may see them. An Engine that is not
// one shows none.
type ActivityEngine interface {
	Activity() []ActivityRow
}

func init() {
	tables = append(tables, &Table{
		Name: "pg_stat_activity",
		Schema: types.Schema{col("datid", oidT), col("datname", textT), col("pid", i32T), col("leader_pid", i32T),
			col("usesysid", oidT), col("usename", textT), col("application_name", textT), col("client_addr", textT),
			col("client_hostname", textT), col("client_port", i32T), col("backend_start", types.TSTZType),
			col("xact_start", types.TSTZType), col("query_start", types.TSTZType), col("state_change", types.TSTZType),
			col("wait_event_type", textT), col("wait_event", textT), col("state", textT), col("backend_xid", textT),
			col("backend_xmin", textT), col("query_id", types.Int64Type), col("query", textT), col("backend_type", textT)},
		// The engine decides what of each session the reader sees.
		appendRows: func(b *rowBuilder, e Engine, _ Filter) {
			ae, ok := e.(ActivityEngine)
			if !ok {
				return
			}
			for _, r := range ae.Activity() {
				b.int64(OIDDatabase)
				b.text(DatabaseName)
				b.int32(r.PID)
				b.null()
				b.int64(ownerOID(e, r.User))
				b.text(r.User)
				b.text(r.ApplicationName)
				if !r.Visible {
					b.null()
					b.null()
					b.null()
					b.null()
					b.null()
					b.null()
					b.null()
					b.null()
					b.null()
					b.null()
					b.null()
					b.null()
					b.null()
					b.text("<insufficient privilege>")
				} else {
					b.textOrNull(r.ClientAddr)
					b.null()
					b.int32OrNull(r.ClientPort, r.ClientPort < 0)
					b.timestamp(r.BackendStart)
					b.null()
					b.timestampOrNull(r.QueryStart)
					b.timestamp(r.StateChange)
					b.null()
					b.null()
					b.text(r.State)
					b.null()
					b.null()
					b.null()
					b.text(r.Query)
				}
				b.text("client backend")
				b.end()
			}
		},
	})
}

// timestampOrNull appends t to a timestamptz column, or NULL when t is
// the zero time.
func (r *rowBuilder) timestampOrNull(t time.Time) {
	if t.IsZero() {
		r.null()
		return
	}
	r.timestamp(t)
}
