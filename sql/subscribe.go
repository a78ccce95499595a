package sql

import "strings"

// Subscribe is SUBSCRIBE [TO] name | (query) [WITH (SNAPSHOT [=] bool,
// PROGRESS [=] bool)]: follow the changes of a relation or of a query, as
// Materialize's SUBSCRIBE does. The options are checked as they are
// parsed.
type Subscribe struct {
	Pos Pos
	// Name is the relation followed, empty for SUBSCRIBE (query); Query
	// is what runs: the query, or SELECT * FROM Name. (In DECLARE … CURSOR
	// FOR SUBSCRIBE the query is the DeclareCursor's, and Query is nil.)
	Name  ObjectName
	Query *Select
	// Snapshot: the current rows come first, as inserts (the default).
	Snapshot bool
	// Progress: a row marks each epoch whose changes have all been sent.
	Progress bool
}

func (s *Subscribe) Position() Pos { return s.Pos }
func (*Subscribe) statementNode()  {}

// parseSubscribe parses SUBSCRIBE; AS OF, UP TO and the envelopes of
// Materialize are not part of weir's form.
func (p *parser) parseSubscribe() (Statement, error) {
	start := p.next()
	st := &Subscribe{Pos: Pos(start.pos), Snapshot: true}
	if err := p.parseSubscribeBody(st); err != nil {
		return nil, err
	}
	return st, nil
}

// parseSubscribeBody parses what follows SUBSCRIBE into st.
func (p *parser) parseSubscribeBody(st *Subscribe) error {
	p.acceptKw("to")
	if p.acceptOp("(") {
		if !p.atQuery() {
			return p.errUnexpected()
		}
		q, err := p.parseQuery()
		if err != nil {
			return err
		}
		if err := p.expectOp(")"); err != nil {
			return err
		}
		st.Query = q
	} else {
		name, err := p.parseObjectName()
		if err != nil {
			return err
		}
		st.Name = name
		// SELECT * FROM name, with the name's positions for its errors.
		q, err := ParseOne("SELECT * FROM " + objectName(name))
		if err != nil {
			return err
		}
		st.Query = q.(*Select)
		WalkTableNames(st.Query, func(t *TableName) { t.Name = name })
	}
	if !p.acceptKw("with") {
		return nil
	}
	if err := p.expectOp("("); err != nil {
		return err
	}
	seen := map[string]bool{}
	for {
		t := p.peek()
		if t.kind != tkIdent {
			return p.errUnexpected()
		}
		p.i++
		name := strings.ToLower(t.val)
		if name != "snapshot" && name != "progress" {
			return &Error{Pos: Pos(t.pos), Code: "42601", Msg: "option \"" + t.val + "\" not recognized",
				Hint: "SUBSCRIBE takes the options SNAPSHOT and PROGRESS."}
		}
		if seen[name] {
			return &Error{Pos: Pos(t.pos), Code: "42601", Msg: "conflicting or redundant options"}
		}
		seen[name] = true
		p.acceptOp("=")
		on := true
		if v := p.peek(); !(v.kind == tkOp && (v.val == "," || v.val == ")")) {
			b, ok := subscribeBool(v)
			if !ok {
				return &Error{Pos: Pos(v.pos), Code: "22023", Msg: strings.ToUpper(name) + " requires a Boolean value"}
			}
			p.i++
			on = b
		}
		if name == "snapshot" {
			st.Snapshot = on
		} else {
			st.Progress = on
		}
		if !p.acceptOp(",") {
			break
		}
	}
	return p.expectOp(")")
}

// subscribeBool reads an option's value as Postgres reads a Boolean
// option: true, false, on, off, 1 or 0, bare or quoted.
func subscribeBool(t token) (bool, bool) {
	if t.kind != tkIdent && t.kind != tkString && t.kind != tkInteger {
		return false, false
	}
	switch strings.ToLower(t.val) {
	case "true", "on", "1":
		return true, true
	case "false", "off", "0":
		return false, true
	}
	return false, false
}

// subscribeStmt prints s when it is a SUBSCRIBE, its options only where
// they differ from the defaults; it reports whether it was one.
func (pr printer) subscribeStmt(s Statement) bool {
	st, ok := s.(*Subscribe)
	if !ok {
		return false
	}
	pr.w("SUBSCRIBE TO ")
	if len(st.Name.Parts) > 0 {
		pr.w(objectName(st.Name))
	} else {
		pr.w("(")
		pr.query(st.Query)
		pr.w(")")
	}
	var opts []string
	if !st.Snapshot {
		opts = append(opts, "SNAPSHOT = false")
	}
	if st.Progress {
		opts = append(opts, "PROGRESS = true")
	}
	if len(opts) > 0 {
		pr.w(" WITH (" + strings.Join(opts, ", ") + ")")
	}
	return true
}
