package weir

import "github.com/weir-stream/weir/sql"

// beginActivity marks s as running st in pg_stat_activity (the engine's
// systables.Sessions); the function it returns marks it idle again, in a
// transaction block or not.
func (s *Session) beginActivity(st sql.Statement) func() {
	end := s.e.activity.Begin(s, st, s.params.Get("application_name"))
	return func() { end(s.tx != nil, s.params.Get("application_name")) }
}
