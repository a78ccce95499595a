package weir

import (
	"strings"

	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/session"
)

// set runs SET, SET LOCAL, SET … TO DEFAULT, RESET and RESET ALL over the
// session's parameters (sql/session.Params: their table, checks and
// values), its errors at the statement's position.
func (s *Session) set(st *sql.Set) (*Result, error) {
	if st.Value == session.Default && strings.EqualFold(st.Name, "all") {
		return s.params.ResetAll(), nil
	}
	set := s.params.Set
	if st.Local {
		set = s.params.Local
	}
	res, err := set(st.Name, st.Value)
	if err != nil {
		return nil, at(err, st.Pos)
	}
	return res, nil
}

// showParam runs SHOW name and SHOW ALL.
func (s *Session) showParam(st *sql.Show) (*Result, error) {
	rows, err := s.params.Show(st.Variable)
	if err != nil {
		return nil, at(err, st.Pos)
	}
	return session.TextResult(s.e.mem, session.ShowColumns(st.Variable), rows, "SHOW"), nil
}
