package wire

// Deallocate drops the named prepared statement name (SQL's DEALLOCATE):
// session.PreparedStatements, called on the connection's goroutine while
// it runs the statement.
func (c *conn) Deallocate(name string) bool {
	if name == "" {
		return false
	}
	if _, ok := c.stmts[name]; !ok {
		return false
	}
	delete(c.stmts, name)
	return true
}

// DeallocateAll drops every named prepared statement (DEALLOCATE ALL,
// DISCARD ALL); the unnamed one stays, as in Postgres.
func (c *conn) DeallocateAll() {
	for name := range c.stmts {
		if name != "" {
			delete(c.stmts, name)
		}
	}
}
