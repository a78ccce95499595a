package sql

// windowingError is SQLSTATE 42P20 (windowing_error), which Postgres' grammar
// raises for a frame whose bounds cannot be; sql cannot import sqlstate.
const windowingError = "42P20"

// parseOver parses what follows a function call's OVER: a window name, or
// a window specification in parentheses. The next token is OVER.
func (p *parser) parseOver() (*WindowSpec, error) {
	p.i++ // OVER
	if !p.isOp("(") {
		t := p.peek()
		n, err := p.parseName()
		if err != nil {
			return nil, err
		}
		return &WindowSpec{Pos: Pos(t.pos), Name: &n}, nil
	}
	return p.parseWindowSpec()
}

// parseWindowSpec parses `( [ref] [PARTITION BY …] [ORDER BY …] [frame] )`;
// the next token is the parenthesis.
func (p *parser) parseWindowSpec() (*WindowSpec, error) {
	w := &WindowSpec{Pos: Pos(p.next().pos)}
	if t := p.peek(); isColIdTok(t) && !t.quoted && !frameStartWords[t.val] || t.quoted {
		n, err := p.parseName()
		if err != nil {
			return nil, err
		}
		w.Ref = &n
	}
	var err error
	if p.isKw("partition") && isKwTok(p.peekAt(1), "by") {
		p.i += 2
		if w.PartitionBy, err = p.parseExprList(); err != nil {
			return nil, err
		}
	}
	if p.isKw("order") && isKwTok(p.peekAt(1), "by") {
		p.i += 2
		if w.OrderBy, err = p.parseOrderBy(); err != nil {
			return nil, err
		}
	}
	if p.isKw("rows") || p.isKw("range") || p.isKw("groups") {
		if w.Frame, err = p.parseFrame(); err != nil {
			return nil, err
		}
	}
	if err := p.expectOp(")"); err != nil {
		return nil, err
	}
	return w, nil
}

// frameStartWords are the words that begin a window specification's clauses,
// so never the name of the window it refines.
var frameStartWords = map[string]bool{"partition": true, "order": true, "rows": true, "range": true, "groups": true}

// parseFrame parses `{ROWS|RANGE|GROUPS} bound` or `{ROWS|RANGE|GROUPS}
// BETWEEN bound AND bound`, with Postgres' checks of the bounds (42P20),
// and an EXCLUDE clause.
func (p *parser) parseFrame() (*WindowFrame, error) {
	t := p.next()
	f := &WindowFrame{Pos: Pos(t.pos)}
	switch t.val {
	case "range":
		f.Mode = FrameRange
	case "groups":
		f.Mode = FrameGroups
	}
	between := p.acceptKw("between")
	startPos := p.peek().pos
	start, err := p.parseFrameBound()
	if err != nil {
		return nil, err
	}
	f.Start = start
	if !between {
		switch start.Kind {
		case BoundUnboundedFollowing:
			return nil, &Error{Pos: Pos(startPos), Code: windowingError, Msg: "frame start cannot be UNBOUNDED FOLLOWING"}
		case BoundFollowing:
			return nil, &Error{Pos: Pos(startPos), Code: windowingError, Msg: "frame starting from following row cannot end with current row"}
		}
		return f, p.parseFrameExclude(f)
	}
	if err := p.expectKw("and"); err != nil {
		return nil, err
	}
	endPos := p.peek().pos
	end, err := p.parseFrameBound()
	if err != nil {
		return nil, err
	}
	f.End = &end
	switch {
	case start.Kind == BoundUnboundedFollowing:
		return nil, &Error{Pos: Pos(startPos), Code: windowingError, Msg: "frame start cannot be UNBOUNDED FOLLOWING"}
	case end.Kind == BoundUnboundedPreceding:
		return nil, &Error{Pos: Pos(endPos), Code: windowingError, Msg: "frame end cannot be UNBOUNDED PRECEDING"}
	case start.Kind == BoundCurrentRow && end.Kind == BoundPreceding:
		return nil, &Error{Pos: Pos(endPos), Code: windowingError, Msg: "frame starting from current row cannot have preceding rows"}
	case start.Kind == BoundFollowing && (end.Kind == BoundPreceding || end.Kind == BoundCurrentRow):
		return nil, &Error{Pos: Pos(endPos), Code: windowingError, Msg: "frame starting from following row cannot have preceding rows"}
	}
	return f, p.parseFrameExclude(f)
}

// parseFrameExclude parses the optional `EXCLUDE {CURRENT ROW | GROUP |
// TIES | NO OTHERS}` after f's bounds.
func (p *parser) parseFrameExclude(f *WindowFrame) error {
	if !p.acceptKw("exclude") {
		return nil
	}
	switch {
	case p.isKw("current") && isKwTok(p.peekAt(1), "row"):
		p.i += 2
		f.Exclude = ExcludeCurrentRow
	case p.acceptKw("group"):
		f.Exclude = ExcludeGroup
	case p.acceptKw("ties"):
		f.Exclude = ExcludeTies
	case p.isKw("no") && isKwTok(p.peekAt(1), "others"):
		p.i += 2
	default:
		return p.errUnexpected()
	}
	return nil
}

// parseFrameBound parses UNBOUNDED {PRECEDING|FOLLOWING}, CURRENT ROW or
// n {PRECEDING|FOLLOWING}.
func (p *parser) parseFrameBound() (FrameBound, error) {
	switch {
	case p.isKw("unbounded") && (isKwTok(p.peekAt(1), "preceding") || isKwTok(p.peekAt(1), "following")):
		p.i++
		if p.next().val == "preceding" {
			return FrameBound{Kind: BoundUnboundedPreceding}, nil
		}
		return FrameBound{Kind: BoundUnboundedFollowing}, nil
	case p.isKw("current") && isKwTok(p.peekAt(1), "row"):
		p.i += 2
		return FrameBound{Kind: BoundCurrentRow}, nil
	}
	n, err := p.parseExpr()
	if err != nil {
		return FrameBound{}, err
	}
	switch {
	case p.acceptKw("preceding"):
		return FrameBound{Kind: BoundPreceding, Offset: n}, nil
	case p.acceptKw("following"):
		return FrameBound{Kind: BoundFollowing, Offset: n}, nil
	}
	return FrameBound{}, p.errUnexpected()
}

// parseWindowClause parses `WINDOW name AS (…), …`; the next token is WINDOW.
func (p *parser) parseWindowClause() ([]NamedWindow, error) {
	p.i++ // WINDOW
	var ws []NamedWindow
	for {
		n, err := p.parseName()
		if err != nil {
			return nil, err
		}
		if err := p.expectKw("as"); err != nil {
			return nil, err
		}
		if !p.isOp("(") {
			return nil, p.errUnexpected()
		}
		spec, err := p.parseWindowSpec()
		if err != nil {
			return nil, err
		}
		ws = append(ws, NamedWindow{Name: n, Spec: spec})
		if !p.acceptOp(",") {
			return ws, nil
		}
	}
}
