package weir

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/weir-stream/weir/exec/systables"
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
// run by q's session (systables.Backends.Signal).
// As in Postgres, a process ID no session has, or a session that did not
// end within the timeout, answers false with a WARNING, which the
// statement's Result carries (queryEnv.warnings).
func (q queryEnv) SignalBackend(ctx context.Context, kind string, pid int32, timeout time.Duration) (bool, error) {
	had := q.s.e.backends.Has(pid)
	ok, err := q.s.e.backends.Signal(ctx, q.s.backend(), kind, pid, timeout)
	switch {
	case err != nil || ok:
	case !had:
		q.warnings.add(Warning{Code: sqlstate.Warning, Message: fmt.Sprintf("PID %d is not a PostgreSQL backend process", pid)})
	case kind == "terminate":
		q.warnings.add(Warning{Code: sqlstate.Warning, Message: fmt.Sprintf("backend with PID %d did not terminate within %d milliseconds", pid, timeout.Milliseconds())})
	}
	return ok, err
}

// queryWarnings collects the warnings of an ad-hoc query's functions,
// which DuckDB may call from several goroutines.
type queryWarnings struct {
	mu   sync.Mutex
	list []Warning
}

// add appends w; a nil queryWarnings (a query whose Result is not
// made by Session.query: Describe) drops it.
func (w *queryWarnings) add(x Warning) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.list = append(w.list, x)
}

// take returns the warnings collected so far and forgets them.
func (w *queryWarnings) take() []Warning {
	w.mu.Lock()
	defer w.mu.Unlock()
	list := w.list
	w.list = nil
	return list
}

// backend returns who the session is, as pg_cancel_backend's and
// pg_terminate_backend's permission check asks.
func (s *Session) backend() systables.Backend {
	return systables.Backend{User: s.user, Superuser: s.superuser}
}
