package sql

// FieldSelect is the selection of a field of a composite value, `(expr).field`:
// Postgres' syntax for a column of a row-valued expression (pgjdbc's
// `(information_schema._pg_expandarray(conkey)).n`). weir's binder knows no
// composite types; exec/adhoc hands it to DuckDB as a struct's field.
type FieldSelect struct {
	Pos   Pos
	Expr  Expr
	Field Name
}

func (e *FieldSelect) Position() Pos { return e.Pos }
func (*FieldSelect) exprNode()       {}

// parseFieldSelect parses the `.field` that may follow a parenthesised
// expression e, which started at pos; it returns e when none does.
func (p *parser) parseFieldSelect(pos Pos, e Expr) (Expr, error) {
	for p.isOp(".") && p.peekAt(1).kind == tkIdent {
		p.i++
		f, err := p.parseName()
		if err != nil {
			return nil, err
		}
		e = &FieldSelect{Pos: pos, Expr: e, Field: f}
	}
	return e, nil
}

// fieldSelect prints (expr).field.
func (pr printer) fieldSelect(e *FieldSelect) {
	pr.w("(")
	pr.expr(e.Expr, 0, 0, false)
	pr.w(").")
	pr.w(ident(e.Field))
}
