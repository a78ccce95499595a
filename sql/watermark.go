package sql

// WatermarkDef is the WATERMARK FOR column AS expr clause of CREATE STREAM
// and CREATE TABLE (RisingWave's and Flink's spelling): the watermark of
// the relation is the largest value of Expr over the rows read so far, and
// a row whose Column is below it when it arrives is late. The engine
// checks Column and Expr (which must be non-decreasing in Column: the
// column itself, or the column minus a constant interval).
type WatermarkDef struct {
	Pos    Pos
	Column Name
	Expr   Expr
	// ExprPos is where Expr begins.
	ExprPos Pos
}

// isWatermarkDef reports whether the column list goes on with WATERMARK
// FOR (FOR is reserved, so no column named watermark can be declared so).
func (p *parser) isWatermarkDef() bool {
	return p.isKw("watermark") && isKwTok(p.peekAt(1), "for")
}

// parseWatermarkDef parses WATERMARK FOR column AS expr.
func (p *parser) parseWatermarkDef() (*WatermarkDef, error) {
	t := p.next() // WATERMARK
	p.i++         // FOR
	col, err := p.parseName()
	if err != nil {
		return nil, err
	}
	if err := p.expectKw("as"); err != nil {
		return nil, err
	}
	at := Pos(p.peek().pos)
	e, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	return &WatermarkDef{Pos: Pos(t.pos), Column: col, Expr: e, ExprPos: at}, nil
}

// watermarkDef prints WATERMARK FOR column AS expr.
func (pr printer) watermarkDef(w *WatermarkDef) {
	pr.w("WATERMARK FOR " + ident(w.Column) + " AS ")
	pr.expr(w.Expr, 0, 0, false)
}
