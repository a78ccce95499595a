package sql

import (
	"strconv"

	"github.com/weir-stream/weir/sql/types"
)

// Precedence levels of the expression grammar, lowest first, as in Postgres.
// The printer uses the same table to decide where parentheses are needed.
const (
	lvlOr    = 1
	lvlAnd   = 2
	lvlNot   = 3  // prefix NOT
	lvlIs    = 4  // postfix IS [NOT] NULL/TRUE/FALSE, ISNULL, NOTNULL
	lvlCmp   = 5  // = <> != < > <= >= (non-associative)
	lvlLike  = 6  // [NOT] BETWEEN / IN / LIKE / ILIKE (non-associative)
	lvlOp    = 7  // ||
	lvlAdd   = 8  // + -
	lvlMul   = 9  // * / %
	lvlUnary = 10 // prefix + -
	lvlCast  = 11 // postfix ::
	lvlAtom  = 12
	lvlNone  = 100 // an expression closed on the right
)

var binaryOps = map[string]BinaryOp{
	"+": OpAdd, "-": OpSub, "*": OpMul, "/": OpDiv, "%": OpMod,
	"=": OpEq, "<>": OpNe, "!=": OpNe, "<": OpLt, "<=": OpLe, ">": OpGt, ">=": OpGe,
	"||": OpConcat, "~": OpRegexMatch, "~*": OpRegexIMatch, "!~": OpNotRegexMatch, "!~*": OpNotRegexIMatch,
}

// binaryLevel returns the precedence level of a binary operator.
func binaryLevel(op BinaryOp) int {
	switch op {
	case OpOr:
		return lvlOr
	case OpAnd:
		return lvlAnd
	case OpEq, OpNe, OpLt, OpLe, OpGt, OpGe:
		return lvlCmp
	case OpConcat, OpRegexMatch, OpRegexIMatch, OpNotRegexMatch, OpNotRegexIMatch:
		return lvlOp
	case OpAdd, OpSub:
		return lvlAdd
	case OpIsDistinctFrom, OpIsNotDistinctFrom:
		return lvlIs
	}
	return lvlMul
}

// infixLevel returns the level of the infix or postfix operator that starts at
// the next token, or 0 when the next token continues no expression.
func (p *parser) infixLevel() int {
	t := p.peek()
	switch t.kind {
	case tkOp:
		if t.val == "::" {
			return lvlCast
		}
		if op, ok := binaryOps[t.val]; ok {
			return binaryLevel(op)
		}
	case tkIdent:
		if t.quoted {
			return 0
		}
		switch t.val {
		case "or":
			return lvlOr
		case "and":
			return lvlAnd
		case "is", "isnull", "notnull":
			return lvlIs
		case "between", "in", "like", "ilike":
			return lvlLike
		case "not":
			switch n := p.peekAt(1); {
			case isKwTok(n, "between"), isKwTok(n, "in"), isKwTok(n, "like"), isKwTok(n, "ilike"):
				return lvlLike
			}
		}
	}
	return 0
}

// parseExpr parses a full expression.
func (p *parser) parseExpr() (Expr, error) { return p.parseExprLevel(0) }

