package sql

// TableFunc is a set-returning function call in FROM (generate_series(1,
// 10) AS g (n)): weir runs it ad hoc, through DuckDB.
type TableFunc struct {
	Pos   Pos
	Call  *FuncCall
	Alias *Name
	// Columns renames the function's columns: AS alias (a, b).
	Columns []Name
}

func (t *TableFunc) Position() Pos { return t.Pos }
func (*TableFunc) tableExprNode()  {}

// parseTableFunc parses name(args) [[AS] alias [(columns)]] in FROM.
func (p *parser) parseTableFunc() (TableExpr, error) {
	t := p.peek()
	call, err := p.parseFuncCall()
	if err != nil {
		return nil, err
	}
	f := &TableFunc{Pos: Pos(t.pos), Call: call.(*FuncCall)}
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

// tableFunc prints te when it is a TableFunc.
func (pr printer) tableFunc(te TableExpr) bool {
	f, ok := te.(*TableFunc)
	if !ok {
		return false
	}
	pr.expr(f.Call, 0, 0, false)
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
