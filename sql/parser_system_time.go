package sql

// parseForSystemTime parses `FOR SYSTEM_TIME AS OF expr` after a table's
// name (a temporal join's right side, SQL:2011's spelling as Flink and
// RisingWave take it) and returns expr, or nil when the clause is absent.
func (p *parser) parseForSystemTime() (Expr, error) {
	if !p.isKw("for") || !isKwTok(p.peekAt(1), "system_time") {
		return nil, nil
	}
	p.i += 2
	if err := p.expectKw("as"); err != nil {
		return nil, err
	}
	if err := p.expectKw("of"); err != nil {
		return nil, err
	}
	return p.parseExpr()
}
