package sql

// parseSelect parses a SELECT query; the next token is SELECT.
func (p *parser) parseSelect() (*Select, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	t := p.next()
	s := &Select{Pos: Pos(t.pos)}
	if p.acceptKw("distinct") {
		s.Distinct = true
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
		if s.GroupBy, err = p.parseExprList(); err != nil {
			return nil, err
		}
	}
	if p.acceptKw("having") {
		if s.Having, err = p.parseExpr(); err != nil {
			return nil, err
		}
	}
	if p.isKw("order") {
		p.i++
		if err := p.expectKw("by"); err != nil {
			return nil, err
		}
		if s.OrderBy, err = p.parseOrderBy(); err != nil {
			return nil, err
		}
	}
	return s, p.parseLimitOffset(s)
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

// parseLimitOffset parses LIMIT, OFFSET and FETCH FIRST in any order.
func (p *parser) parseLimitOffset(s *Select) error {
	limitSeen, offsetSeen := false, false
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
		var kind JoinKind
		switch {
		case isKwTok(t, "join"):
			kind = JoinInner
		case isKwTok(t, "inner"):
			kind = JoinInner
			p.i++
		case isKwTok(t, "cross"):
			kind = JoinCross
			p.i++
		case isKwTok(t, "left"), isKwTok(t, "right"), isKwTok(t, "full"):
			kind = map[string]JoinKind{"left": JoinLeft, "right": JoinRight, "full": JoinFull}[t.val]
			p.i++
			p.acceptKw("outer")
		default:
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
		j := &JoinTableExpr{Pos: Pos(t.pos), Kind: kind, Left: left, Right: right}
		if kind != JoinCross {
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
		if p.isKw("select") {
			q, err := p.parseSelect()
			if err != nil {
				return nil, err
			}
			if err := p.expectOp(")"); err != nil {
				return nil, err
			}
			alias, err := p.parseAlias()
			if err != nil {
				return nil, err
			}
			return &Subquery{Pos: Pos(t.pos), Query: q, Alias: alias}, nil
		}
		te, err := p.parseTableRef()
		if err != nil {
			return nil, err
		}
		return te, p.expectOp(")")
	}
	name, err := p.parseObjectName()
	if err != nil {
		return nil, err
	}
	alias, err := p.parseAlias()
	if err != nil {
		return nil, err
	}
	return &TableName{Name: name, Alias: alias}, nil
}
