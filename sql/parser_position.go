package sql

// tryPosition parses POSITION(substring IN string) as Postgres does: the
// call position(string, substring), which is strpos. The operands bind
// more tightly than IN (Postgres' b_expr, here without comparisons). When
// the words are not that form (position(a, b), a column named position)
// it consumes nothing and reports false.
func (p *parser) tryPosition() (Expr, bool, error) {
	if !p.nextIsOpAt(1, "(") {
		return nil, false, nil
	}
	save, depth := p.i, p.depth
	t := p.next()
	p.i++ // (
	sub, err := p.parseExprLevel(lvlOp)
	if err != nil || !p.acceptKw("in") {
		p.i, p.depth = save, depth
		return nil, false, nil
	}
	s, err := p.parseExprLevel(lvlOp)
	if err != nil {
		return nil, true, err
	}
	if err := p.expectOp(")"); err != nil {
		return nil, true, err
	}
	return &FuncCall{Pos: Pos(t.pos), Name: Name{Pos: Pos(t.pos), Value: "position"}, Args: []Expr{s, sub}}, true, nil
}

// isPositionCall reports whether e is position(string, substring), which
// prints as POSITION(substring IN string), the form every SQL dialect reads.
func isPositionCall(e *FuncCall) bool {
	return e.Name.Value == "position" && !e.Name.Quoted && len(e.Args) == 2 && !e.Star && !e.Distinct &&
		len(e.OrderBy) == 0 && e.Filter == nil
}
