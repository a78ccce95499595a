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

// CharLength returns e, a text expression, limited to n characters as
// VARCHAR(n) (or CHAR(n) when fixed) limits it. An explicit cast (truncate)
// cuts longer values to n characters, as Postgres does. Assignment to a
// column fails on a longer value with 22001 `value too long for type
// character varying(n)`, unless the characters past n are all spaces, which
// are cut off silently, as in Postgres.
func CharLength(e Expr, n int, fixed, truncate bool) Expr {
	return &charLength{e: e, n: n, fixed: fixed, truncate: truncate}
}

type charLength struct {
	e        Expr
	n        int
	fixed    bool
	truncate bool
}

func (c *charLength) Type() types.T    { return c.e.Type() }
func (c *charLength) Children() []Expr { return []Expr{c.e} }
func (c *charLength) withChildren(ch []Expr) Expr {
	return &charLength{e: ch[0], n: c.n, fixed: c.fixed, truncate: c.truncate}
}

// typeName is the type as Postgres names it in the error.
func (c *charLength) typeName() string {
	if c.fixed {
		return fmt.Sprintf("character(%d)", c.n)
	}
	return fmt.Sprintf("character varying(%d)", c.n)
}

func (c *charLength) String() string {
	return fmt.Sprintf("CAST(%s AS %s)", c.e, c.typeName())
}

// cut returns s limited to n characters, and false when an assignment must
// refuse it.
func (c *charLength) cut(s string) (string, bool) {
	if len(s) <= c.n {
		return s, true // n bytes hold at most n characters
	}
	i, chars := 0, 0
	for i < len(s) && chars < c.n {
		_, w := utf8.DecodeRuneInString(s[i:])
		i += w
		chars++
	}
	if i == len(s) {
		return s, true
	}
	if c.truncate || strings.TrimRight(s[i:], " ") == "" {
		return s[:i], true
	}
	return "", false
}

func (c *charLength) Eval(ctx context.Context, mem memory.Allocator, batch arrow.RecordBatch) (arrow.Array, error) {
	a, err := c.e.Eval(ctx, mem, batch)
	if err != nil {
		return nil, err
	}
	s, ok := a.(*array.String)
	if !ok {
		return a, nil
	}
	changed := -1
	for i := range s.Len() {
		if s.IsNull(i) {
			continue
		}
		v := s.Value(i)
		cut, ok := c.cut(v)
		if !ok {
			a.Release()
			return nil, sqlstate.Errorf(sqlstate.StringDataRightTruncation, "value too long for type %s", c.typeName())
		}
		if len(cut) != len(v) && changed < 0 {
			changed = i
		}
	}
	if changed < 0 {
		return a, nil
	}
	defer a.Release()
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.Reserve(s.Len())
	for i := range s.Len() {
		if s.IsNull(i) {
			b.AppendNull()
			continue
		}
		cut, _ := c.cut(s.Value(i))
		b.Append(cut)
	}
	return b.NewArray(), nil
}
