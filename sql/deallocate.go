package sql

import "strings"

// Deallocate is DEALLOCATE [PREPARE] name | ALL: it drops a prepared
// statement of the session's connection (All: every one).
type Deallocate struct {
	Pos  Pos
	Name string
	All  bool
}

// Discard is DISCARD ALL | PLANS | SEQUENCES | TEMP: What is one of those
// words (TEMPORARY is TEMP).
type Discard struct {
	Pos  Pos
	What string
}

func (s *Deallocate) Position() Pos { return s.Pos }
func (*Deallocate) statementNode()  {}
func (s *Discard) Position() Pos    { return s.Pos }
func (*Discard) statementNode()     {}

// Tag is the command tag of s: DEALLOCATE or DEALLOCATE ALL.
func (s *Deallocate) Tag() string {
	if s.All {
		return "DEALLOCATE ALL"
	}
	return "DEALLOCATE"
}

// Tag is the command tag of s: DISCARD ALL, DISCARD PLANS, ….
func (s *Discard) Tag() string { return "DISCARD " + s.What }

// parseDeallocate parses DEALLOCATE [PREPARE] name | ALL.
func (p *parser) parseDeallocate() (Statement, error) {
	start := p.next()
	p.acceptKw("prepare")
	if p.acceptKw("all") {
		return &Deallocate{Pos: Pos(start.pos), All: true}, nil
	}
	name, err := p.parseName()
	if err != nil {
		return nil, err
	}
	return &Deallocate{Pos: Pos(start.pos), Name: name.Value}, nil
}

// parseDiscard parses DISCARD ALL | PLANS | SEQUENCES | TEMP | TEMPORARY.
func (p *parser) parseDiscard() (Statement, error) {
	start := p.next()
	for _, w := range []string{"all", "plans", "sequences", "temp", "temporary"} {
		if p.acceptKw(w) {
			if w == "temporary" {
				w = "temp"
			}
			return &Discard{Pos: Pos(start.pos), What: strings.ToUpper(w)}, nil
		}
	}
	return nil, p.errUnexpected()
}

// sessionStmt prints DEALLOCATE and DISCARD; ok is false for any other
// statement.
func (pr printer) sessionStmt(s Statement) (ok bool) {
	switch s := s.(type) {
	case *Deallocate:
		if s.All {
			pr.w("DEALLOCATE ALL")
		} else {
			pr.w("DEALLOCATE " + ident(Name{Value: s.Name}))
		}
	case *Discard:
		pr.w("DISCARD " + s.What)
	default:
		return false
	}
	return true
}
