package sql

// Select returns the query of CREATE SINK st: its AS query, or for
// CREATE SINK … FROM name, a query of every visible column of name.
func (st *CreateSink) Select() *Select {
	if st.Query != nil {
		return st.Query
	}
	return &Select{Pos: st.From.Position(), Items: []SelectItem{{Pos: st.From.Position(), Star: true}},
		From: []TableExpr{&TableName{Name: st.From}}}
}