// parseExprLevel parses an expression whose infix operators all bind at
// least as tightly as minLevel (a Pratt parser). Prefix operators may start
// it whatever minLevel is, and take as operand everything that binds more
// tightly than they do, as Postgres' grammar does.
func (p *parser) parseExprLevel(minLevel int) (Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	left, err := p.parsePrefix()
	if err != nil {
		return nil, err
	}
	// Each operator applied to left makes the tree one level deeper.
	chain := 0
	defer func() { p.depth -= chain }()
	lastOpen := lvlNone // level of the last infix operator whose right side is open
	for {
		lvl := p.infixLevel()
		if lvl == 0 || lvl < minLevel {
			return left, nil
		}
		t := p.peek()
		if lvl == lastOpen && (lvl == lvlCmp || lvl == lvlLike) {
			return nil, p.errAt(t)
		}
		chain++
		if err := p.enter(); err != nil {
			return nil, err
		}
		switch lvl {
		case lvlCast:
			p.i++
			tn, err := p.parseTypeName()
			if err != nil {
				return nil, err
			}
			left = &CastExpr{Pos: Pos(t.pos), Expr: left, Type: tn, DoubleColon: true}
			lastOpen = lvlNone
		case lvlIs:
			left, err = p.parseIs(left)
			if err != nil {
				return nil, err
			}
			lastOpen = lvlNone
		case lvlLike:
			var closed bool
			left, closed, err = p.parseLikeLevel(left)
			if err != nil {
				return nil, err
			}
			lastOpen = lvlLike
			if closed {
				lastOpen = lvlNone
			}
		default:
			p.i++
			var op BinaryOp
			switch {
			case isKwTok(t, "or"):
				op = OpOr
			case isKwTok(t, "and"):
				op = OpAnd
			default:
				op = binaryOps[t.val]
			}
			if lvl == lvlCmp {
				if q, ok, err := p.tryQuantified(t.pos, op, left); ok || err != nil {
					if err != nil {
						return nil, err
					}
					left, lastOpen = q, lvl
					continue
				}
			}
			right, err := p.parseExprLevel(lvl + 1)
			if err != nil {
				return nil, err
			}
			left = &BinaryExpr{Pos: Pos(t.pos), Op: op, Left: left, Right: right}
			lastOpen = lvl
		}
	}
}

// parseIs parses the IS … / ISNULL / NOTNULL suffix of left.
func (p *parser) parseIs(left Expr) (Expr, error) {
	t := p.next()
	switch t.val {
	case "isnull":
		return &IsNullExpr{Pos: Pos(t.pos), Expr: left}, nil
	case "notnull":
		return &IsNullExpr{Pos: Pos(t.pos), Expr: left, Not: true}, nil
	}
	not := p.acceptKw("not")
	switch {
	case p.acceptKw("distinct"):
		if err := p.expectKw("from"); err != nil {
			return nil, err
		}
		right, err := p.parseExprLevel(lvlIs + 1)
		if err != nil {
			return nil, err
		}
		op := OpIsDistinctFrom
		if not {
			op = OpIsNotDistinctFrom
		}
		return &BinaryExpr{Pos: Pos(t.pos), Op: op, Left: left, Right: right}, nil
	case p.acceptKw("null"):
		return &IsNullExpr{Pos: Pos(t.pos), Expr: left, Not: not}, nil
	case p.acceptKw("true"):
		return &IsBoolExpr{Pos: Pos(t.pos), Expr: left, Not: not, Value: true}, nil
	case p.acceptKw("false"):
		return &IsBoolExpr{Pos: Pos(t.pos), Expr: left, Not: not, Value: false}, nil
	}
	return nil, p.errUnexpected()
}

// parseLikeLevel parses [NOT] BETWEEN / IN / LIKE / ILIKE after left. closed
// reports whether the result ends with a ')' (IN), so that it can be the left
// operand of another operator of the same level.
func (p *parser) parseLikeLevel(left Expr) (Expr, bool, error) {
	t := p.next()
	not := false
	if t.val == "not" {
		not = true
		t = p.next()
	}
	pos := Pos(t.pos)
	switch t.val {
	case "between":
		lo, err := p.parseExprLevel(lvlOp)
		if err != nil {
			return nil, false, err
		}
		if err := p.expectKw("and"); err != nil {
			return nil, false, err
		}
		hi, err := p.parseExprLevel(lvlOp)
		if err != nil {
			return nil, false, err
		}
		return &BetweenExpr{Pos: pos, Expr: left, Not: not, Lo: lo, Hi: hi}, false, nil
	case "in":
		open := p.peek()
		if err := p.expectOp("("); err != nil {
			return nil, false, err
		}
		var list []Expr
		if p.atSubquery() {
			q, err := p.parseQuery()
			if err != nil {
				return nil, false, err
			}
			list = []Expr{&SubqueryExpr{Pos: Pos(open.pos), Query: q}}
		} else {
			var err error
			if list, err = p.parseExprList(); err != nil {
				return nil, false, err
			}
			if q := parenthesisedQuery(list[0]); len(list) == 1 && q != nil && p.atQueryContinuation() {
				// x IN ((SELECT …) UNION …)
				if q, err = p.continueQuery(q); err != nil {
					return nil, false, err
				}
				list = []Expr{&SubqueryExpr{Pos: Pos(open.pos), Query: q}}
			}
		}
		if err := p.expectOp(")"); err != nil {
			return nil, false, err
		}
		return &InExpr{Pos: pos, Expr: left, Not: not, List: list}, true, nil
	}
	pat, err := p.parseExprLevel(lvlOp)
	if err != nil {
		return nil, false, err
	}
	return &LikeExpr{Pos: pos, Expr: left, Not: not, CaseInsensitive: t.val == "ilike", Pattern: pat}, false, nil
}

