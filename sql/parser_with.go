package sql

import "strconv"

// cteDef is a WITH query in scope. Each reference to it is parsed again
// from its tokens (expandCTE), so that every reference is a subquery of its
// own, as the binder and DuckDB need, with the positions of the text.
type cteDef struct {
	name       Name
	cols       []Name
	start, end int      // the tokens of its query, inside the parentheses
	scope      []cteDef // the WITH queries its query sees: those before it
}

// maxExpandedTokens bounds the tokens parsed again for the references to
// WITH queries in one statement: a WITH query that references an earlier
// one twice doubles it, so a few lines could otherwise expand to more than
// memory holds.
const maxExpandedTokens = 1 << 20

// Codes of the parser's errors that are not syntax errors (sql cannot
// import sqlstate, which imports it).
const (
	featureNotSupported = "0A000"
	duplicateAlias      = "42712"
)

// parseWithQuery parses `WITH name [(cols)] AS [[NOT] MATERIALIZED] (query), …`
// and the query after it, in which the names stand for their queries; the
// next token is WITH. The result holds no WITH: each table name that
// refers to a WITH query became a subquery (`(query) AS name (cols)`).
func (p *parser) parseWithQuery() (*Select, error) {
	p.next()
	if p.isKw("recursive") {
		t := p.peek()
		return nil, &Error{Pos: Pos(t.pos), Code: featureNotSupported, Msg: "WITH RECURSIVE is not supported",
			Hint: "Write the query without RECURSIVE; only non-recursive WITH queries are supported."}
	}
	outer := p.ctes
	defer func() { p.ctes = outer }()
	scope := outer[:len(outer):len(outer)]
	defined := map[string]bool{}
	for {
		t := p.peek()
		name, err := p.parseName()
		if err != nil {
			return nil, err
		}
		if defined[name.Value] {
			return nil, &Error{Pos: Pos(t.pos), Code: duplicateAlias, Msg: "WITH query name \"" + name.Value + "\" specified more than once"}
		}
		defined[name.Value] = true
		def := cteDef{name: name, scope: scope}
		if p.isOp("(") {
			if def.cols, err = p.parseNameList(); err != nil {
				return nil, err
			}
		}
		if err := p.expectKw("as"); err != nil {
			return nil, err
		}
		if p.acceptKw("not") {
			if err := p.expectKw("materialized"); err != nil {
				return nil, err
			}
		} else {
			p.acceptKw("materialized")
		}
		if err := p.expectOp("("); err != nil {
			return nil, err
		}
		if !p.atQuery() && !p.isKw("values") {
			return nil, p.errUnexpected()
		}
		def.start = p.i
		p.ctes = scope
		if _, err := p.parseQuery(); err != nil { // its syntax, checked once
			return nil, err
		}
		def.end = p.i
		if err := p.expectOp(")"); err != nil {
			return nil, err
		}
		scope = append(scope, def)
		scope = scope[:len(scope):len(scope)]
		if !p.acceptOp(",") {
			break
		}
	}
	p.ctes = scope
	first, err := p.parseQueryPrimary()
	if err != nil {
		return nil, err
	}
	return p.parseQueryRest(first)
}

// cteNamed returns the WITH query an unqualified table name refers to, the
// innermost of that name in scope, or nil.
func (p *parser) cteNamed(name ObjectName) *cteDef {
	if len(name.Parts) != 1 {
		return nil
	}
	for i := len(p.ctes) - 1; i >= 0; i-- {
		if p.ctes[i].name.Value == name.Parts[0].Value {
			return &p.ctes[i]
		}
	}
	return nil
}

// expandCTE returns a reference at pos to def, with the alias written
// after it (else the WITH query's name): a new copy of def's query.
func (p *parser) expandCTE(def *cteDef, pos Pos, alias *Name) (TableExpr, error) {
	if p.expanded == nil {
		p.expanded = new(int)
	}
	if *p.expanded += def.end - def.start; *p.expanded > maxExpandedTokens {
		return nil, &Error{Pos: pos, Code: tooComplex, Msg: "WITH queries expand to too large a statement",
			Hint: "Each reference to a WITH query is a copy of it; weir accepts at most " + strconv.Itoa(maxExpandedTokens) +
				" tokens of copies in one statement."}
	}
	sub := &parser{text: p.text, toks: p.toks, i: def.start, depth: p.depth, ctes: def.scope, expanded: p.expanded}
	q, err := sub.parseQuery()
	if err != nil {
		return nil, err
	}
	if sub.i != def.end {
		return nil, p.errAt(sub.peek())
	}
	if alias == nil {
		n := def.name
		n.Pos = pos
		alias = &n
	}
	return &Subquery{Pos: pos, Query: q, Alias: alias, Columns: def.cols}, nil
}

// atSubquery reports whether a query that is not parenthesised starts at
// the next token, after the "(" of a subquery in an expression: SELECT,
// WITH, or VALUES (.
func (p *parser) atSubquery() bool {
	return p.isKw("select") || p.isKw("with") || p.isKw("values") && p.nextIsOpAt(1, "(")
}

// parseValues parses `VALUES (e, …), …`, a query of constant rows; the
// next token is VALUES.
func (p *parser) parseValues() (*Select, error) {
	t := p.next()
	s := &Select{Pos: Pos(t.pos)}
	for {
		if err := p.expectOp("("); err != nil {
			return nil, err
		}
		rt := p.peek()
		row, err := p.parseExprList()
		if err != nil {
			return nil, err
		}
		if err := p.expectOp(")"); err != nil {
			return nil, err
		}
		if len(s.Values) > 0 && len(row) != len(s.Values[0]) {
			return nil, p.errorf(rt.pos, "VALUES lists must all be the same length")
		}
		s.Values = append(s.Values, row)
		if !p.acceptOp(",") {
			return s, nil
		}
	}
}

// values prints the rows of a VALUES query.
func (pr printer) values(rows [][]Expr) {
	pr.w("VALUES ")
	for i, r := range rows {
		if i > 0 {
			pr.w(", ")
		}
		pr.w("(")
		pr.exprList(r)
		pr.w(")")
	}
}
