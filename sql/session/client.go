package session

import (
	"context"
	"net"
)

// Client is what the front end knows of a session's connection: the
// process ID it gave the client (BackendKeyData, cancel requests) and the
// client's address.
type Client struct {
	PID  uint32
	Addr net.Addr
	// Cancel cancels the statement the connection runs, if any, as a
	// CancelRequest does (pg_cancel_backend); nil when it cannot.
	Cancel func()
	// Terminate ends the connection with FATAL 57P01, as Postgres' SIGTERM
	// of a backend does (pg_terminate_backend): its running statement is
	// cancelled and the connection closed; nil when it cannot.
	Terminate func()
}

type clientKey struct{}

// WithClient marks ctx, the context a session is opened with, as that of
// a connection from c.
func WithClient(ctx context.Context, c Client) context.Context {
	return context.WithValue(ctx, clientKey{}, c)
}

// ClientOf returns the connection a session's opening context was marked
// with (WithClient); ok is false for a session of no connection (the
// embedding API).
func ClientOf(ctx context.Context) (c Client, ok bool) {
	c, ok = ctx.Value(clientKey{}).(Client)
	return c, ok
}
