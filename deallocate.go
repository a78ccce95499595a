package weir

import (
	"context"

	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/session"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// deallocate runs DEALLOCATE name | ALL over the prepared statements of
// the session's connection (session.PreparedStatementsOf; a session of no
// connection has none): a name of no statement is 26000, as in Postgres.
func (s *Session) deallocate(ctx context.Context, st *sql.Deallocate) (*Result, error) {
	ps, ok := session.PreparedStatementsOf(ctx)
	if st.All {
		if ok {
			ps.DeallocateAll()
		}
		return &Result{Tag: st.Tag()}, nil
	}
	if !ok || !ps.Deallocate(st.Name) {
		return nil, sqlstate.ErrorfAt(sqlstate.InvalidSQLStatementName, st.Pos, "prepared statement \"%s\" does not exist", st.Name)
	}
	return &Result{Tag: st.Tag()}, nil
}

// discard runs DISCARD. DISCARD ALL closes the session's cursors, resets
// its parameters (RESET ALL) and drops its connection's prepared
// statements, outside a transaction block only (25001); weir caches no
// plans and has no sequences or temporary tables, so DISCARD PLANS,
// SEQUENCES and TEMP have nothing to drop.
func (s *Session) discard(ctx context.Context, st *sql.Discard) (*Result, error) {
	if st.What != "ALL" {
		return &Result{Tag: st.Tag()}, nil
	}
	if s.tx != nil {
		return nil, sqlstate.ErrorfAt(sqlstate.ActiveSQLTransaction, st.Pos, "DISCARD ALL cannot run inside a transaction block")
	}
	s.cursors.CloseAll()
	res := s.params.ResetAll()
	if ps, ok := session.PreparedStatementsOf(ctx); ok {
		ps.DeallocateAll()
	}
	res.Tag = st.Tag()
	return res, nil
}
