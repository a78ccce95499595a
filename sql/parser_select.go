package sql

// parseQuery parses a query: SELECTs and parenthesised queries combined by
// UNION, INTERSECT and EXCEPT, then the ORDER BY, LIMIT and OFFSET of the
// whole. The next token is SELECT or "(".
func (p *parser) parseQuery() (*Select, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	if p.isKw("with") {
		return p.parseWithQuery()
	}
	first, err := p.parseQueryPrimary()
	if err != nil {
		return nil, err
	}
	return p.parseQueryRest(first)
}

// continueQuery parses the rest of a parenthesised query whose first
// operand, a parenthesised query itself, was parsed as an expression or a
// FROM item before the set operator, ORDER BY or LIMIT after it showed
// what it was: ((SELECT 1) UNION SELECT 2).
func (p *parser) continueQuery(first *Select) (*Select, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	return p.parseQueryRest(first)
}

// parseQueryRest parses what follows a query's first operand: set
// operations, then ORDER BY, LIMIT and OFFSET.
func (p *parser) parseQueryRest(first *Select) (*Select, error) {
	q, err := p.parseSetOps(first, SetUnion.level())
	if err != nil {
		return nil, err
	}
	if p.isKw("order") {
		p.i++
		if err := p.expectKw("by"); err != nil {
			return nil, err
		}
		items, err := p.parseOrderBy()
		if err != nil {
			return nil, err
		}
		if len(q.OrderBy) > 0 {
			// A parenthesised query had its own: (SELECT … ORDER BY a) ORDER BY b.
			return nil, p.errorf(int(items[0].Expr.Position()), "multiple ORDER BY clauses not allowed")
		}
		q.OrderBy = items
	}
	return q, p.parseLimitOffset(q)
}

// parseSetOps parses the set operations binding at least as tightly as
// minLevel that follow left, left-associatively, and returns the query
// they make.
func (p *parser) parseSetOps(left *Select, minLevel int) (*Select, error) {
	// Each operator applied to left makes the tree one level deeper.
	chain := 0
	defer func() { p.depth -= chain }()
	for {
		t := p.peek()
		op, ok := setOpOf(t)
		if !ok || op.level() < minLevel {
			return left, nil
		}
		p.i++
		all := p.acceptKw("all")
		if !all {
			p.acceptKw("distinct")
		}
		chain++
		if err := p.enter(); err != nil {
			return nil, err
		}
		right, err := p.parseQueryPrimary()
		if err != nil {
			return nil, err
		}
		if next, ok := setOpOf(p.peek()); ok && next.level() > op.level() {
			if right, err = p.parseSetOps(right, next.level()); err != nil {
				return nil, err
			}
		}
		left = &Select{Pos: left.Pos, Set: &SetOp{Pos: Pos(t.pos), Op: op, All: all, Left: left, Right: right}}
	}
}

// setOpOf returns the set operator t is, if it is one.
func setOpOf(t token) (SetOpKind, bool) {
	switch {
	case isKwTok(t, "union"):
		return SetUnion, true
	case isKwTok(t, "intersect"):
		return SetIntersect, true
	case isKwTok(t, "except"):
		return SetExcept, true
	}
	return 0, false
}

// atQueryContinuation reports whether the next token continues a query
// after an operand: a set operator, ORDER BY, LIMIT, OFFSET or FETCH.
func (p *parser) atQueryContinuation() bool {
	if _, ok := setOpOf(p.peek()); ok {
		return true
	}
	return p.isKw("order") || p.isKw("limit") || p.isKw("offset") || p.isKw("fetch")
}

// atQuery reports whether a query starts at the next token: SELECT, or
// parentheses around one.
func (p *parser) atQuery() bool {
	for n := 0; ; n++ {
		t := p.peekAt(n)
		if t.kind != tkOp || t.val != "(" {
			return isKwTok(t, "select") || isKwTok(t, "with")
		}
	}
}

// parseQueryPrimary parses an operand of a set operation: a SELECT without
// ORDER BY and LIMIT, or a parenthesised query.
func (p *parser) parseQueryPrimary() (*Select, error) {
	if p.acceptOp("(") {
		q, err := p.parseQuery()
		if err != nil {
			return nil, err
		}
		return q, p.expectOp(")")
	}
	if p.isKw("values") {
		return p.parseValues()
	}
	if !p.isKw("select") {
		return nil, p.errUnexpected()
	}
	return p.parseSelectCore()
}

// parenthesisedQuery returns the query of e when e is a scalar subquery,
// possibly in more parentheses, else nil.
func parenthesisedQuery(e Expr) *Select {
	for {
		switch x := e.(type) {
		case *ParenExpr:
			e = x.Expr
		case *SubqueryExpr:
			return x.Query
		default:
			return nil
		}
	}
}

