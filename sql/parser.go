package sql

import "strconv"

// MaxDepth bounds the nesting of expressions, subqueries and joins: every
// parenthesis, subquery, prefix operator, function call or CASE counts a
// level, and so does every operator of a left-deep chain (a+b+c is two levels
// deep). Everything after the parser (binder, printer, evaluator, DuckDB)
// recurses over trees no deeper than this, so a hostile text cannot exhaust
// the stack; a deeper statement is refused with SQLSTATE 54001.
const MaxDepth = 1000

// tooComplex is SQLSTATE 54001 (statement_too_complex); sql cannot import
// sqlstate, which imports it.
const tooComplex = "54001"

// parser is a recursive-descent parser over the tokens of one text. It is
// used by one goroutine at a time.
type parser struct {
	text  string
	toks  []token
	i     int
	depth int
	// ctes are the WITH queries in scope, innermost last (parser_with.go).
	ctes []cteDef
	// expanded counts the tokens parsed again for references to WITH
	// queries, shared by the parsers of one text (maxExpandedTokens).
	expanded *int
}

// Parse parses a ';'-separated script into statements; empty statements are
// skipped. Positions are byte offsets into text. Errors are *Error with
// Postgres-like messages (`syntax error at or near "FORM"`, `syntax error at
// end of input`, `unterminated quoted string at or near "'abc"`).
func Parse(text string) ([]Statement, error) {
	stmts, _, err := parseScript(text)
	return stmts, err
}

// StatementSpans returns the [start, end) byte range of each statement of a
// script, in the order Parse returns them. A range covers the statement's
// tokens, without surrounding space, comments or the ';'.
func StatementSpans(text string) ([][2]int, error) {
	_, spans, err := parseScript(text)
	return spans, err
}

// ParseOne parses exactly one statement; a trailing ';' is allowed.
func ParseOne(text string) (Statement, error) {
	stmts, spans, err := parseScript(text)
	if err != nil {
		return nil, err
	}
	switch len(stmts) {
	case 0:
		return nil, &Error{Pos: Pos(len(text)), Msg: "syntax error at end of input"}
	case 1:
		return stmts[0], nil
	}
	return nil, &Error{Pos: Pos(spans[1][0]), Msg: "cannot insert multiple commands into a prepared statement"}
}

// ParseExpr parses a standalone scalar expression.
func ParseExpr(text string) (Expr, error) {
	toks, err := lex(text)
	if err != nil {
		return nil, err
	}
	p := &parser{text: text, toks: toks}
	e, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if p.peek().kind != tkEOF {
		return nil, p.errUnexpected()
	}
	return e, nil
}

func parseScript(text string) ([]Statement, [][2]int, error) {
	toks, err := lex(text)
	if err != nil {
		return nil, nil, err
	}
	p := &parser{text: text, toks: toks}
	var stmts []Statement
	var spans [][2]int
	for {
		for p.isOp(";") {
			p.i++
		}
		if p.peek().kind == tkEOF {
			return stmts, spans, nil
		}
		start := p.peek().pos
		s, err := p.parseStatement()
		if err != nil {
			return nil, nil, err
		}
		end := p.toks[p.i-1].end
		if !p.isOp(";") && p.peek().kind != tkEOF {
			return nil, nil, p.errUnexpected()
		}
		stmts = append(stmts, s)
		spans = append(spans, [2]int{start, end})
	}
}

// ---------------------------------------------------------------- token helpers

func (p *parser) peek() token { return p.toks[p.i] }

// peekAt returns the token n places ahead (the EOF token past the end).
func (p *parser) peekAt(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tkEOF {
		p.i++
	}
	return t
}

// isKwTok reports whether t is the unquoted key word kw (lower case).
func isKwTok(t token, kw string) bool { return t.kind == tkIdent && !t.quoted && t.val == kw }

func (p *parser) isKw(kw string) bool { return isKwTok(p.peek(), kw) }

func (p *parser) isOp(op string) bool {
	t := p.peek()
	return t.kind == tkOp && t.val == op
}

// acceptKw consumes the key word kw if it is next.
func (p *parser) acceptKw(kw string) bool {
	if p.isKw(kw) {
		p.i++
		return true
	}
	return false
}

func (p *parser) acceptOp(op string) bool {
	if p.isOp(op) {
		p.i++
		return true
	}
	return false
}

func (p *parser) expectKw(kw string) error {
	if !p.acceptKw(kw) {
		return p.errUnexpected()
	}
	return nil
}

func (p *parser) expectOp(op string) error {
	if !p.acceptOp(op) {
		return p.errUnexpected()
	}
	return nil
}

// errUnexpected returns a syntax error at the next token.
func (p *parser) errUnexpected() error { return p.errAt(p.peek()) }

