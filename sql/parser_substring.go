package sql

// trySubstring parses SUBSTRING(string FROM start [FOR count]) and
// SUBSTRING(string FOR count [FROM start]), the SQL standard's forms, as the
// call substring(string, start[, count]) (start 1 when only FOR is given),
// which Postgres and DuckDB both read. When the words are not that form
// (substring(a, b)) it consumes nothing and reports false.
func (p *parser) trySubstring() (Expr, bool, error) {
	if !p.nextIsOpAt(1, "(") {
		return nil, false, nil
	}
	save, depth := p.i, p.depth
	t := p.next()
	p.i++ // (
	s, err := p.parseExpr()
	if err != nil || !p.isKw("from") && !p.isKw("for") {
		p.i, p.depth = save, depth
		return nil, false, nil
	}
	var from, count Expr
	for range 2 {
		switch {
		case from == nil && p.acceptKw("from"):
			if from, err = p.parseExpr(); err != nil {
				return nil, true, err
			}
		case count == nil && p.acceptKw("for"):
			if count, err = p.parseExpr(); err != nil {
				return nil, true, err
			}
		}
	}
	if err := p.expectOp(")"); err != nil {
		return nil, true, err
	}
	if from == nil {
		from = &Literal{Pos: Pos(t.pos), Kind: LitInteger, Value: "1"}
	}
	args := []Expr{s, from}
	if count != nil {
		args = append(args, count)
	}
	return &FuncCall{Pos: Pos(t.pos), Name: Name{Pos: Pos(t.pos), Value: "substring"}, Args: args}, true, nil
}