// parseExprList parses e, e, … (at least one).
func (p *parser) parseExprList() ([]Expr, error) {
	var list []Expr
	for {
		e, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		list = append(list, e)
		if !p.acceptOp(",") {
			return list, nil
		}
	}
}

// parsePrefix parses a prefix operator applied to its operand, or a primary.
func (p *parser) parsePrefix() (Expr, error) {
	t := p.peek()
	var op UnaryOp
	var lvl int
	switch {
	case isKwTok(t, "not"):
		op, lvl = OpNot, lvlNot
	case t.kind == tkOp && t.val == "-":
		op, lvl = OpNeg, lvlUnary
	case t.kind == tkOp && t.val == "+":
		op, lvl = OpPlus, lvlUnary
	default:
		e, err := p.parsePrimary()
		if err != nil {
			return nil, err
		}
		return p.parseSubscripts(e)
	}
	p.i++
	operand, err := p.parseExprLevel(lvl + 1)
	if err != nil {
		return nil, err
	}
	return &UnaryExpr{Pos: Pos(t.pos), Op: op, Operand: operand}, nil
}

// parsePrimary parses a literal, parameter, column reference, function call,
// CASE, CAST, parenthesised expression or scalar subquery.
func (p *parser) parsePrimary() (Expr, error) {
	t := p.peek()
	switch t.kind {
	case tkInteger:
		p.i++
		return &Literal{Pos: Pos(t.pos), Kind: LitInteger, Value: t.val}, nil
	case tkDecimal:
		p.i++
		return &Literal{Pos: Pos(t.pos), Kind: LitDecimal, Value: t.val}, nil
	case tkString:
		p.i++
		return &Literal{Pos: Pos(t.pos), Kind: LitString, Value: t.val}, nil
	case tkParam:
		p.i++
		n, err := strconv.Atoi(t.val)
		if err != nil || n > 1<<16 {
			return nil, p.errorf(t.pos, "parameter number too large")
		}
		if n == 0 {
			return nil, p.errorf(t.pos, "there is no parameter $0")
		}
		return &Param{Pos: Pos(t.pos), Index: n}, nil
	case tkOp:
		if t.val != "(" {
			return nil, p.errUnexpected()
		}
		p.i++
		if p.atSubquery() {
			q, err := p.parseQuery()
			if err != nil {
				return nil, err
			}
			if err := p.expectOp(")"); err != nil {
				return nil, err
			}
			return &SubqueryExpr{Pos: Pos(t.pos), Query: q}, nil
		}
		e, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		if q := parenthesisedQuery(e); q != nil && p.atQueryContinuation() {
			// ((SELECT …) UNION …)
			if q, err = p.continueQuery(q); err != nil {
				return nil, err
			}
			if err := p.expectOp(")"); err != nil {
				return nil, err
			}
			return &SubqueryExpr{Pos: Pos(t.pos), Query: q}, nil
		}
		if err := p.expectOp(")"); err != nil {
			return nil, err
		}
		if p.isOp(".") {
			return p.parseFieldSelect(Pos(t.pos), e)
		}
		return &ParenExpr{Pos: Pos(t.pos), Expr: e}, nil
	case tkIdent:
		return p.parseIdentPrimary()
	}
	return nil, p.errUnexpected()
}

