package expr

import (
	"context"
	"regexp"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

var _ = addFuncs(map[string]*funcDef{
	"regexp_match":          {resolve: resolveRegexpArray},
	"regexp_split_to_array": {resolve: resolveRegexpArray},
})

// resolveRegexpArray resolves the regular expression functions that return
// text[]:
//
//	regexp_match(s, pattern[, flags]): the first match's capture groups (a
//	  group that took no part NULL), or the whole match when the pattern has
//	  none; NULL when it does not match. Flag g is 22023, as in Postgres.
//	regexp_split_to_array(s, pattern[, flags]): s cut at every match; an
//	  empty match at either end of s or right after a match cuts nothing.
//
// Flags are regexp_replace's (i, c).
func resolveRegexpArray(name string, args []Expr) (*funcExpr, error) {
	ts := []types.T{types.TextType, types.TextType}
	if len(args) == 3 {
		ts = append(ts, types.TextType)
	}
	cargs, err := coerceArgs(name, args, ts...)
	if err != nil {
		return nil, err
	}
	rx, err := newRegexpArgs(name, cargs)
	if err != nil {
		return nil, err
	}
	match := name == "regexp_match"
	return strictFunc(types.ArrayOf(types.TextType), cargs, func(vs []any) (any, error) {
		if match {
			m, err := rx.matcher(vs)
			if err != nil {
				return nil, err
			}
			return regexMatchGroups(m, vs[0].(string)), nil
		}
		re, err := rx.regex(vs)
		if err != nil {
			return nil, err
		}
		return regexSplit(re, vs[0].(string)), nil
	}), nil
}

// regexpArgs compiles the pattern of a call's (text, pattern[, flags])
// arguments: once when the pattern and flags are constants, else through
// a cache.
type regexpArgs struct {
	name  string
	fixed *regexp.Regexp
	// fixedLit is fixed with the literal its matches contain, when known.
	fixedLit *litRegexp
	cache    *regexCache
}

// matcher is what regexp_match asks of a regular expression: a
// *regexp.Regexp or a *litRegexp.
type matcher interface {
	FindStringSubmatchIndex(s string) []int
	MatchString(s string) bool
}

func newRegexpArgs(name string, args []Expr) (*regexpArgs, error) {
	rx := &regexpArgs{name: name, cache: &regexCache{}}
	consts := []any{nil}
	for _, a := range args[1:] {
		c, ok := a.(*Const)
		if !ok || c.v == nil {
			return rx, nil
		}
		consts = append(consts, c.v)
	}
	re, err := rx.regex(consts)
	if err != nil {
		return nil, err
	}
	rx.fixed = re
	ci, _ := rx.caseInsensitive(consts)
	rx.fixedLit = newLitRegexp(re, regexSource(consts[1].(string), ci))
	return rx, nil
}

// matcher returns the regular expression of a row's (not NULL) arguments
// vs, with its literal when the pattern is constant and has one.
func (rx *regexpArgs) matcher(vs []any) (matcher, error) {
	if rx.fixedLit != nil {
		return rx.fixedLit, nil
	}
	return rx.regex(vs)
}

// regex returns the regular expression of a row's (not NULL) arguments vs.
func (rx *regexpArgs) regex(vs []any) (*regexp.Regexp, error) {
	if rx.fixed != nil {
		return rx.fixed, nil
	}
	ci, err := rx.caseInsensitive(vs)
	if err != nil {
		return nil, err
	}
	return rx.cache.get(vs[1].(string), ci)
}

// caseInsensitive reads the flags of a row's (not NULL) arguments vs.
func (rx *regexpArgs) caseInsensitive(vs []any) (bool, error) {
	if len(vs) < 3 {
		return false, nil
	}
	global, ci, err := regexFlags(vs[2].(string))
	if err != nil {
		return false, err
	}
	if global {
		err := sqlstate.Errorf(sqlstate.InvalidParameterValue, "%s() does not support the \"global\" option", rx.name)
		if rx.name == "regexp_match" {
			err = err.WithHint("Use the regexp_matches function instead.")
		}
		return false, err
	}
	return ci, nil
}

// regexMatchGroups returns regexp_match's answer for re over s.
func regexMatchGroups(re matcher, s string) any {
	m := re.FindStringSubmatchIndex(s)
	if m == nil {
		return nil
	}
	if len(m) == 2 {
		return []any{s[m[0]:m[1]]}
	}
	out := make([]any, len(m)/2-1)
	for g := 1; g < len(m)/2; g++ {
		if m[2*g] >= 0 {
			out[g-1] = s[m[2*g]:m[2*g+1]]
		}
	}
	return out
}

// regexSplit returns regexp_split_to_array's answer for re over s.
func regexSplit(re *regexp.Regexp, s string) []any {
	var out []any
	start, prevEnd := 0, -1
	for _, m := range re.FindAllStringIndex(s, -1) {
		if m[0] == m[1] && (m[0] == 0 || m[0] == len(s) || m[0] == prevEnd) {
			continue
		}
		out = append(out, s[start:m[0]])
		start, prevEnd = m[1], m[1]
	}
	return append(out, s[start:])
}

// regexpGroup is (regexp_match(s, pattern[, flags]))[n] for a constant n,
// evaluated without making the array: the text of group n of the first
// match (the match itself for n = 1 when the pattern has no groups), NULL
// without a match, outside the groups, or for a group that took no part.
// Nexmark q21 extracts its channel id so.
type regexpGroup struct {
	args []Expr
	n    int64
	rx   *regexpArgs
}

// newRegexpGroup returns the regexpGroup of a[i], or nil when a is not a
// regexp_match call or i not a constant.
func newRegexpGroup(a, i Expr) *regexpGroup {
	f, ok := a.(*funcExpr)
	c, isConst := i.(*Const)
	if !ok || f.name != "regexp_match" || !isConst || c.v == nil {
		return nil
	}
	rx, err := newRegexpArgs(f.name, f.args)
	if err != nil {
		return nil
	}
	return &regexpGroup{args: f.args, n: c.v.(int64), rx: rx}
}

func (g *regexpGroup) eval(ctx context.Context, mem memory.Allocator, batch arrow.RecordBatch) (arrow.Array, error) {
	es := g.args
	if g.rx.fixed != nil {
		es = es[:1] // the pattern and flags are compiled already
	}
	args, err := evalAll(ctx, mem, batch, es)
	if err != nil {
		return nil, err
	}
	defer releaseAll(args)
	n := int(batch.NumRows())
	strs := make([]*array.String, len(args))
	for j, a := range args {
		if strs[j], err = stringArg("regexp_match", a); err != nil {
			return nil, err
		}
	}
	// A group is part of its text: the text's bytes bound the result's.
	out := newTextOut(mem, n, stringDataLen(strs[0]))
	validity := memory.NewResizableBuffer(mem)
	validity.Resize(int(bitutil.BytesForBits(int64(n))))
	bits := validity.Bytes()
	clear(bits)
	nulls := 0
	fail := func(err error) (arrow.Array, error) {
		out.release()
		validity.Release()
		return nil, err
	}
	vs := make([]any, len(g.args))
	for i := range n {
		null := false
		for j, s := range strs {
			if s.IsNull(i) {
				null = true
				break
			}
			if j > 0 {
				vs[j] = s.Value(i)
			}
		}
		if null {
			nulls++
			out.end(i)
			continue
		}
		re, err := g.rx.matcher(vs)
		if err != nil {
			return fail(err)
		}
		text := strs[0].Value(i)
		m := re.FindStringSubmatchIndex(text)
		group := g.n
		if len(m) == 2 {
			group = g.n - 1 // no groups: element 1 is the match
		}
		if m == nil || group < 0 || group >= int64(len(m)/2) || m[2*group] < 0 || group == 0 && len(m) > 2 {
			nulls++
			out.end(i)
			continue
		}
		part := text[m[2*group]:m[2*group+1]]
		out.reserve(len(part))
		out.bytes = append(out.bytes, part...)
		out.end(i)
		bitutil.SetBit(bits, i)
	}
	if nulls == 0 {
		validity.Release()
		return out.finish(nil, 0)
	}
	return out.finish(validity, nulls)
}
