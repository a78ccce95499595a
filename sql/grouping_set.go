package sql

// GroupingKind says which grouping-set construct a GroupingSet is.
type GroupingKind int

const (
	// GroupingSets is GROUPING SETS (…): one grouping per element.
	GroupingSets GroupingKind = iota
	// Rollup is ROLLUP (e1, …, en): the groupings by e1…en, e1…en-1, …, ().
	Rollup
	// Cube is CUBE (e1, …, en): the groupings by every subset of e1…en.
	Cube
	// EmptyGrouping is (): one group of all rows.
	EmptyGrouping
)

// GroupingSet is an element of GROUP BY that groups the rows several ways
// at once: GROUPING SETS (…), ROLLUP (…), CUBE (…) or the empty grouping
// (). Items are its elements: for ROLLUP and CUBE each is one key or a
// parenthesized list of keys; for GROUPING SETS each is one expression
// (which may be a nested GroupingSet) or a parenthesized list (Paren), an
// empty one for ().
type GroupingSet struct {
	Pos   Pos
	Kind  GroupingKind
	Items []GroupingItem
}

// GroupingItem is one element of a GroupingSet.
type GroupingItem struct {
	Exprs []Expr
	Paren bool // written (…), as a list
}

func (e *GroupingSet) Position() Pos { return e.Pos }
func (*GroupingSet) exprNode()       {}

// parseGroupBy parses GROUP BY's list, whose elements may be grouping sets.
func (p *parser) parseGroupBy() ([]Expr, error) {
	var list []Expr
	for {
		e, err := p.parseGroupingElement()
		if err != nil {
			return nil, err
		}
		list = append(list, e)
		if !p.acceptOp(",") {
			return list, nil
		}
	}
}

// parseGroupingElement parses one element of GROUP BY or of GROUPING SETS:
// GROUPING SETS (…), ROLLUP (…), CUBE (…), () or an expression.
func (p *parser) parseGroupingElement() (Expr, error) {
	t := p.peek()
	var kind GroupingKind
	switch {
	case isKwTok(t, "grouping") && isKwTok(p.peekAt(1), "sets") && p.nextIsOpAt(2, "("):
		p.i += 2
		kind = GroupingSets
	case (isKwTok(t, "rollup") || isKwTok(t, "cube")) && p.nextIsOpAt(1, "("):
		p.i++
		kind = Rollup
		if t.val == "cube" {
			kind = Cube
		}
	case t.kind == tkOp && t.val == "(" && p.nextIsOpAt(1, ")"):
		p.i += 2
		return &GroupingSet{Pos: Pos(t.pos), Kind: EmptyGrouping}, nil
	default:
		return p.parseExpr()
	}
	p.i++ // (
	g := &GroupingSet{Pos: Pos(t.pos), Kind: kind}
	for {
		item, err := p.parseGroupingItem(kind == GroupingSets)
		if err != nil {
			return nil, err
		}
		g.Items = append(g.Items, item)
		if !p.acceptOp(",") {
			break
		}
	}
	return g, p.expectOp(")")
}

// parseGroupingItem parses an element of ROLLUP, CUBE or (nested when sets)
// GROUPING SETS: a parenthesized list of keys, () inside GROUPING SETS, or
// one key.
func (p *parser) parseGroupingItem(sets bool) (GroupingItem, error) {
	if p.isOp("(") {
		save, depth := p.i, p.depth
		p.i++
		if sets && p.acceptOp(")") {
			return GroupingItem{Paren: true}, nil
		}
		list, err := p.parseExprList()
		if err == nil && p.acceptOp(")") && (p.isOp(",") || p.isOp(")")) {
			return GroupingItem{Exprs: list, Paren: true}, nil
		}
		// An expression that starts with a parenthesis: (a + b) * 2.
		p.i, p.depth = save, depth
	}
	var e Expr
	var err error
	if sets {
		e, err = p.parseGroupingElement()
	} else {
		e, err = p.parseExpr()
	}
	return GroupingItem{Exprs: []Expr{e}}, err
}

// groupingSet prints e when it is a GroupingSet.
func (pr printer) groupingSet(e Expr) bool {
	g, ok := e.(*GroupingSet)
	if !ok {
		return false
	}
	switch g.Kind {
	case EmptyGrouping:
		pr.w("()")
		return true
	case GroupingSets:
		pr.w("GROUPING SETS (")
	case Rollup:
		pr.w("ROLLUP (")
	case Cube:
		pr.w("CUBE (")
	}
	for i, it := range g.Items {
		if i > 0 {
			pr.w(", ")
		}
		if it.Paren {
			pr.w("(")
		}
		pr.exprList(it.Exprs)
		if it.Paren {
			pr.w(")")
		}
	}
	pr.w(")")
	return true
}
