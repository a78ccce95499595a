package session

import "context"

// PreparedStatements are the named prepared statements of a session's
// connection, which the front end keeps: DEALLOCATE and DISCARD ALL drop
// them.
type PreparedStatements interface {
	// Deallocate drops the statement called name; ok is false when the
	// connection has none of that name.
	Deallocate(name string) (ok bool)
	// DeallocateAll drops every named statement.
	DeallocateAll()
}

type preparedKey struct{}

// WithPreparedStatements marks ctx, a statement's context, with the
// prepared statements of the connection that runs it.
func WithPreparedStatements(ctx context.Context, ps PreparedStatements) context.Context {
	return context.WithValue(ctx, preparedKey{}, ps)
}

// PreparedStatementsOf returns the prepared statements ctx was marked with;
// ok is false for a statement of no connection (the embedding API).
func PreparedStatementsOf(ctx context.Context) (ps PreparedStatements, ok bool) {
	ps, ok = ctx.Value(preparedKey{}).(PreparedStatements)
	return ps, ok
}
