package weir

import (
	"context"
	"time"

	"github.com/weir-stream/weir/exec/systables"
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
func (q queryEnv) SignalBackend(ctx context.Context, kind string, pid int32, timeout time.Duration) (bool, error) {
	return q.s.e.backends.Signal(ctx, q.s.backend(), kind, pid, timeout)
}

// backend returns who the session is, as pg_cancel_backend's and
// pg_terminate_backend's permission check asks.
func (s *Session) backend() systables.Backend {
	return systables.Backend{User: s.user, Superuser: s.superuser}
}
