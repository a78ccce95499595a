package sql

// CreatePlainView is CREATE [OR REPLACE] VIEW name [(cols)] AS query: a
// named query without state, which every query naming it reads as a
// subquery.
type CreatePlainView struct {
	Pos       Pos
	OrReplace bool
	Name      ObjectName
	Columns   []Name
	Query     *Select
}

func (s *CreatePlainView) Position() Pos { return s.Pos }
func (*CreatePlainView) statementNode()  {}

// parseCreatePlainView parses the rest of CREATE VIEW after VIEW.
func (p *parser) parseCreatePlainView(pos Pos, orReplace bool) (Statement, error) {
	s := &CreatePlainView{Pos: pos, OrReplace: orReplace}
	var err error
	if p.isKw("if") {
		return nil, p.errUnexpected()
	}
	if s.Name, err = p.parseObjectName(); err != nil {
		return nil, err
	}
	if p.isOp("(") {
		if s.Columns, err = p.parseNameList(); err != nil {
			return nil, err
		}
	}
	if err := p.expectKw("as"); err != nil {
		return nil, err
	}
	if !p.atQuery() && !p.isKw("values") {
		return nil, p.errUnexpected()
	}
	if s.Query, err = p.parseQuery(); err != nil {
		return nil, err
	}
	return s, nil
}

// createPlainView prints s.
func (pr printer) createPlainView(s *CreatePlainView) {
	pr.w("CREATE ")
	if s.OrReplace {
		pr.w("OR REPLACE ")
	}
	pr.w("VIEW " + objectName(s.Name))
	if len(s.Columns) > 0 {
		pr.w(" (")
		pr.names(s.Columns)
		pr.w(")")
	}
	pr.w(" AS ")
	pr.query(s.Query)
}
