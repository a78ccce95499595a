package systables

import (
	"context"
	"sync"
	"time"

	"github.com/weir-stream/weir/sql/session"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// Backends are the engine's sessions of connections by their process ID,
// with what cancels a connection's statement and ends it (session.Client):
// what pg_cancel_backend and pg_terminate_backend signal. A session is
// known by a key the engine chooses (its session value), as in Sessions.
// The zero value has none.
type Backends struct {
	mu    sync.Mutex
	byPID map[int32]backend
	// gone is closed and replaced whenever a session leaves, for
	// pg_terminate_backend's wait.
	gone chan struct{}
}

// Backend is who a session is, as a signal's permission check asks: its
// role, and whether it has every right now.
type Backend struct {
	User      string
	Superuser func() bool
}

// backend is one session of a connection.
type backend struct {
	key    any
	who    Backend
	client session.Client
}

// Open adds the session key, who, opened with ctx, when it is a
// connection's that can be signalled (session.ClientOf).
func (r *Backends) Open(ctx context.Context, key any, who Backend) {
	c, ok := session.ClientOf(ctx)
	if !ok || c.Cancel == nil || c.Terminate == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byPID == nil {
		r.byPID = map[int32]backend{}
	}
	r.byPID[int32(c.PID)] = backend{key: key, who: who, client: c}
}

// Close removes the session key.
func (r *Backends) Close(key any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for pid, b := range r.byPID {
		if b.key == key {
			delete(r.byPID, pid)
			if r.gone != nil {
				close(r.gone)
				r.gone = nil
			}
		}
	}
}

// Has reports whether a session has the process ID pid.
func (r *Backends) Has(pid int32) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.byPID[pid]
	return ok
}

// Signal cancels the statement of the session with process ID pid (kind
// "cancel") or ends its connection ("terminate"; with a timeout, waits up
// to that long for it to end), for the session by, with Postgres' rules: a
// superuser may signal any session, another role only the sessions of its
// own role and never a superuser's (42501). ok is false when no session
// has that process ID (Postgres also warns) or, for a terminate with a
// timeout, when the session had not ended by then.
func (r *Backends) Signal(ctx context.Context, by Backend, kind string, pid int32, timeout time.Duration) (ok bool, err error) {
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
	if !by.Superuser() {
		if b.who.Superuser() {
			e := sqlstate.Errorf(sqlstate.InsufficientPrivilege, "permission denied to %s", what)
			e.Detail = "Only roles with the SUPERUSER attribute may " + whose + " roles with the SUPERUSER attribute."
			return false, e
		}
		if b.who.User != by.User {
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
