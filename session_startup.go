package weir

import "github.com/weir-stream/weir/sql"

// SetParameter sets the run-time parameter name to value for the session,
// as SET name = 'value' does: the wire calls it for the parameters of a
// client's startup packet. The error is SET's (42704 for an unknown name,
// 22023 or 0A000 for a value weir refuses).
func (s *Session) SetParameter(name, value string) error {
	_, err := s.set(&sql.Set{Name: name, Value: value, Pos: -1})
	return err
}

// Parameter returns the session's value of the run-time parameter name, as
// SHOW name does: the wire reports the ones clients track after the
// startup packet's parameters are applied.
func (s *Session) Parameter(name string) string {
	return s.params.Get(name)
}
