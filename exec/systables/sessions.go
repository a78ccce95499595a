package systables

import (
	"context"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/session"
)

// Sessions are the engine's open sessions, pg_stat_activity's rows: each
// session's goroutine records its statements as they start and end
// (Begin), readers of pg_stat_activity read them (Rows). A session is
// known by a key the engine chooses (its session value). The zero value
// has none.
type Sessions struct {
	mu   sync.Mutex
	open map[any]*sessionActivity
	// nextPID numbers the sessions of no connection, from the top of the
	// range so as to meet no connection's process ID.
	nextPID atomic.Int32
}

// sessionActivity is what pg_stat_activity shows of one open session: its
// goroutine writes it as statements start and end, readers read it under
// mu.
type sessionActivity struct {
	pid        int32
	clientAddr string
	clientPort int32 // -1: no port (a session of no connection)
	user       string
	start      time.Time

	mu         sync.Mutex
	app        string
	state      string // active, idle, idle in transaction
	query      string // the running statement, else the last one
	queryStart time.Time
	stateSince time.Time
}

// Open adds the session key of role user, opened with ctx
// (session.ClientOf: its connection's process ID and address), as idle.
func (r *Sessions) Open(ctx context.Context, key any, user string) {
	now := time.Now()
	a := &sessionActivity{user: user, start: now, state: "idle", stateSince: now, clientPort: -1}
	if c, ok := session.ClientOf(ctx); ok {
		a.pid = int32(c.PID)
		if tcp, ok := c.Addr.(*net.TCPAddr); ok {
			a.clientAddr, a.clientPort = tcp.IP.String(), int32(tcp.Port)
		}
	} else {
		a.pid = 1<<31 - 1 - r.nextPID.Add(1)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.open == nil {
		r.open = map[any]*sessionActivity{}
	}
	r.open[key] = a
}

// Close removes the session key.
func (r *Sessions) Close(key any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.open, key)
}

// of returns the activity of the session key (nil for a session not open).
func (r *Sessions) of(key any) *sessionActivity {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.open[key]
}

// PID returns the process ID of the session key, pg_stat_activity's pid
// (0 for a session not open).
func (r *Sessions) PID(key any) int32 {
	if a := r.of(key); a != nil {
		return a.pid
	}
	return 0
}

// Begin marks the session key as running st, with app its
// application_name; the function it returns marks it idle again, "idle in
// transaction" when a transaction block is open then (inBlock), with the
// application_name it has then.
func (r *Sessions) Begin(key any, st sql.Statement, app string) (end func(inBlock bool, app string)) {
	a := r.of(key)
	if a == nil {
		return func(bool, string) {}
	}
	now := time.Now()
	a.mu.Lock()
	a.app, a.state, a.query, a.queryStart, a.stateSince = app, "active", activityQuery(st), now, now
	a.mu.Unlock()
	return func(inBlock bool, app string) {
		state := "idle"
		if inBlock {
			state = "idle in transaction"
		}
		a.mu.Lock()
		a.app, a.state, a.stateSince = app, state, time.Now()
		a.mu.Unlock()
	}
}

// activityQueryBytes is how much of a statement pg_stat_activity keeps:
// Postgres' track_activity_query_size (1024 bytes with its NUL).
const activityQueryBytes = 1023

// activityQuery returns the text of st as pg_stat_activity shows it: as
// weir prints it, cut to activityQueryBytes at a character's start.
func activityQuery(st sql.Statement) string {
	q := sql.String(st)
	if len(q) <= activityQueryBytes {
		return q
	}
	n := activityQueryBytes
	for n > 0 && !utf8.RuneStart(q[n]) {
		n--
	}
	return q[:n]
}

// Rows returns pg_stat_activity's rows as a session of the role reader
// may see them: a session of another role, unless reader is a superuser,
// shows only its process, role and application, and its query as
// "<insufficient privilege>", as in Postgres.
func (r *Sessions) Rows(reader string, superuser bool) []ActivityRow {
	r.mu.Lock()
	all := make([]*sessionActivity, 0, len(r.open))
	for _, a := range r.open {
		all = append(all, a)
	}
	r.mu.Unlock()
	slices.SortFunc(all, func(a, b *sessionActivity) int { return a.start.Compare(b.start) })
	out := make([]ActivityRow, 0, len(all))
	for _, a := range all {
		a.mu.Lock()
		row := ActivityRow{PID: a.pid, User: a.user, ApplicationName: a.app}
		if superuser || a.user == reader {
			row.Visible = true
			row.ClientAddr, row.ClientPort, row.BackendStart = a.clientAddr, a.clientPort, a.start
			row.State, row.Query, row.QueryStart, row.StateChange = a.state, a.query, a.queryStart, a.stateSince
		}
		a.mu.Unlock()
		out = append(out, row)
	}
	return out
}
