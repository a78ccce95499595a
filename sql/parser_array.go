package sql

import (
	"strings"

	"github.com/weir-stream/weir/sql/types"
)

// parseArrayConstructor parses ARRAY[e, …] (the ARRAY key word is next).
func (p *parser) parseArrayConstructor() (Expr, error) {
	t := p.next()
	p.i++ // [
	a := &ArrayExpr{Pos: Pos(t.pos)}
	if !p.acceptOp("]") {
		elems, err := p.parseExprList()
		if err != nil {
			return nil, err
		}
		a.Elems = elems
		if err := p.expectOp("]"); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// parseArraySubquery parses ARRAY(query) (the ARRAY key word is next).
func (p *parser) parseArraySubquery() (Expr, error) {
	t := p.next()
	p.i++ // (
	if !p.atSubquery() {
		return nil, p.errUnexpected()
	}
	q, err := p.parseQuery()
	if err != nil {
		return nil, err
	}
	if err := p.expectOp(")"); err != nil {
		return nil, err
	}
	return &ArrayExpr{Pos: Pos(t.pos), Query: q}, nil
}

// parseSubscripts parses the subscripts and slices that follow a primary:
// e[i], e[lo:hi], e[:hi], e[lo:], e[:], any number of them.
func (p *parser) parseSubscripts(e Expr) (Expr, error) {
	for p.isOp("[") {
		open := p.next()
		s := &SubscriptExpr{Pos: Pos(open.pos), Expr: e}
		if !p.isOp(":") {
			idx, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			s.Index = idx
		}
		if p.acceptOp(":") {
			s.Slice, s.Lo, s.Index = true, s.Index, nil
			if !p.isOp("]") {
				hi, err := p.parseExpr()
				if err != nil {
					return nil, err
				}
				s.Hi = hi
			}
		} else if s.Index == nil {
			return nil, p.errUnexpected()
		}
		if err := p.expectOp("]"); err != nil {
			return nil, err
		}
		e = s
	}
	return e, nil
}

// tryQuantified parses the ANY | SOME | ALL (…) after the comparison op at
// pos, when that is what follows; ok is false (nothing consumed) otherwise.
// = ANY and <> ALL of a subquery are the InExpr of IN and NOT IN.
func (p *parser) tryQuantified(pos int, op BinaryOp, left Expr) (Expr, bool, error) {
	w := p.peek()
	if !(isKwTok(w, "any") || isKwTok(w, "some") || isKwTok(w, "all")) || !p.nextIsOpAt(1, "(") {
		return nil, false, nil
	}
	p.i += 2
	q := &QuantifiedExpr{Pos: Pos(pos), Op: op, Left: left, Word: strings.ToUpper(w.val)}
	if p.atSubquery() {
		sq, err := p.parseQuery()
		if err != nil {
			return nil, true, err
		}
		q.Right = &SubqueryExpr{Pos: Pos(w.pos), Query: sq}
		// = ANY (SELECT …) is IN (SELECT …), and <> ALL NOT IN, as Postgres
		// plans them: so they are semi and anti joins wherever IN is.
		if op == OpEq && !q.All() || op == OpNe && q.All() {
			return &InExpr{Pos: Pos(pos), Expr: left, Not: q.All(), List: []Expr{q.Right}}, true, p.expectOp(")")
		}
	} else {
		r, err := p.parseExpr()
		if err != nil {
			return nil, true, err
		}
		q.Right = r
	}
	return q, true, p.expectOp(")")
}

// parseArrayTypeSuffix parses what may follow a type name to make it an
// array type: [], [n], or ARRAY, ARRAY[n] (the size is ignored, as in
// Postgres). A second dimension is 0A000: weir's arrays have one.
func (p *parser) parseArrayTypeSuffix(tn TypeName) (TypeName, error) {
	dims := 0
	for {
		switch {
		case p.isOp("["):
			p.i++
		case p.isKw("array"):
			p.i++
			if !p.isOp("[") {
				dims++
				continue
			}
			p.i++
		default:
			if dims > 1 {
				return TypeName{}, &Error{Pos: tn.Pos, Code: featureNotSupported, Msg: "multidimensional arrays are not supported"}
			}
			if dims == 1 {
				tn.Type = types.ArrayOf(tn.Type)
				tn.Written += "[]"
				tn.Length, tn.Fixed = 0, false
			}
			return tn, nil
		}
		if t := p.peek(); t.kind == tkInteger {
			p.i++
		}
		if err := p.expectOp("]"); err != nil {
			return TypeName{}, err
		}
		dims++
	}
}
