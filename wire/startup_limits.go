package wire

import "github.com/weir-stream/weir/sql/sqlstate"

// MaxAuthMessageSize bounds a client message's body until the client has
// authenticated (the SASL messages; the startup packet has its own bound of
// 10,000 bytes), so that a client nobody knows yet cannot make the server
// allocate Options.MaxMessageSize by announcing it. Postgres bounds
// authentication tokens the same way (PG_MAX_AUTH_TOKEN_LENGTH).
const MaxAuthMessageSize = 64 << 10

// DefaultMaxStartupConns is the default Options.MaxStartupConns.
const DefaultMaxStartupConns = 64

// enterStartup counts c among the connections that have not authenticated
// yet; it reports false when there are already Options.MaxStartupConns of
// them, and c is to be refused.
func (c *conn) enterStartup() bool {
	c.starting = true
	return c.srv.starting.Add(1) <= int64(c.srv.opts.MaxStartupConns)
}

// leaveStartup ends c's startup phase, once it has authenticated or ended:
// it no longer counts against Options.MaxStartupConns, and its messages
// may be as large as Options.MaxMessageSize.
func (c *conn) leaveStartup() {
	if c.starting {
		c.starting = false
		c.srv.starting.Add(-1)
	}
	c.be.SetMaxBodyLen(c.srv.opts.MaxMessageSize)
}

// refuseStartup tells a client that came while too many others were
// authenticating that it cannot be served now, as Postgres does when its
// connection slots are taken.
func (c *conn) refuseStartup() {
	c.srv.log.Info("wire: connection refused: too many connections have not authenticated yet",
		"pid", c.pid, "max_startup_conns", c.srv.opts.MaxStartupConns)
	c.fatal(sqlstate.Errorf(sqlstate.TooManyConnections, "sorry, too many clients already"))
}
