package weir

// BackendPID returns the session's process ID: the one its connection's
// BackendKeyData sent, and pg_stat_activity's pid (pg_backend_pid() in
// its queries).
func (q queryEnv) BackendPID() int32 {
	return q.s.e.activity.PID(q.s)
}
