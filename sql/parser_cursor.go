package sql

import (
	"strconv"
	"strings"
)

// parseDeclareCursor parses
//
//	DECLARE name [BINARY] [ASENSITIVE | INSENSITIVE] [NO SCROLL] CURSOR
//	    [WITH HOLD | WITHOUT HOLD] FOR query
//
// SCROLL is refused: weir's cursors read forward only.
func (p *parser) parseDeclareCursor() (Statement, error) {
	start := p.next()
	name, err := p.parseCursorName()
	if err != nil {
		return nil, err
	}
	st := &DeclareCursor{Pos: Pos(start.pos), Name: name}
options:
	for {
		switch {
		case p.acceptKw("binary"):
			st.Binary = true
		case p.acceptKw("asensitive"), p.acceptKw("insensitive"):
		case p.isKw("no") && isKwTok(p.peekAt(1), "scroll"):
			p.i += 2
		case p.isKw("scroll"):
			return nil, &Error{Pos: Pos(p.peek().pos), Code: "0A000",
				Msg:  "SCROLL cursors are not supported",
				Hint: "weir's cursors read forward only; declare the cursor NO SCROLL."}
		default:
			break options
		}
	}
	if err := p.expectKw("cursor"); err != nil {
		return nil, err
	}
	switch {
	case p.acceptKw("with"):
		if err := p.expectKw("hold"); err != nil {
			return nil, err
		}
		st.Hold = true
	case p.acceptKw("without"):
		if err := p.expectKw("hold"); err != nil {
			return nil, err
		}
	}
	if err := p.expectKw("for"); err != nil {
		return nil, err
	}
	if p.isKw("subscribe") {
		sub := &Subscribe{Pos: Pos(p.next().pos), Snapshot: true}
		if err := p.parseSubscribeBody(sub); err != nil {
			return nil, err
		}
		st.Query, sub.Query, st.Subscribe = sub.Query, nil, sub
		return st, nil
	}
	if !p.atQuery() {
		return nil, p.errUnexpected()
	}
	if st.Query, err = p.parseQuery(); err != nil {
		return nil, err
	}
	return st, nil
}

// parseFetchCursor parses FETCH and MOVE:
//
//	FETCH | MOVE [NEXT | FORWARD [n | ALL] | ALL | n | PRIOR | FIRST | LAST |
//	    ABSOLUTE n | RELATIVE n | BACKWARD [n | ALL]] [FROM | IN] name
func (p *parser) parseFetchCursor() (Statement, error) {
	start := p.next()
	st := &FetchCursor{Pos: Pos(start.pos), Move: start.val == "move", Count: 1}
	switch {
	case p.acceptKw("next"):
	case p.acceptKw("forward"):
		if err := p.parseFetchCount(st, false); err != nil {
			return nil, err
		}
	case p.acceptKw("all"):
		st.All = true
	case p.acceptKw("prior"), p.acceptKw("first"), p.acceptKw("last"):
		st.Backward = true
	case p.acceptKw("absolute"), p.acceptKw("relative"):
		st.Backward = true
		if err := p.parseFetchCount(st, true); err != nil {
			return nil, err
		}
	case p.acceptKw("backward"):
		st.Backward = true
		if err := p.parseFetchCount(st, false); err != nil {
			return nil, err
		}
	case p.peek().kind == tkInteger || p.isOp("-") || p.isOp("+"):
		if err := p.parseFetchCount(st, true); err != nil {
			return nil, err
		}
	}
	if !p.acceptKw("from") {
		p.acceptKw("in")
	}
	name, err := p.parseCursorName()
	if err != nil {
		return nil, err
	}
	st.Name = name
	if p.acceptKw("with") {
		if err := p.parseFetchTimeout(st); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// parseFetchTimeout parses FETCH's options, (TIMEOUT [=] 'interval'): how
// long a FETCH of a SUBSCRIBE cursor waits for its first row.
func (p *parser) parseFetchTimeout(st *FetchCursor) error {
	if err := p.expectOp("("); err != nil {
		return err
	}
	t := p.peek()
	if t.kind != tkIdent || strings.ToLower(t.val) != "timeout" {
		if t.kind == tkIdent {
			return &Error{Pos: Pos(t.pos), Code: "42601", Msg: "option \"" + t.val + "\" not recognized",
				Hint: "FETCH takes the option TIMEOUT."}
		}
		return p.errUnexpected()
	}
	p.i++
	p.acceptOp("=")
	v := p.peek()
	if v.kind != tkString && v.kind != tkInteger && v.kind != tkDecimal {
		return p.errUnexpected()
	}
	p.i++
	st.Timeout = v.val
	if st.Timeout == "" {
		return &Error{Pos: Pos(v.pos), Code: "22023", Msg: "TIMEOUT requires a value"}
	}
	return p.expectOp(")")
}

// parseFetchCount parses the optional (or, with required, the) count of a
// FETCH direction: [+|-] integer, or ALL unless required.
func (p *parser) parseFetchCount(st *FetchCursor, required bool) error {
	if !required && p.acceptKw("all") {
		st.All = true
		return nil
	}
	neg := false
	if p.acceptOp("-") {
		neg = true
	} else {
		p.acceptOp("+")
	}
	t := p.peek()
	if t.kind != tkInteger {
		if required || neg {
			return p.errUnexpected()
		}
		return nil
	}
	p.i++
	n, err := strconv.ParseInt(t.val, 10, 64)
	if err != nil {
		return p.errAt(t)
	}
	if neg {
		st.Backward = true
		n = -n
	}
	st.Count = n
	return nil
}

// parseCloseCursor parses CLOSE name | ALL.
func (p *parser) parseCloseCursor() (Statement, error) {
	start := p.next()
	if p.acceptKw("all") {
		return &CloseCursor{Pos: Pos(start.pos), All: true}, nil
	}
	name, err := p.parseCursorName()
	if err != nil {
		return nil, err
	}
	return &CloseCursor{Pos: Pos(start.pos), Name: name}, nil
}

// parseCursorName parses a cursor's name: an identifier, quoted or not.
func (p *parser) parseCursorName() (Name, error) {
	t := p.peek()
	if t.kind != tkIdent || !t.quoted && reservedWords[t.val] {
		return Name{}, p.errUnexpected()
	}
	p.i++
	return Name{Pos: Pos(t.pos), Value: t.val, Quoted: t.quoted}, nil
}
