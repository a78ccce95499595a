package weir

import (
	"context"
	"sync"
	"time"

	"github.com/weir-stream/weir/sql/session"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// BackendPID returns the session's process ID: the one its connection's
// BackendKeyData sent, and pg_stat_activity's pid (pg_backend_pid() in
// its queries).
func (q queryEnv) BackendPID() int32 {
	return q.s.e.activity.PID(q.s)
}

// SignalBackend is pg_cancel_backend (kind "cancel") and
// pg_terminate_backend ("terminate") of the session with process ID pid,
// run by q's session (Engine.signalBackend).
func (q queryEnv) SignalBackend(ctx context.Context, kind string, pid int32, timeout time.Duration) (bool, error) {
	return q.s.e.backends.signal(ctx, q.s, kind, pid, timeout)
}

// backendRegistry is the engine's sessions of connections by their process
// ID, with what cancels a connection's statement and ends it
// (session.Client): what pg_cancel_backend and pg_terminate_backend
// signal. Its zero value has none.
type backendRegistry struct {
	mu    sync.Mutex
	byPID map[int32]backend
	// gone is closed and replaced whenever a session leaves, for
	// pg_terminate_backend's wait.
	gone chan struct{}
}

// backend is one session of a connection.
type backend struct {
	s      *Session
	client session.Client
}

// open adds s, opened with ctx, when it is a connection's that can be
// signalled (session.ClientOf).
func (r *backendRegistry) open(ctx context.Context, s *Session) {
	c, ok := session.ClientOf(ctx)
	if !ok || c.Cancel == nil || c.Terminate == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byPID == nil {
		r.byPID = map[int32]backend{}
	}
	r.byPID[int32(c.PID)] = backend{s: s, client: c}
}

// close removes s.
func (r *backendRegistry) close(s *Session) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for pid, b := range r.byPID {
		if b.s == s {
			delete(r.byPID, pid)
			if r.gone != nil {
				close(r.gone)
				r.gone = nil
			}
		}
	}
}

// signal cancels the statement of the session with process ID pid (kind
// "cancel") or ends its connection ("terminate"; with a timeout, waits up
// to that long for it to end), for the session by, with Postgres' rules: a
// superuser may signal any session, another role only the sessions of its
// own role and never a superuser's (42501). ok is false when no session
// has that process ID (Postgres also warns) or, for a terminate with a
// timeout, when the session had not ended by then.
func (r *backendRegistry) signal(ctx context.Context, by *Session, kind string, pid int32, timeout time.Duration) (ok bool, err error) {
	if timeout < 0 {
		return false, sqlstate.Errorf(sqlstate.InvalidParameterValue, "\"timeout\" must not be negative")
	}
	r.mu.Lock()
	b, found := r.byPID[pid]
	r.mu.Unlock()
	if !found {
		return false, nil
	}
	what, whose := "cancel query", "cancel queries of"
	if kind == "terminate" {
		what, whose = "terminate process", "terminate processes of"
	}
	if !by.superuser() {
		if b.s.superuser() {
			e := sqlstate.Errorf(sqlstate.InsufficientPrivilege, "permission denied to %s", what)
			e.Detail = "Only roles with the SUPERUSER attribute may " + whose + " roles with the SUPERUSER attribute."
			return false, e
		}
		if b.s.user != by.user {
			e := sqlstate.Errorf(sqlstate.InsufficientPrivilege, "permission denied to %s", what)
			if kind == "terminate" {
				e.Detail = "Only roles with privileges of the role whose process is being terminated or with privileges of the \"pg_signal_backend\" role may terminate this process."
			} else {
				e.Detail = "Only roles with privileges of the role whose query is being canceled or with privileges of the \"pg_signal_backend\" role may cancel this query."
			}
			return false, e
		}
	}
	if kind != "terminate" {
		b.client.Cancel()
		return true, nil
	}
	b.client.Terminate()
	if timeout == 0 {
		return true, nil
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		_, open := r.byPID[pid]
		if open && r.gone == nil {
			r.gone = make(chan struct{})
		}
		gone := r.gone
		r.mu.Unlock()
		if !open {
			return true, nil
		}
		select {
		case <-gone:
		case <-deadline.C:
			return false, nil
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
}
