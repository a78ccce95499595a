package wire

import "github.com/weir-stream/weir/sql/sqlstate"

// terminate ends the connection from another goroutine, as Postgres'
// pg_terminate_backend does: the running query is cancelled (its error is
// not sent: the client hears only the FATAL), and the connection's next
// read of a message fails as at a server stop, so that it tells the client
// FATAL 57P01 "terminating connection due to administrator command" and
// closes.
func (c *conn) terminate() {
	c.cancelQuery()
	c.killOnce.Do(func() { close(c.in.kill) })
}

// terminating reports whether terminate was called.
func (c *conn) terminating() bool {
	select {
	case <-c.in.kill:
		return true
	default:
		return false
	}
}

// fatalTerminated ends a terminated connection whose statement failed (it
// was cancelled): the client hears FATAL 57P01, not the cancel.
func (c *conn) fatalTerminated() {
	c.fatal(sqlstate.Errorf(sqlstate.AdminShutdown, "terminating connection due to administrator command"))
}