// parseIdentPrimary parses a primary that starts with a word.
func (p *parser) parseIdentPrimary() (Expr, error) {
	t := p.peek()
	if !t.quoted {
		switch t.val {
		case "null":
			p.i++
			return &Literal{Pos: Pos(t.pos), Kind: LitNull}, nil
		case "true", "false":
			p.i++
			return &Literal{Pos: Pos(t.pos), Kind: LitBool, Value: t.val}, nil
		case "case":
			return p.parseCase()
		case "cast":
			return p.parseCast()
		case "array":
			if p.nextIsOpAt(1, "[") {
				return p.parseArrayConstructor()
			}
			if p.nextIsOpAt(1, "(") {
				return p.parseArraySubquery()
			}
		case "extract":
			if n := p.peekAt(1); n.kind == tkOp && n.val == "(" {
				return p.parseExtract()
			}
		case "substring":
			if e, ok, err := p.trySubstring(); ok || err != nil {
				return e, err
			}
		case "trim":
			if e, ok, err := p.tryTrim(); ok || err != nil {
				return e, err
			}
		case "exists":
			if n := p.peekAt(1); n.kind == tkOp && n.val == "(" {
				return p.parseExists()
			}
		case "position":
			if e, ok, err := p.tryPosition(); ok || err != nil {
				return e, err
			}
		}
		if niladicFuncs[t.val] && (reservedWords[t.val] || !p.nextIsOpAt(1, "(")) {
			p.i++
			return &FuncCall{Pos: Pos(t.pos), Name: Name{Pos: Pos(t.pos), Value: t.val}}, nil
		}
		if typeStartWords[t.val] {
			if lit, ok, err := p.tryTypedLiteral(); ok || err != nil {
				return lit, err
			}
		}
	}
	if p.nextIsOpAt(1, "(") {
		if !t.quoted && reservedWords[t.val] {
			return nil, p.errUnexpected()
		}
		return p.parseFuncCall()
	}
	name, err := p.parseName()
	if err != nil {
		return nil, err
	}
	if p.isOp(".") && isColIdTok(p.peekAt(1)) {
		p.i++
		col, err := p.parseName()
		if err != nil {
			return nil, err
		}
		return &ColumnRef{Table: &name, Name: col}, nil
	}
	return &ColumnRef{Name: name}, nil
}

func (p *parser) nextIsOpAt(n int, op string) bool {
	t := p.peekAt(n)
	return t.kind == tkOp && t.val == op
}

// tryTypedLiteral parses `type 'text'` (DATE '2024-01-01', INTERVAL '1 day',
// TIMESTAMP WITH TIME ZONE '…'), an interval with its SQL-standard
// qualifier (INTERVAL '90' DAY) as the interval text that means the same
// without one. When the words do not form one, it consumes nothing and
// reports false.
func (p *parser) tryTypedLiteral() (Expr, bool, error) {
	save, depth := p.i, p.depth
	tn, err := p.parseTypeName()
	if err == nil && p.peek().kind == tkString {
		s := p.next()
		lit := &Literal{Pos: tn.Pos, Kind: LitTyped, Value: s.val, Type: &tn}
		if tn.Type.Family == types.Interval {
			q, ok, err := p.parseIntervalQualifier()
			if err != nil {
				return nil, false, err
			}
			if ok {
				if lit.Value, err = intervalWithQualifier(s.val, q, Pos(s.pos)); err != nil {
					return nil, false, err
				}
			}
		}
		return lit, true, nil
	}
	p.i, p.depth = save, depth
	return nil, false, nil
}

