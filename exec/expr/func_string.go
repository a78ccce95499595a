package expr

import (
	"crypto/md5"
	"encoding/hex"
	"maps"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// familyFuncs holds the functions the func_*.go files define, one family a
// file; func.go's init adds them to funcs.
var familyFuncs = map[string]*funcDef{}

// addFuncs adds m to familyFuncs (at package initialization).
func addFuncs(m map[string]*funcDef) bool {
	maps.Copy(familyFuncs, m)
	return true
}

var _ = addFuncs(map[string]*funcDef{
	"split_part": {resolve: resolveStringFunc},
	"strpos":     {resolve: resolveStringFunc},
	"position":   {resolve: resolveStringFunc},
	"left":       {resolve: resolveStringFunc},
	"right":      {resolve: resolveStringFunc},
	"lpad":       {resolve: resolveStringFunc},
	"rpad":       {resolve: resolveStringFunc},
	"repeat":     {resolve: resolveStringFunc},
	"reverse":    {resolve: resolveStringFunc},
	"initcap":    {resolve: resolveStringFunc},
	"md5":        {resolve: resolveStringFunc},
})

// maxTextBytes is the longest text a function builds (Postgres' limit of
// a varlena, 1 GB less its header).
const maxTextBytes = 1<<30 - 1 - 4

func tooLong() error {
	return sqlstate.Errorf(sqlstate.ProgramLimitExceeded, "requested length too large")
}

// resolveStringFunc resolves the string functions Postgres 15 has:
//
//	split_part(s, delim, n) n counts from the end when negative; 0 is 22023
//	strpos(s, sub), position(s, sub) (POSITION(sub IN s)): 1-based, 0 when absent
//	left(s, n), right(s, n): a negative n drops |n| characters from the other end
//	lpad(s, len[, fill]), rpad(s, len[, fill]): fill ' '; longer s is cut to len
//	repeat(s, n), reverse(s), initcap(s), md5(s) (hex of the UTF-8 bytes)
//
// All count characters, not bytes, and return NULL for a NULL argument.
func resolveStringFunc(name string, args []Expr) (*funcExpr, error) {
	text, i32 := types.TextType, types.Int32Type
	var ts []types.T
	switch name {
	case "split_part":
		ts = []types.T{text, text, i32}
	case "strpos", "position":
		ts = []types.T{text, text}
	case "left", "right", "repeat":
		ts = []types.T{text, i32}
	case "lpad", "rpad":
		ts = []types.T{text, i32}
		if len(args) == 3 {
			ts = append(ts, text)
		}
	case "reverse", "initcap":
		ts = []types.T{text}
	case "md5":
		ts = []types.T{text}
		if len(args) == 1 && args[0].Type().Family == types.Bytea {
			ts = []types.T{types.ByteaType}
		}
	}
	cargs, err := coerceArgs(name, args, ts...)
	if err != nil {
		return nil, err
	}
	var row func(vs []any) (any, error)
	switch name {
	case "split_part":
		row = func(vs []any) (any, error) { return splitPart(vs[0].(string), vs[1].(string), vs[2].(int64)) }
	case "strpos", "position":
		row = func(vs []any) (any, error) { return strpos(vs[0].(string), vs[1].(string)), nil }
	case "left", "right":
		row = func(vs []any) (any, error) {
			rs, n := []rune(vs[0].(string)), vs[1].(int64)
			keep := n
			if n < 0 {
				keep = int64(len(rs)) + n
			}
			keep = max(0, min(keep, int64(len(rs))))
			if name == "left" {
				return string(rs[:keep]), nil
			}
			return string(rs[int64(len(rs))-keep:]), nil
		}
	case "lpad", "rpad":
		row = func(vs []any) (any, error) {
			fill := " "
			if len(vs) == 3 {
				fill = vs[2].(string)
			}
			return pad(vs[0].(string), vs[1].(int64), fill, name == "lpad")
		}
	case "repeat":
		row = func(vs []any) (any, error) {
			s, n := vs[0].(string), vs[1].(int64)
			if n <= 0 || s == "" {
				return "", nil
			}
			if int64(len(s))*n > maxTextBytes {
				return nil, tooLong()
			}
			return strings.Repeat(s, int(n)), nil
		}
	case "reverse":
		row = func(vs []any) (any, error) {
			rs := []rune(vs[0].(string))
			for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
				rs[i], rs[j] = rs[j], rs[i]
			}
			return string(rs), nil
		}
	case "initcap":
		row = func(vs []any) (any, error) { return initcap(vs[0].(string)), nil }
	case "md5":
		row = func(vs []any) (any, error) {
			var sum [16]byte
			switch v := vs[0].(type) {
			case string:
				sum = md5.Sum([]byte(v))
			case []byte:
				sum = md5.Sum(v)
			}
			return hex.EncodeToString(sum[:]), nil
		}
	default:
		return nil, funcError(name, args)
	}
	t := text
	if name == "strpos" || name == "position" {
		t = i32
	}
	call := strictFunc(t, cargs, row)
	switch name {
	case "split_part":
		if c, ok := constArgs(cargs, 1, 2); ok && c[1].(int64) != 0 {
			call.columnar = splitPartColumnar(c[0].(string), c[1].(int64))
		}
	case "strpos", "position":
		var sub *string
		if c, ok := constArgs(cargs, 1); ok {
			s := c[0].(string)
			sub = &s
		}
		call.columnar = strposColumnar(sub)
	}
	return call, nil
}

// splitPart is Postgres' split_part.
func splitPart(s, delim string, n int64) (any, error) {
	if n == 0 {
		return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue, "field position must not be zero")
	}
	return splitPartOf(s, delim, n), nil
}

// strpos is the character position of sub's first occurrence in s, 1-based,
// or 0.
func strpos(s, sub string) int64 {
	i := strings.Index(s, sub)
	if i < 0 {
		return 0
	}
	return int64(utf8.RuneCountInString(s[:i])) + 1
}

// pad is Postgres' lpad (left) and rpad.
func pad(s string, n int64, fill string, left bool) (any, error) {
	if n <= 0 {
		return "", nil
	}
	rs := []rune(s)
	if int64(len(rs)) >= n || fill == "" {
		return string(rs[:min(int64(len(rs)), n)]), nil
	}
	if n*int64(max(1, utf8.UTFMax)) > maxTextBytes {
		return nil, tooLong()
	}
	fr := []rune(fill)
	padding := make([]rune, 0, n-int64(len(rs)))
	for i := 0; int64(len(padding)) < n-int64(len(rs)); i++ {
		padding = append(padding, fr[i%len(fr)])
	}
	if left {
		return string(padding) + s, nil
	}
	return s + string(padding), nil
}

// initcap upper-cases the first letter of each word and lower-cases the
// rest, a word being a run of letters and digits.
func initcap(s string) string {
	var sb strings.Builder
	sb.Grow(len(s))
	wasAlnum := false
	for _, r := range s {
		if wasAlnum {
			sb.WriteRune(unicode.ToLower(r))
		} else {
			sb.WriteRune(unicode.ToUpper(r))
		}
		wasAlnum = unicode.IsLetter(r) || unicode.IsDigit(r)
	}
	return sb.String()
}
