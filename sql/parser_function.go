package sql

import "strings"

// parseCreateFunction parses the rest of CREATE [OR REPLACE] FUNCTION
// (ast_function.go): the name, the arguments, then RETURNS, LANGUAGE, the
// volatility, the null-input behaviour and AS in any order, or RETURN
// expr last.
func (p *parser) parseCreateFunction(pos Pos, orReplace bool) (Statement, error) {
	s := &CreateFunction{Pos: pos, OrReplace: orReplace}
	var err error
	if s.Name, err = p.parseObjectName(); err != nil {
		return nil, err
	}
	if s.Args, err = p.parseFunctionArgs(true); err != nil {
		return nil, err
	}
	var returns, language, body bool
	for p.peek().kind != tkEOF && !p.isOp(";") {
		t := p.peek()
		switch {
		case p.isKw("returns") && isKwTok(p.peekAt(1), "null") && isKwTok(p.peekAt(2), "on"), p.isKw("called"):
			if err := p.parseNullInput(s); err != nil {
				return nil, err
			}
		case p.acceptKw("returns"):
			if returns {
				return nil, p.errorf(t.pos, "conflicting or redundant options")
			}
			returns = true
			if s.Returns, err = p.parseFunctionType(); err != nil {
				return nil, err
			}
		case p.acceptKw("language"):
			if language {
				return nil, p.errorf(t.pos, "conflicting or redundant options")
			}
			language = true
			l := p.peek()
			if l.kind != tkIdent && l.kind != tkString {
				return nil, p.errUnexpected()
			}
			p.i++
			if foldIdent(l.val) != "sql" {
				return nil, &Error{Pos: Pos(l.pos), Code: featureNotSupported,
					Msg: "language \"" + l.val + "\" is not supported", Hint: "weir has SQL functions only: LANGUAGE SQL."}
			}
		case p.isKw("immutable"), p.isKw("stable"), p.isKw("volatile"):
			if s.Volatility != "" {
				return nil, p.errorf(t.pos, "conflicting or redundant options")
			}
			s.Volatility = strings.ToUpper(p.next().val)
		case p.acceptKw("strict"):
			s.Strict = true
		case !body && p.acceptKw("as"):
			if err := p.parseFunctionBody(s); err != nil {
				return nil, err
			}
			body = true
		case !body && p.acceptKw("return"):
			s.Standard, s.BodyPos = true, Pos(p.peek().pos)
			e, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			if err := noSubquery(e); err != nil {
				return nil, err
			}
			s.Body = String(e)
			if p.peek().kind != tkEOF && !p.isOp(";") {
				return nil, p.errUnexpected()
			}
			body = true
		default:
			return nil, p.errUnexpected()
		}
	}
	invalid := func(msg string) error { return &Error{Pos: pos, Code: invalidFunctionDefinition, Msg: msg} }
	switch {
	case !body:
		return nil, invalid("no function body specified")
	case !language && !s.Standard:
		return nil, invalid("no language specified")
	case !returns:
		return nil, invalid("function result type must be specified")
	}
	return s, nil
}

// invalidFunctionDefinition is SQLSTATE 42P13 (sql cannot import sqlstate).
const invalidFunctionDefinition = "42P13"

// parseNullInput parses CALLED ON NULL INPUT or RETURNS NULL ON NULL INPUT.
func (p *parser) parseNullInput(s *CreateFunction) error {
	strict := p.isKw("returns")
	p.i++
	if strict {
		if err := p.expectKw("null"); err != nil {
			return err
		}
	}
	for _, kw := range []string{"on", "null", "input"} {
		if err := p.expectKw(kw); err != nil {
			return err
		}
	}
	s.Strict = strict
	return nil
}

// parseFunctionType parses an argument or result type; type modifiers
// (VARCHAR(10)) are dropped, as Postgres drops them from functions.
func (p *parser) parseFunctionType() (TypeName, error) {
	tn, err := p.parseTypeName()
	if err != nil {
		return TypeName{}, err
	}
	return TypeName{Pos: tn.Pos, Type: tn.Type, Written: tn.Written}, nil
}

// parseFunctionArgs parses ( [[IN] [argname] argtype [, …]] ); names are
// allowed when named is true (CREATE FUNCTION) and skipped otherwise (DROP
// FUNCTION accepts and ignores them, as Postgres does).
func (p *parser) parseFunctionArgs(named bool) ([]FunctionArg, error) {
	if err := p.expectOp("("); err != nil {
		return nil, err
	}
	args := []FunctionArg{}
	if p.acceptOp(")") {
		return args, nil
	}
	for {
		p.acceptKw("in")
		if t := p.peek(); isKwTok(t, "out") || isKwTok(t, "inout") || isKwTok(t, "variadic") {
			return nil, &Error{Pos: Pos(t.pos), Code: featureNotSupported,
				Msg: strings.ToUpper(t.val) + " arguments are not supported in SQL functions"}
		}
		// A type alone, or a name then a type: try the type first.
		start := p.i
		a := FunctionArg{}
		tn, err := p.parseFunctionType()
		if err != nil || !p.isOp(",") && !p.isOp(")") {
			p.i = start
			n, err := p.parseName()
			if err != nil {
				return nil, err
			}
			if a.Type, err = p.parseFunctionType(); err != nil {
				return nil, err
			}
			if named {
				a.Name = &n
			}
		} else {
			a.Type = tn
		}
		if t := p.peek(); isKwTok(t, "default") || p.isOp("=") {
			return nil, &Error{Pos: Pos(t.pos), Code: featureNotSupported, Msg: "argument defaults are not supported in SQL functions"}
		}
		args = append(args, a)
		if p.acceptOp(")") {
			return args, nil
		}
		if err := p.expectOp(","); err != nil {
			return nil, err
		}
	}
}