// parseFuncCall parses name([DISTINCT | ALL] args) or name(*).
func (p *parser) parseFuncCall() (Expr, error) {
	t := p.next()
	fc := &FuncCall{Pos: Pos(t.pos), Name: Name{Pos: Pos(t.pos), Value: t.val, Quoted: t.quoted}}
	p.i++ // (
	switch {
	case p.acceptOp("*"):
		fc.Star = true
	case p.isOp(")"):
	default:
		if p.acceptKw("distinct") {
			fc.Distinct = true
		} else {
			p.acceptKw("all")
		}
		args, err := p.parseExprList()
		if err != nil {
			return nil, err
		}
		if len(args) > MaxFuncArgs {
			return nil, tooWide(int(args[MaxFuncArgs].Position()), tooManyArguments,
				"cannot pass more than %d arguments to a function", MaxFuncArgs)
		}
		fc.Args = args
		if p.isKw("order") && isKwTok(p.peekAt(1), "by") {
			p.i += 2
			if fc.OrderBy, err = p.parseOrderBy(); err != nil {
				return nil, err
			}
		}
	}
	if err := p.expectOp(")"); err != nil {
		return nil, err
	}
	if p.isKw("filter") && p.peekAt(1).kind == tkOp && p.peekAt(1).val == "(" && isKwTok(p.peekAt(2), "where") {
		p.i += 3
		cond, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		if err := p.expectOp(")"); err != nil {
			return nil, err
		}
		fc.Filter = cond
	}
	if p.isKw("over") {
		over, err := p.parseOver()
		if err != nil {
			return nil, err
		}
		fc.Over = over
	}
	return fc, nil
}

// parseExtract parses EXTRACT(field FROM e) into date_part('field', e).
func (p *parser) parseExtract() (Expr, error) {
	t := p.next()
	p.i++ // (
	f := p.peek()
	var field string
	switch {
	case f.kind == tkIdent && !f.quoted || f.kind == tkString:
		field = f.val
		p.i++
	default:
		return nil, p.errUnexpected()
	}
	if err := p.expectKw("from"); err != nil {
		return nil, err
	}
	e, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if err := p.expectOp(")"); err != nil {
		return nil, err
	}
	return &FuncCall{
		Pos:  Pos(t.pos),
		Name: Name{Pos: Pos(t.pos), Value: "date_part"},
		Args: []Expr{&Literal{Pos: Pos(f.pos), Kind: LitString, Value: field}, e},
	}, nil
}

// parseCase parses CASE [operand] WHEN … THEN … [ELSE …] END.
func (p *parser) parseCase() (Expr, error) {
	t := p.next()
	c := &CaseExpr{Pos: Pos(t.pos)}
	if !p.isKw("when") {
		op, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		c.Operand = op
	}
	for p.acceptKw("when") {
		cond, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		if err := p.expectKw("then"); err != nil {
			return nil, err
		}
		res, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		c.Whens = append(c.Whens, When{Cond: cond, Result: res})
	}
	if len(c.Whens) == 0 {
		return nil, p.errUnexpected()
	}
	if p.acceptKw("else") {
		e, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		c.Else = e
	}
	return c, p.expectKw("end")
}

// parseCast parses CAST(e AS type).
func (p *parser) parseCast() (Expr, error) {
	t := p.next()
	if err := p.expectOp("("); err != nil {
		return nil, err
	}
	e, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if err := p.expectKw("as"); err != nil {
		return nil, err
	}
	tn, err := p.parseTypeName()
	if err != nil {
		return nil, err
	}
	if err := p.expectOp(")"); err != nil {
		return nil, err
	}
	return &CastExpr{Pos: Pos(t.pos), Expr: e, Type: tn}, nil
}

// parseExists parses EXISTS (query).
func (p *parser) parseExists() (Expr, error) {
	t := p.next()
	p.i++ // (
	q, err := p.parseQuery()
	if err != nil {
		return nil, err
	}
	if err := p.expectOp(")"); err != nil {
		return nil, err
	}
	return &SubqueryExpr{Pos: Pos(t.pos), Query: q, Exists: true}, nil
}
