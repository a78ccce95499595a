package expr

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// likeExpr is e [NOT] [I]LIKE pattern. A constant pattern is compiled once at
// construction. Immutable.
type likeExpr struct {
	e, pattern Expr
	not, ci    bool
	compiled   *likePattern // nil unless pattern is a non-NULL constant
}

// Like returns e [NOT] LIKE pattern (ILIKE when caseInsensitive). In the
// pattern % matches any run of characters, _ exactly one, and \ makes the
// next character literal; a pattern ending in \ is 22023
// `LIKE pattern must not end with escape character`. Operands must be text
// (unknown literals become text; 42883 otherwise).
func Like(e, pattern Expr, not, caseInsensitive bool) (Expr, error) {
	op := "~~"
	if caseInsensitive {
		op = "~~*"
	}
	var err error
	if e.Type().Family == types.Unknown {
		if e, err = Coerce(e, types.TextType); err != nil {
			return nil, err
		}
	}
	if pattern.Type().Family == types.Unknown {
		if pattern, err = Coerce(pattern, types.TextType); err != nil {
			return nil, err
		}
	}
	if e.Type().Family != types.Text || pattern.Type().Family != types.Text {
		return nil, operatorError(op, e.Type(), pattern.Type())
	}
	l := &likeExpr{e: e, pattern: pattern, not: not, ci: caseInsensitive}
	if c, ok := pattern.(*Const); ok && c.v != nil {
		if l.compiled, err = compileLike(c.v.(string), caseInsensitive); err != nil {
			return nil, err
		}
	}
	return l, nil
}

func (l *likeExpr) Type() types.T    { return types.BoolType }
func (l *likeExpr) Children() []Expr { return []Expr{l.e, l.pattern} }
func (l *likeExpr) withChildren(c []Expr) Expr {
	n, err := Like(c[0], c[1], l.not, l.ci)
	if err != nil {
		return l
	}
	return n
}
func (l *likeExpr) String() string {
	kw := "LIKE"
	if l.ci {
		kw = "ILIKE"
	}
	if l.not {
		kw = "NOT " + kw
	}
	return fmt.Sprintf("(%s %s %s)", l.e, kw, l.pattern)
}

func (l *likeExpr) Eval(ctx context.Context, mem memory.Allocator, batch arrow.RecordBatch) (arrow.Array, error) {
	a, err := l.e.Eval(ctx, mem, batch)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	s := a.(*array.String)
	n := s.Len()
	b := array.NewBooleanBuilder(mem)
	defer b.Release()
	b.Reserve(n)
	if l.compiled != nil {
		for i := range n {
			if s.IsNull(i) {
				b.AppendNull()
				continue
			}
			b.UnsafeAppend(l.compiled.match(s.Value(i)) != l.not)
		}
		return b.NewArray(), nil
	}
	pa, err := l.pattern.Eval(ctx, mem, batch)
	if err != nil {
		return nil, err
	}
	defer pa.Release()
	var last string
	var lp *likePattern
	for i := range n {
		if s.IsNull(i) || pa.IsNull(i) {
			b.AppendNull()
			continue
		}
		p := valueAt(pa, i).(string)
		if lp == nil || p != last {
			if lp, err = compileLike(p, l.ci); err != nil {
				return nil, err
			}
			last = p
		}
		b.UnsafeAppend(lp.match(s.Value(i)) != l.not)
	}
	return b.NewArray(), nil
}

// likeToken is one element of a compiled pattern.
type likeToken struct {
	kind byte // 'l' literal run, '_' one character, '%' any run
	lit  string
}

// likePattern is a compiled LIKE pattern.
type likePattern struct {
	toks []likeToken
	ci   bool
	// Fast paths for case-sensitive patterns of one literal with % around.
	exact, prefix, suffix, contains bool
	lit                             string
}

func compileLike(p string, ci bool) (*likePattern, error) {
	if ci {
		p = strings.ToLower(p)
	}
	lp := &likePattern{ci: ci}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			lp.toks = append(lp.toks, likeToken{kind: 'l', lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '\\':
			if i+1 >= len(p) {
				return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue, "LIKE pattern must not end with escape character")
			}
			i++
			lit.WriteByte(p[i])
		case '%':
			flush()
			if n := len(lp.toks); n == 0 || lp.toks[n-1].kind != '%' {
				lp.toks = append(lp.toks, likeToken{kind: '%'})
			}
		case '_':
			flush()
			lp.toks = append(lp.toks, likeToken{kind: '_'})
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	t := lp.toks
	isLit := func(i int) bool { return i < len(t) && t[i].kind == 'l' }
	isAny := func(i int) bool { return i < len(t) && t[i].kind == '%' }
	switch {
	case len(t) == 0:
		lp.exact = true
	case len(t) == 1 && isLit(0):
		lp.exact, lp.lit = true, t[0].lit
	case len(t) == 2 && isLit(0) && isAny(1):
		lp.prefix, lp.lit = true, t[0].lit
	case len(t) == 2 && isAny(0) && isLit(1):
		lp.suffix, lp.lit = true, t[1].lit
	case len(t) == 3 && isAny(0) && isLit(1) && isAny(2):
		lp.contains, lp.lit = true, t[1].lit
	}
	return lp, nil
}

// match reports whether s matches the whole pattern.
func (lp *likePattern) match(s string) bool {
	if lp.ci {
		s = strings.ToLower(s)
	}
	switch {
	case lp.exact:
		return s == lp.lit
	case lp.prefix:
		return strings.HasPrefix(s, lp.lit)
	case lp.suffix:
		return strings.HasSuffix(s, lp.lit)
	case lp.contains:
		return strings.Contains(s, lp.lit)
	}
	return matchTokens(lp.toks, s)
}

// matchTokens matches with backtracking to the last %, which is linear
// for each % and therefore O(len(s) * len(toks)) at worst.
func matchTokens(toks []likeToken, s string) bool {
	ti, si := 0, 0
	starT, starS := -1, 0
	for {
		if ti < len(toks) {
			switch tk := toks[ti]; tk.kind {
			case '%':
				starT, starS = ti, si
				ti++
				continue
			case '_':
				if si < len(s) {
					_, w := utf8.DecodeRuneInString(s[si:])
					si += w
					ti++
					continue
				}
			case 'l':
				if strings.HasPrefix(s[si:], tk.lit) {
					si += len(tk.lit)
					ti++
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		// Mismatch: let the last % absorb one more character.
		if starT < 0 || starS >= len(s) {
			return false
		}
		_, w := utf8.DecodeRuneInString(s[starS:])
		starS += w
		ti, si = starT+1, starS
	}
}
