package sql

import "strings"

// WindowTVF is a window table function in FROM: TUMBLE(rel, ts, size
// [, offset]), HOP(rel, ts, slide, size [, offset]) or SESSION(rel, ts,
// gap), RisingWave's spelling, or Flink's TABLE(TUMBLE(TABLE rel,
// DESCRIPTOR(ts), size)). Its rows are rel's with window_start and
// window_end appended.
type WindowTVF struct {
	Pos Pos
	// Func is the function: "tumble", "hop" or "session".
	Func Name
	// Input is the relation windowed: a *TableName or a *Subquery.
	Input TableExpr
	// Partition names the columns of Input that SESSION's sessions are
	// per (PARTITION BY a or PARTITION BY (a, b) after the relation, in
	// both spellings, as Flink places it); none for one session sequence
	// over all rows. TUMBLE and HOP take none.
	Partition []Name
	// TimeCol names Input's column of event time.
	TimeCol Name
	// Args are the intervals after TimeCol, as written.
	Args []Expr
	// Flink is set for the TABLE(… TABLE rel, DESCRIPTOR(ts) …) spelling,
	// which the printer writes back.
	Flink bool
	Alias *Name
	// Columns renames the output's first columns: AS alias (a, b).
	Columns []Name
}

func (t *WindowTVF) Position() Pos { return t.Pos }
func (*WindowTVF) tableExprNode()  {}

// IsWindowTVFName reports whether name (lower case) is a window table
// function.
func IsWindowTVFName(name string) bool {
	return name == "tumble" || name == "hop" || name == "session"
}

// atWindowTVF reports whether a window table function starts at the next
// token: TUMBLE( / HOP( / SESSION(, or TABLE(TUMBLE( ….
func (p *parser) atWindowTVF() bool {
	t := p.peek()
	if t.kind != tkIdent || t.quoted || !p.nextIsOpAt(1, "(") {
		return false
	}
	if IsWindowTVFName(t.val) {
		return true
	}
	n := p.peekAt(2)
	return t.val == "table" && n.kind == tkIdent && !n.quoted && IsWindowTVFName(n.val) && p.nextIsOpAt(3, "(")
}

// parseWindowTVF parses a window table function (atWindowTVF) and its
// alias.
func (p *parser) parseWindowTVF() (TableExpr, error) {
	start := p.peek()
	f := &WindowTVF{Pos: Pos(start.pos)}
	if isKwTok(start, "table") {
		f.Flink = true
		p.next()
		p.next() // (
	}
	nameTok := p.next()
	f.Func = Name{Pos: Pos(nameTok.pos), Value: nameTok.val}
	p.next() // (
	var err error
	if f.Flink {
		if err := p.expectKw("table"); err != nil {
			return nil, err
		}
	}
	if f.Input, err = p.parseWindowInput(); err != nil {
		return nil, err
	}
	if f.Func.Value == "session" && p.isKw("partition") && isKwTok(p.peekAt(1), "by") {
		p.next()
		p.next()
		if f.Partition, err = p.parsePartitionNames(); err != nil {
			return nil, err
		}
	}
	if err := p.expectOp(","); err != nil {
		return nil, err
	}
	if f.Flink {
		if err := p.expectKw("descriptor"); err != nil {
			return nil, err
		}
		if err := p.expectOp("("); err != nil {
			return nil, err
		}
	}
	if f.TimeCol, err = p.parseName(); err != nil {
		return nil, err
	}
	if f.Flink {
		if err := p.expectOp(")"); err != nil {
			return nil, err
		}
	}
	for p.acceptOp(",") {
		e, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		f.Args = append(f.Args, e)
	}
	if err := p.expectOp(")"); err != nil {
		return nil, err
	}
	if f.Flink {
		if err := p.expectOp(")"); err != nil {
			return nil, err
		}
	}
	if f.Alias, err = p.parseAlias(); err != nil {
		return nil, err
	}
	if f.Alias != nil && p.isOp("(") {
		if f.Columns, err = p.parseNameList(); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// parsePartitionNames parses the columns after SESSION's PARTITION BY: one
// name, or a parenthesised list of them.
func (p *parser) parsePartitionNames() ([]Name, error) {
	if p.isOp("(") {
		return p.parseNameList()
	}
	n, err := p.parseName()
	if err != nil {
		return nil, err
	}
	return []Name{n}, nil
}

// parseWindowInput parses the relation a window table function reads: a
// name (a WITH query's is its query) or a parenthesised query.
func (p *parser) parseWindowInput() (TableExpr, error) {
	t := p.peek()
	if p.isOp("(") {
		p.next()
		q, err := p.parseQuery()
		if err != nil {
			return nil, err
		}
		if err := p.expectOp(")"); err != nil {
			return nil, err
		}
		return &Subquery{Pos: Pos(t.pos), Query: q}, nil
	}
	name, err := p.parseObjectName()
	if err != nil {
		return nil, err
	}
	if cte := p.cteNamed(name); cte != nil {
		return p.expandCTE(cte, Pos(t.pos), nil)
	}
	return &TableName{Name: name}, nil
}

// windowTVF prints te when it is a WindowTVF.
func (pr printer) windowTVF(te TableExpr) bool {
	f, ok := te.(*WindowTVF)
	if !ok {
		return false
	}
	name := strings.ToUpper(f.Func.Value)
	if f.Flink {
		pr.w("TABLE(" + name + "(TABLE ")
	} else {
		pr.w(name + "(")
	}
	switch in := f.Input.(type) {
	case *Subquery:
		if len(in.Columns) > 0 {
			// A WITH query's column names: a query over it that keeps them.
			pr.w("(SELECT * FROM ")
			pr.tableExpr(in)
			pr.w(")")
			break
		}
		pr.w("(")
		pr.query(in.Query)
		pr.w(")")
	default:
		pr.tableExpr(in)
	}
	if len(f.Partition) > 0 {
		pr.w(" PARTITION BY (")
		pr.names(f.Partition)
		pr.w(")")
	}
	if f.Flink {
		pr.w(", DESCRIPTOR(" + ident(f.TimeCol) + ")")
	} else {
		pr.w(", " + ident(f.TimeCol))
	}
	for _, a := range f.Args {
		pr.w(", ")
		pr.expr(a, 0, 0, false)
	}
	pr.w(")")
	if f.Flink {
		pr.w(")")
	}
	if f.Alias != nil {
		pr.w(" AS " + ident(*f.Alias))
		if len(f.Columns) > 0 {
			pr.w(" (")
			pr.names(f.Columns)
			pr.w(")")
		}
	}
	return true
}

// parseEmitOnWindowClose parses EMIT ON WINDOW CLOSE when it comes next.
func (p *parser) parseEmitOnWindowClose() (bool, Pos, error) {
	t := p.peek()
	if !p.acceptKw("emit") {
		return false, 0, nil
	}
	for _, kw := range []string{"on", "window", "close"} {
		if err := p.expectKw(kw); err != nil {
			return false, 0, err
		}
	}
	return true, Pos(t.pos), nil
}