// parseSelectCore parses a SELECT up to its HAVING clause; the next token
// is SELECT. ORDER BY and LIMIT belong to the query around it (parseQuery).
func (p *parser) parseSelectCore() (*Select, error) {
	t := p.next()
	s := &Select{Pos: Pos(t.pos)}
	if p.acceptKw("distinct") {
		if p.acceptKw("on") {
			if err := p.expectOp("("); err != nil {
				return nil, err
			}
			on, err := p.parseExprList()
			if err != nil {
				return nil, err
			}
			if err := p.expectOp(")"); err != nil {
				return nil, err
			}
			s.DistinctOn = on
		} else {
			s.Distinct = true
		}
	} else {
		p.acceptKw("all")
	}
	for {
		if len(s.Items) == MaxSelectItems {
			return nil, tooWide(p.peek().pos, tooManyColumns, "target lists can have at most %d entries", MaxSelectItems)
		}
		item, err := p.parseSelectItem()
		if err != nil {
			return nil, err
		}
		s.Items = append(s.Items, item)
		if !p.acceptOp(",") {
			break
		}
	}
	if p.acceptKw("from") {
		for {
			te, err := p.parseTableRef()
			if err != nil {
				return nil, err
			}
			s.From = append(s.From, te)
			if !p.acceptOp(",") {
				break
			}
		}
	}
	var err error
	if p.acceptKw("where") {
		if s.Where, err = p.parseExpr(); err != nil {
			return nil, err
		}
	}
	if p.isKw("group") {
		p.i++
		if err := p.expectKw("by"); err != nil {
			return nil, err
		}
		if s.GroupBy, err = p.parseGroupBy(); err != nil {
			return nil, err
		}
	}
	if p.acceptKw("having") {
		if s.Having, err = p.parseExpr(); err != nil {
			return nil, err
		}
	}
	if p.isKw("window") {
		if s.Windows, err = p.parseWindowClause(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// parseSelectItem parses *, t.*, or expr [[AS] alias].
func (p *parser) parseSelectItem() (SelectItem, error) {
	t := p.peek()
	if p.acceptOp("*") {
		return SelectItem{Pos: Pos(t.pos), Star: true}, nil
	}
	if isColIdTok(t) && p.nextIsOpAt(1, ".") && p.nextIsOpAt(2, "*") {
		p.i += 3
		return SelectItem{Pos: Pos(t.pos), Star: true, Table: &Name{Pos: Pos(t.pos), Value: t.val, Quoted: t.quoted}}, nil
	}
	e, err := p.parseExpr()
	if err != nil {
		return SelectItem{}, err
	}
	item := SelectItem{Pos: Pos(t.pos), Expr: e}
	// After AS a column's name may be any key word, as in Postgres'
	// ColLabel (SQLAlchemy writes "AS DEFAULT").
	if l := p.peekAt(1); p.isKw("as") && l.kind == tkIdent {
		p.i += 2
		return SelectItem{Pos: item.Pos, Expr: e, Alias: &Name{Pos: Pos(l.pos), Value: l.val, Quoted: l.quoted}}, nil
	}
	item.Alias, err = p.parseAlias()
	return item, err
}

// parseAlias parses an optional [AS] alias.
func (p *parser) parseAlias() (*Name, error) {
	if p.acceptKw("as") {
		n, err := p.parseName()
		if err != nil {
			return nil, err
		}
		return &n, nil
	}
	if isColIdTok(p.peek()) {
		n, err := p.parseName()
		return &n, err
	}
	return nil, nil
}

// parseOrderBy parses e [ASC|DESC] [NULLS FIRST|LAST], ….
func (p *parser) parseOrderBy() ([]OrderItem, error) {
	var items []OrderItem
	for {
		e, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		item := OrderItem{Expr: e}
		if p.acceptKw("desc") {
			item.Desc = true
		} else {
			p.acceptKw("asc")
		}
		if p.acceptKw("nulls") {
			var first bool
			switch {
			case p.acceptKw("first"):
				first = true
			case p.acceptKw("last"):
			default:
				return nil, p.errUnexpected()
			}
			item.NullsFirst = &first
		}
		items = append(items, item)
		if !p.acceptOp(",") {
			return items, nil
		}
	}
}

// parseLimitOffset parses LIMIT, OFFSET and FETCH FIRST in any order; s
// may have its own already, from inside parentheses.
func (p *parser) parseLimitOffset(s *Select) error {
	limitSeen, offsetSeen := s.Limit != nil, s.Offset != nil
	for {
		t := p.peek()
		switch {
		case isKwTok(t, "limit"):
			if limitSeen {
				return p.errorf(t.pos, "multiple LIMIT clauses not allowed")
			}
			limitSeen = true
			p.i++
			if p.acceptKw("all") {
				continue
			}
			e, err := p.parseExpr()
			if err != nil {
				return err
			}
			s.Limit = e
		case isKwTok(t, "fetch"):
			if limitSeen {
				return p.errorf(t.pos, "multiple LIMIT clauses not allowed")
			}
			limitSeen = true
			p.i++
			if !p.acceptKw("first") && !p.acceptKw("next") {
				return p.errUnexpected()
			}
			if (p.isKw("row") || p.isKw("rows")) && isKwTok(p.peekAt(1), "only") {
				s.Limit = &Literal{Pos: Pos(p.peek().pos), Kind: LitInteger, Value: "1"}
			} else {
				e, err := p.parseExpr()
				if err != nil {
					return err
				}
				s.Limit = e
			}
			if !p.acceptKw("row") && !p.acceptKw("rows") {
				return p.errUnexpected()
			}
			if err := p.expectKw("only"); err != nil {
				return err
			}
		case isKwTok(t, "offset"):
			if offsetSeen {
				return p.errorf(t.pos, "multiple OFFSET clauses not allowed")
			}
			offsetSeen = true
			p.i++
			e, err := p.parseExpr()
			if err != nil {
				return err
			}
			s.Offset = e
			if !p.acceptKw("row") {
				p.acceptKw("rows")
			}
		default:
			return nil
		}
	}
}

// parseTableRef parses a FROM item with its joins.
func (p *parser) parseTableRef() (TableExpr, error) {
	left, err := p.parseTablePrimary()
	if err != nil {
		return nil, err
	}
	// Each join applied to left makes the tree one level deeper.
	chain := 0
	defer func() { p.depth -= chain }()
	for {
		t := p.peek()
		natural := p.acceptKw("natural")
		if natural && p.isKw("cross") {
			return nil, p.errUnexpected()
		}
		kt := p.peek()
		var kind JoinKind
		switch {
		case isKwTok(kt, "join"):
			kind = JoinInner
		case isKwTok(kt, "inner"):
			kind = JoinInner
			p.i++
		case isKwTok(kt, "cross"):
			kind = JoinCross
			p.i++
		case isKwTok(kt, "left"), isKwTok(kt, "right"), isKwTok(kt, "full"):
			kind = map[string]JoinKind{"left": JoinLeft, "right": JoinRight, "full": JoinFull}[kt.val]
			p.i++
			p.acceptKw("outer")
		default:
			if natural {
				return nil, p.errUnexpected()
			}
			return left, nil
		}
		if err := p.expectKw("join"); err != nil {
			return nil, err
		}
		chain++
		if err := p.enter(); err != nil {
			return nil, err
		}
		right, err := p.parseTablePrimary()
		if err != nil {
			return nil, err
		}
		j := &JoinTableExpr{Pos: Pos(t.pos), Kind: kind, Natural: natural, Left: left, Right: right}
		if kind != JoinCross && !natural {
			switch {
			case p.acceptKw("on"):
				if j.On, err = p.parseExpr(); err != nil {
					return nil, err
				}
			case p.acceptKw("using"):
				if j.Using, err = p.parseNameList(); err != nil {
					return nil, err
				}
			default:
				return nil, p.errUnexpected()
			}
		}
		left = j
	}
}

// parseTablePrimary parses a table name, a subquery, or a parenthesised join.
func (p *parser) parseTablePrimary() (TableExpr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	t := p.peek()
	if p.acceptOp("(") {
		var q *Select
		var err error
		if p.isKw("select") || p.isKw("with") || p.isKw("values") {
			if q, err = p.parseQuery(); err != nil {
				return nil, err
			}
		} else {
			te, err := p.parseTableRef()
			if err != nil {
				return nil, err
			}
			sub, ok := te.(*Subquery)
			if !ok || sub.Alias != nil || !p.atQueryContinuation() {
				if err := p.expectOp(")"); err != nil {
					return nil, err
				}
				if ok && sub.Alias == nil {
					// ((SELECT …)) AS s
					sub.Alias, err = p.parseAlias()
				}
				return te, err
			}
			// ((SELECT …) UNION …): the parenthesised item was the first
			// operand of a query.
			if q, err = p.continueQuery(sub.Query); err != nil {
				return nil, err
			}
		}
		if err := p.expectOp(")"); err != nil {
			return nil, err
		}
		sub := &Subquery{Pos: Pos(t.pos), Query: q}
		if sub.Alias, err = p.parseAlias(); err != nil {
			return nil, err
		}
		if sub.Alias != nil && p.isOp("(") {
			if sub.Columns, err = p.parseNameList(); err != nil {
				return nil, err
			}
		}
		return sub, nil
	}
	if p.atWindowTVF() {
		return p.parseWindowTVF()
	}
	if t.kind == tkIdent && p.nextIsOpAt(1, "(") {
		return p.parseTableFunc()
	}
	name, err := p.parseObjectName()
	if err != nil {
		return nil, err
	}
	asOf, err := p.parseForSystemTime()
	if err != nil {
		return nil, err
	}
	alias, err := p.parseAlias()
	if err != nil {
		return nil, err
	}
	if cte := p.cteNamed(name); cte != nil && asOf == nil {
		return p.expandCTE(cte, Pos(t.pos), alias)
	}
	return &TableName{Name: name, Alias: alias, ForSystemTime: asOf}, nil
}
