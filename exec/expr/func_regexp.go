package expr

import (
	"errors"
	"regexp"
	"regexp/syntax"
	"strings"
	"sync"

	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// regexOps maps the functions behind the regular expression operators
// (Postgres' own names, callable as functions too) to their operators.
var regexOps = map[string]sql.BinaryOp{
	"textregexeq":   sql.OpRegexMatch,
	"texticregexeq": sql.OpRegexIMatch,
	"textregexne":   sql.OpNotRegexMatch,
	"texticregexne": sql.OpNotRegexIMatch,
}

var _ = addFuncs(map[string]*funcDef{
	"textregexeq":    {resolve: resolveRegexMatch},
	"texticregexeq":  {resolve: resolveRegexMatch},
	"textregexne":    {resolve: resolveRegexMatch},
	"texticregexne":  {resolve: resolveRegexMatch},
	"regexp_replace": {resolve: resolveRegexpReplace},
})

// newRegexMatch returns s ~ p, s ~* p, s !~ p or s !~* p: whether the
// regular expression p matches somewhere in the text s (* ignoring case).
func newRegexMatch(op sql.BinaryOp, l, r Expr) (Expr, error) {
	for name, o := range regexOps {
		if o == op {
			e, err := Func(name, []Expr{l, r})
			var se *sqlstate.Error
			if errors.As(err, &se) && se.Code == sqlstate.UndefinedFunction {
				return nil, operatorError(opSymbol(op), l.Type(), r.Type())
			} else if err != nil {
				return nil, err
			}
			return e, nil
		}
	}
	return nil, sqlstate.Errorf(sqlstate.Internal, "unknown regular expression operator %d", op)
}

func resolveRegexMatch(name string, args []Expr) (*funcExpr, error) {
	cargs, err := coerceArgs(name, args, types.TextType, types.TextType)
	if err != nil {
		return nil, err
	}
	op := regexOps[name]
	ci := op == sql.OpRegexIMatch || op == sql.OpNotRegexIMatch
	want := op == sql.OpRegexMatch || op == sql.OpRegexIMatch
	cache := &regexCache{}
	if err := cache.precompile(cargs[1], ci); err != nil {
		return nil, err
	}
	// A constant pattern is looked up once, with its literal when it has one.
	var fixed matcher
	if k, ok := cargs[1].(*Const); ok && k.v != nil {
		re, err := cache.get(k.v.(string), ci)
		if err != nil {
			return nil, err
		}
		fixed = re
		if l := newLitRegexp(re, regexSource(k.v.(string), ci)); l != nil {
			fixed = l
		}
	}
	return strictFunc(types.BoolType, cargs, func(vs []any) (any, error) {
		if fixed != nil {
			return fixed.MatchString(vs[0].(string)) == want, nil
		}
		re, err := cache.get(vs[1].(string), ci)
		if err != nil {
			return nil, err
		}
		return re.MatchString(vs[0].(string)) == want, nil
	}), nil
}

// resolveRegexpReplace resolves regexp_replace(s, pattern, replacement
// [, flags]): the first match (every match with flag g) replaced, \1 … \9
// in replacement standing for a group and \& for the match; flag i ignores
// case, c does not. Another flag is 22023, a bad pattern 2201B.
func resolveRegexpReplace(name string, args []Expr) (*funcExpr, error) {
	ts := []types.T{types.TextType, types.TextType, types.TextType}
	if len(args) == 4 {
		ts = append(ts, types.TextType)
	}
	cargs, err := coerceArgs(name, args, ts...)
	if err != nil {
		return nil, err
	}
	if len(cargs) == 4 {
		if c, ok := cargs[3].(*Const); ok && c.v != nil {
			if _, _, err := regexFlags(c.v.(string)); err != nil {
				return nil, err
			}
		}
	}
	cache := &regexCache{}
	return strictFunc(types.TextType, cargs, func(vs []any) (any, error) {
		global, ci := false, false
		if len(vs) == 4 {
			var err error
			if global, ci, err = regexFlags(vs[3].(string)); err != nil {
				return nil, err
			}
		}
		re, err := cache.get(vs[1].(string), ci)
		if err != nil {
			return nil, err
		}
		return regexReplace(re, vs[0].(string), vs[2].(string), global), nil
	}), nil
}

// regexFlags reads regexp_replace's flags.
func regexFlags(flags string) (global, ci bool, err error) {
	for _, f := range flags {
		switch f {
		case 'g':
			global = true
		case 'i':
			ci = true
		case 'c':
			ci = false
		default:
			return false, false, sqlstate.Errorf(sqlstate.InvalidParameterValue, "invalid regular expression option: \"%c\"", f)
		}
	}
	return global, ci, nil
}

// regexReplace replaces re's first match in s (every one when global) by
// repl, Postgres' way: \n a group, \& the match, \\ a backslash.
func regexReplace(re *regexp.Regexp, s, repl string, global bool) string {
	n := 1
	if global {
		n = -1
	}
	ms := re.FindAllStringSubmatchIndex(s, n)
	if len(ms) == 0 {
		return s
	}
	var sb strings.Builder
	last := 0
	for _, m := range ms {
		sb.WriteString(s[last:m[0]])
		for i := 0; i < len(repl); i++ {
			c := repl[i]
			if c != '\\' || i+1 == len(repl) {
				sb.WriteByte(c)
				continue
			}
			d := repl[i+1]
			switch {
			case d >= '1' && d <= '9':
				if g := int(d - '0'); g < len(m)/2 && m[2*g] >= 0 {
					sb.WriteString(s[m[2*g]:m[2*g+1]])
				}
				i++
			case d == '&':
				sb.WriteString(s[m[0]:m[1]])
				i++
			case d == '\\':
				sb.WriteByte('\\')
				i++
			default:
				sb.WriteByte(c)
			}
		}
		last = m[1]
	}
	sb.WriteString(s[last:])
	return sb.String()
}

// pgRegexErrors words RE2's errors as Postgres words the same ones.
var pgRegexErrors = map[syntax.ErrorCode]string{
	syntax.ErrMissingParen:          "parentheses () not balanced",
	syntax.ErrUnexpectedParen:       "parentheses () not balanced",
	syntax.ErrMissingBracket:        "brackets [] not balanced",
	syntax.ErrMissingRepeatArgument: "quantifier operand invalid",
	syntax.ErrInvalidRepeatOp:       "quantifier operand invalid",
	syntax.ErrInvalidRepeatSize:     "invalid repetition count(s)",
	syntax.ErrTrailingBackslash:     "invalid escape \\ sequence",
	syntax.ErrInvalidEscape:         "invalid escape \\ sequence",
	syntax.ErrInvalidCharRange:      "invalid character range",
}

// regexCache compiles each pattern once. Postgres' dot matches a newline
// and ^ and $ match only at the ends of the text, which (?s) gives RE2.
type regexCache struct {
	mu sync.Mutex
	m  map[string]*regexp.Regexp
}

// regexSource returns the RE2 source of the Postgres pattern p.
func regexSource(p string, ci bool) string {
	if ci {
		return "(?si)" + p
	}
	return "(?s)" + p
}

func (c *regexCache) precompile(p Expr, ci bool) error {
	if k, ok := p.(*Const); ok && k.v != nil {
		_, err := c.get(k.v.(string), ci)
		return err
	}
	return nil
}

func (c *regexCache) get(p string, ci bool) (*regexp.Regexp, error) {
	key := p
	if ci {
		key = "i" + p
	} else {
		key = "c" + p
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if re, ok := c.m[key]; ok {
		return re, nil
	}
	re, err := regexp.Compile(regexSource(p, ci))
	if err != nil {
		msg := err.Error()
		var se *syntax.Error
		if errors.As(err, &se) {
			msg = string(se.Code)
			if m, ok := pgRegexErrors[se.Code]; ok {
				msg = m
			}
		}
		return nil, sqlstate.Errorf(sqlstate.InvalidRegularExpression, "invalid regular expression: %s", msg)
	}
	if c.m == nil || len(c.m) > 256 {
		c.m = map[string]*regexp.Regexp{}
	}
	c.m[key] = re
	return re, nil
}
