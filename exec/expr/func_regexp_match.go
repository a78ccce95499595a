package expr

import (
	"regexp"

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
	flags := func(vs []any) (bool, error) {
		if len(vs) < 3 {
			return false, nil
		}
		global, ci, err := regexFlags(vs[2].(string))
		if err == nil && global && name == "regexp_match" {
			err = sqlstate.Errorf(sqlstate.InvalidParameterValue, "regexp_match() does not support the \"global\" option").
				WithHint("Use the regexp_matches function instead.")
		}
		if err == nil && global {
			err = sqlstate.Errorf(sqlstate.InvalidParameterValue, "regexp_split_to_array() does not support the \"global\" option")
		}
		return ci, err
	}
	cache := &regexCache{}
	if len(cargs) == 3 {
		if c, ok := cargs[2].(*Const); ok && c.v != nil {
			if _, err := flags([]any{nil, nil, c.v}); err != nil {
				return nil, err
			}
		}
	} else if err := cache.precompile(cargs[1], false); err != nil {
		return nil, err
	}
	match := name == "regexp_match"
	return strictFunc(types.ArrayOf(types.TextType), cargs, func(vs []any) (any, error) {
		ci, err := flags(vs)
		if err != nil {
			return nil, err
		}
		re, err := cache.get(vs[1].(string), ci)
		if err != nil {
			return nil, err
		}
		if match {
			return regexMatchGroups(re, vs[0].(string)), nil
		}
		return regexSplit(re, vs[0].(string)), nil
	}), nil
}

// regexMatchGroups returns regexp_match's answer for re over s.
func regexMatchGroups(re *regexp.Regexp, s string) any {
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
