package sql

// tryTrim parses TRIM([LEADING | TRAILING | BOTH] [characters] FROM string),
// the SQL standard's form, as the call ltrim, rtrim or btrim(string[,
// characters]), as Postgres reads it. When the words are not that form
// (trim(s)) it consumes nothing and reports false.
func (p *parser) tryTrim() (Expr, bool, error) {
	if !p.nextIsOpAt(1, "(") {
		return nil, false, nil
	}
	save, depth := p.i, p.depth
	t := p.next()
	p.i++ // (
	name := "btrim"
	switch {
	case p.acceptKw("leading"):
		name = "ltrim"
	case p.acceptKw("trailing"):
		name = "rtrim"
	case p.acceptKw("both"):
	}
	var chars Expr
	if !p.isKw("from") {
		var err error
		if chars, err = p.parseExpr(); err != nil || !p.isKw("from") {
			p.i, p.depth = save, depth
			return nil, false, nil
		}
	}
	p.i++ // FROM
	s, err := p.parseExpr()
	if err != nil {
		return nil, true, err
	}
	if err := p.expectOp(")"); err != nil {
		return nil, true, err
	}
	args := []Expr{s}
	if chars != nil {
		args = append(args, chars)
	}
	return &FuncCall{Pos: Pos(t.pos), Name: Name{Pos: Pos(t.pos), Value: name}, Args: args}, true, nil
}