// parseFunctionBody parses the string after AS: 'SELECT expr' or
// $$SELECT expr$$ (any dollar tag). The body's tokens are positioned in
// the statement's text when the string has no escapes, so that errors in it
// point into it.
func (p *parser) parseFunctionBody(s *CreateFunction) error {
	t := p.peek()
	if t.kind != tkString {
		return p.errUnexpected()
	}
	p.i++
	if p.isOp(",") {
		return &Error{Pos: Pos(p.peek().pos), Code: featureNotSupported, Msg: "only one AS item is allowed in a SQL function"}
	}
	body := t.val
	offset, quote := t.pos, 1
	if p.text[t.pos] == '$' {
		quote = (t.end - t.pos - len(body)) / 2
	}
	raw := p.text[t.pos+quote : t.end-quote]
	positioned := raw == body
	toks, err := lex(body)
	if err != nil {
		if e, ok := err.(*Error); ok && positioned {
			e.Pos += Pos(offset + quote)
		} else if ok {
			e.Pos = Pos(t.pos)
		}
		return err
	}
	sub := &parser{text: body, toks: toks, expanded: p.expanded}
	if positioned {
		for i := range toks {
			toks[i].pos += offset + quote
			toks[i].end += offset + quote
		}
		sub.text = p.text
	}
	e, err := sub.parseBodyExpr()
	if err != nil {
		if pe, ok := err.(*Error); ok && !positioned {
			pe.Pos = Pos(t.pos)
		}
		return err
	}
	s.Body, s.BodyPos = String(e), Pos(t.pos)
	return nil
}

// parseBodyExpr parses a function body: one SELECT of one expression
// without FROM or other clauses; anything else is 0A000.
func (p *parser) parseBodyExpr() (Expr, error) {
	for p.isOp(";") {
		p.i++
	}
	start := p.peek()
	unsupported := func() error {
		return &Error{Pos: Pos(start.pos), Code: featureNotSupported,
			Msg:  "SQL function bodies other than one SELECT of one expression are not supported",
			Hint: "weir inlines SQL functions where they are called: write the body as SELECT expr (no FROM, WHERE or other clauses), or as RETURN expr."}
	}
	if !isKwTok(start, "select") {
		if start.kind == tkEOF || start.kind == tkIdent {
			return nil, unsupported()
		}
		return nil, p.errUnexpected()
	}
	q, err := p.parseQuery()
	if err != nil {
		return nil, err
	}
	for p.isOp(";") {
		p.i++
	}
	if p.peek().kind != tkEOF {
		return nil, unsupported()
	}
	if q.Set != nil || q.Distinct || len(q.Items) != 1 || q.Items[0].Star || len(q.From) > 0 || q.Where != nil ||
		len(q.GroupBy) > 0 || q.Having != nil || len(q.Windows) > 0 || len(q.OrderBy) > 0 || q.Limit != nil ||
		q.Offset != nil || q.Values != nil {
		return nil, unsupported()
	}
	return q.Items[0].Expr, noSubquery(q.Items[0].Expr)
}

// noSubquery returns 0A000 when the body e holds a subquery: weir inlines
// a body in expressions, where it plans no subquery.
func noSubquery(e Expr) error {
	var err error
	Walk(e, func(n Node) bool {
		if sq, ok := n.(*SubqueryExpr); ok && err == nil {
			err = &Error{Pos: sq.Pos, Code: featureNotSupported, Msg: "subqueries in SQL function bodies are not supported"}
		}
		return err == nil
	})
	return err
}

// parseDropFunction parses the rest of DROP FUNCTION [IF EXISTS] name
// [(argtypes)] [, …] [CASCADE | RESTRICT].
func (p *parser) parseDropFunction(pos Pos) (Statement, error) {
	d := &DropFunction{Pos: pos}
	if p.isKw("if") && isKwTok(p.peekAt(1), "exists") {
		p.i += 2
		d.IfExists = true
	}
	for {
		n, err := p.parseObjectName()
		if err != nil {
			return nil, err
		}
		f := FunctionRef{Name: n}
		if p.isOp("(") {
			if f.Args, err = p.parseFunctionArgs(false); err != nil {
				return nil, err
			}
			f.ArgsWritten = true
		}
		d.Functions = append(d.Functions, f)
		if !p.acceptOp(",") {
			break
		}
	}
	if p.acceptKw("cascade") {
		d.Cascade = true
	} else {
		p.acceptKw("restrict")
	}
	return d, nil
}
