package wire

// terminate ends the connection from another goroutine, as Postgres'
// pg_terminate_backend does: the running query is cancelled, and the
// connection's next read of a message fails as at a server stop, so that
// it tells the client FATAL 57P01 "terminating connection due to
// administrator command" and closes.
func (c *conn) terminate() {
	c.cancelQuery()
	c.killOnce.Do(func() { close(c.in.kill) })
}