// errAt returns a syntax error at token t.
func (p *parser) errAt(t token) error {
	if t.kind == tkEOF {
		return &Error{Pos: Pos(len(p.text)), Msg: "syntax error at end of input"}
	}
	return &Error{Pos: Pos(t.pos), Msg: "syntax error at or near \"" + p.text[t.pos:t.end] + "\""}
}

func (p *parser) errorf(pos int, msg string) error { return &Error{Pos: Pos(pos), Msg: msg} }

// enter guards recursion depth; every successful enter is paired with leave.
func (p *parser) enter() error {
	p.depth++
	if p.depth > MaxDepth {
		return &Error{Pos: Pos(p.peek().pos), Code: tooComplex, Msg: "stack depth limit exceeded",
			Hint: "weir accepts expressions, subqueries and joins nested at most " + strconv.Itoa(MaxDepth) +
				" levels deep (a chain of operators counts one level each); simplify the statement."}
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// ---------------------------------------------------------------- names

// isColIdTok reports whether t can be a column, table or alias name: quoted,
// or an unquoted word that is not reserved.
func isColIdTok(t token) bool {
	return t.kind == tkIdent && (t.quoted || !reservedWords[t.val] && !typeFuncWords[t.val])
}

// parseName parses a column, table or alias name.
func (p *parser) parseName() (Name, error) {
	t := p.peek()
	if !isColIdTok(t) {
		return Name{}, p.errUnexpected()
	}
	p.i++
	return Name{Pos: Pos(t.pos), Value: t.val, Quoted: t.quoted}, nil
}

// parseObjectName parses name or schema.name.
func (p *parser) parseObjectName() (ObjectName, error) {
	n, err := p.parseName()
	if err != nil {
		return ObjectName{}, err
	}
	on := ObjectName{Parts: []Name{n}}
	if p.acceptOp(".") {
		n2, err := p.parseName()
		if err != nil {
			return ObjectName{}, err
		}
		on.Parts = append(on.Parts, n2)
	}
	return on, nil
}

// parseNameList parses (a, b, …).
func (p *parser) parseNameList() ([]Name, error) {
	if err := p.expectOp("("); err != nil {
		return nil, err
	}
	var names []Name
	for {
		n, err := p.parseName()
		if err != nil {
			return nil, err
		}
		names = append(names, n)
		if !p.acceptOp(",") {
			break
		}
	}
	return names, p.expectOp(")")
}

// ---------------------------------------------------------------- statements

func (p *parser) parseStatement() (Statement, error) {
	t := p.peek()
	if p.isOp("(") {
		return p.parseQuery()
	}
	if t.kind != tkIdent || t.quoted {
		return nil, p.errUnexpected()
	}
	switch t.val {
	case "select", "with", "values":
		return p.parseQuery()
	case "create":
		return p.parseCreate()
	case "drop":
		return p.parseDrop()
	case "alter":
		if isKwTok(p.peekAt(1), "materialized") {
			return p.parseAlterView()
		}
		if isKwTok(p.peekAt(1), "user") || isKwTok(p.peekAt(1), "role") {
			return p.parseAlterRole()
		}
	case "grant", "revoke":
		return p.parseGrant()
	case "insert":
		return p.parseInsert()
	case "update":
		return p.parseUpdate()
	case "delete":
		return p.parseDelete()
	case "show":
		return p.parseShow()
	case "describe", "desc":
		p.i++
		name, err := p.parseObjectName()
		if err != nil {
			return nil, err
		}
		return &Describe{Pos: Pos(t.pos), Name: name}, nil
	case "explain":
		p.i++
		var s Statement
		var err error
		switch {
		case p.atQuery():
			s, err = p.parseQuery()
		case p.isKw("create") && isKwTok(p.peekAt(1), "materialized"):
			s, err = p.parseCreate()
		default:
			return nil, p.errUnexpected()
		}
		if err != nil {
			return nil, err
		}
		return &Explain{Pos: Pos(t.pos), Stmt: s}, nil
	case "flush":
		p.i++
		return &Flush{Pos: Pos(t.pos)}, nil
	case "copy":
		return p.parseCopy()
	case "declare":
		return p.parseDeclareCursor()
	case "subscribe":
		return p.parseSubscribe()
	case "fetch", "move":
		return p.parseFetchCursor()
	case "close":
		return p.parseCloseCursor()
	case "deallocate":
		return p.parseDeallocate()
	case "discard":
		return p.parseDiscard()
	case "set":
		return p.parseSet()
	case "reset":
		return p.parseReset()
	case "begin", "start", "commit", "end", "rollback", "abort", "savepoint", "release":
		return p.parseTransaction()
	}
	return nil, p.errUnexpected()
}
