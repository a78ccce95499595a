package sql

// parseCopy parses COPY:
//
//	COPY name [(col, …)] FROM STDIN [[WITH] options]
//	COPY name [(col, …)] | (query) TO STDOUT [[WITH] options]
//
// where options are (name [value], …) or the pre-9.0 spelling
// [BINARY] [DELIMITER [AS] 'c'] [NULL [AS] 's'] [CSV [HEADER] [QUOTE [AS] 'q']
// [ESCAPE [AS] 'e']].
func (p *parser) parseCopy() (Statement, error) {
	start := p.next()
	st := &Copy{Pos: Pos(start.pos)}
	if p.acceptOp("(") {
		q, err := p.parseQuery()
		if err != nil {
			return nil, err
		}
		if err := p.expectOp(")"); err != nil {
			return nil, err
		}
		st.Query = q
	} else {
		name, err := p.parseObjectName()
		if err != nil {
			return nil, err
		}
		st.Table = name
		if p.isOp("(") {
			if st.Columns, err = p.parseNameList(); err != nil {
				return nil, err
			}
		}
	}
	switch {
	case p.acceptKw("from"):
		if st.Query != nil {
			return nil, p.errAt(p.toks[p.i-1])
		}
		if !p.isKw("stdin") {
			return nil, &Error{Pos: Pos(p.peek().pos), Code: "0A000",
				Msg:  "COPY FROM reads only STDIN in weir",
				Hint: "Use psql's \\copy to read a file on the client."}
		}
		p.i++
	case p.acceptKw("to"):
		if !p.isKw("stdout") {
			return nil, &Error{Pos: Pos(p.peek().pos), Code: "0A000",
				Msg:  "COPY TO writes only STDOUT in weir",
				Hint: "Use psql's \\copy to write a file on the client."}
		}
		p.i++
		st.To = true
	default:
		return nil, p.errUnexpected()
	}
	opts, err := p.parseCopyOptions()
	if err != nil {
		return nil, err
	}
	st.Options = opts
	return st, nil
}

// parseCopyOptions parses what follows STDIN or STDOUT.
func (p *parser) parseCopyOptions() ([]CopyOption, error) {
	p.acceptKw("with")
	if p.acceptOp("(") {
		var opts []CopyOption
		for {
			t := p.peek()
			if t.kind != tkIdent {
				return nil, p.errUnexpected()
			}
			p.i++
			o := CopyOption{Pos: Pos(t.pos), Name: t.val}
			switch v := p.peek(); {
			case v.kind == tkString || v.kind == tkInteger || v.kind == tkDecimal || v.kind == tkIdent:
				p.i++
				o.Value = v.val
			case v.kind == tkOp && v.val == "*":
				p.i++
				o.Value = "*"
			case v.kind == tkOp && v.val == "(":
				// FORCE_QUOTE (a, b) and the like: kept as the list's text.
				names, err := p.parseNameList()
				if err != nil {
					return nil, err
				}
				for i, n := range names {
					if i > 0 {
						o.Value += ","
					}
					o.Value += n.Value
				}
			}
			opts = append(opts, o)
			if !p.acceptOp(",") {
				break
			}
		}
		return opts, p.expectOp(")")
	}
	var opts []CopyOption
	for {
		t := p.peek()
		if t.kind != tkIdent || t.quoted {
			return opts, nil
		}
		o := CopyOption{Pos: Pos(t.pos)}
		switch t.val {
		case "binary":
			p.i++
			o.Name, o.Value = "format", "binary"
		case "csv":
			p.i++
			o.Name, o.Value = "format", "csv"
		case "header":
			p.i++
			o.Name = "header"
		case "delimiter", "null", "quote", "escape":
			p.i++
			p.acceptKw("as")
			v := p.peek()
			if v.kind != tkString {
				return nil, p.errUnexpected()
			}
			p.i++
			o.Name, o.Value = t.val, v.val
		default:
			return opts, nil
		}
		opts = append(opts, o)
	}
}

// copyStmt prints s when it is a COPY, its options in the parenthesized
// spelling; it reports whether it was one.
func (pr printer) copyStmt(s Statement) bool {
	c, ok := s.(*Copy)
	if !ok {
		return false
	}
	pr.w("COPY ")
	if c.Query != nil {
		pr.w("(")
		pr.query(c.Query)
		pr.w(")")
	} else {
		pr.w(objectName(c.Table))
		if c.Columns != nil {
			pr.w(" (")
			pr.names(c.Columns)
			pr.w(")")
		}
	}
	if c.To {
		pr.w(" TO STDOUT")
	} else {
		pr.w(" FROM STDIN")
	}
	if len(c.Options) > 0 {
		pr.w(" WITH (")
		for i, o := range c.Options {
			if i > 0 {
				pr.w(", ")
			}
			pr.w(o.Name)
			switch o.Name {
			case "delimiter", "null", "quote", "escape":
				pr.w(" " + quoteString(o.Value))
				continue
			}
			if o.Value != "" {
				pr.w(" " + quoteString(o.Value))
			}
		}
		pr.w(")")
	}
	return true
}
