package weir

import (
	"context"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/weir-stream/weir/exec/systables"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/session"
)

// sessionActivity is what pg_stat_activity shows of one open session: the
// session's goroutine writes it as statements start and end, readers of
// pg_stat_activity read it under mu.
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

// activityRegistry is the engine's open sessions, pg_stat_activity's rows.
// Its zero value has none.
type activityRegistry struct {
	mu       sync.Mutex
	sessions map[*Session]*sessionActivity
	// nextPID numbers the sessions of no connection, from the top of the
	// range so as to meet no connection's process ID.
	nextPID atomic.Int32
}

// open adds s, a session opened with ctx (session.ClientOf), as idle.
func (r *activityRegistry) open(ctx context.Context, s *Session) {
	now := time.Now()
	a := &sessionActivity{user: s.user, start: now, state: "idle", stateSince: now, clientPort: -1}
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
	if r.sessions == nil {
		r.sessions = map[*Session]*sessionActivity{}
	}
	r.sessions[s] = a
}

// close removes s.
func (r *activityRegistry) close(s *Session) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.sessions, s)
}

// of returns the activity of s (nil for a session not open).
func (r *activityRegistry) of(s *Session) *sessionActivity {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sessions[s]
}

// begin marks s as running st; the function it returns marks it idle
// again (in a transaction block or not).
func (r *activityRegistry) begin(s *Session, st sql.Statement) func() {
	a := r.of(s)
	if a == nil {
		return func() {}
	}
	app := s.params.Get("application_name")
	now := time.Now()
	a.mu.Lock()
	a.app, a.state, a.query, a.queryStart, a.stateSince = app, "active", activityQuery(st), now, now
	a.mu.Unlock()
	return func() {
		state := "idle"
		if s.tx != nil {
			state = "idle in transaction"
		}
		app := s.params.Get("application_name")
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

// rows returns pg_stat_activity's rows as reader may see them: a session
// of another role, unless reader is a superuser, shows only its process,
// role and application, and its query as "<insufficient privilege>", as
// in Postgres.
func (r *activityRegistry) rows(reader *Session) []systables.ActivityRow {
	r.mu.Lock()
	all := make([]*sessionActivity, 0, len(r.sessions))
	for _, a := range r.sessions {
		all = append(all, a)
	}
	r.mu.Unlock()
	slices.SortFunc(all, func(a, b *sessionActivity) int { return a.start.Compare(b.start) })
	superuser := reader != nil && reader.superuser()
	out := make([]systables.ActivityRow, 0, len(all))
	for _, a := range all {
		a.mu.Lock()
		row := systables.ActivityRow{PID: a.pid, User: a.user, ApplicationName: a.app}
		if superuser || reader != nil && a.user == reader.user {
			row.Visible = true
			row.ClientAddr, row.ClientPort, row.BackendStart = a.clientAddr, a.clientPort, a.start
			row.State, row.Query, row.QueryStart, row.StateChange = a.state, a.query, a.queryStart, a.stateSince
		}
		a.mu.Unlock()
		out = append(out, row)
	}
	return out
}
