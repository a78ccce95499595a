package sql

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestDepthLimit checks that statements nested deeper than MaxDepth, however
// the depth arises, are refused with code 54001 at a position inside the text,
// and that statements just inside the limit parse.
func TestDepthLimit(t *testing.T) {
	n := MaxDepth + 10
	deep := map[string]string{
		"left-deep chain":   "SELECT 1" + strings.Repeat("+1", n),
		"parentheses":       "SELECT " + strings.Repeat("(", n) + "1" + strings.Repeat(")", n),
		"unary minus":       "SELECT " + strings.Repeat("- ", n) + "1",
		"NOT chain":         "SELECT " + strings.Repeat("NOT ", n) + "true",
		"AND chain":         "SELECT true" + strings.Repeat(" AND true", n),
		"casts":             "SELECT 1" + strings.Repeat("::int", n),
		"function args":     "SELECT " + strings.Repeat("abs(", n) + "1" + strings.Repeat(")", n),
		"CASE":              "SELECT " + strings.Repeat("CASE WHEN true THEN ", n) + "1" + strings.Repeat(" END", n),
		"scalar subqueries": "SELECT " + strings.Repeat("(SELECT ", n) + "1" + strings.Repeat(")", n),
		"FROM subqueries":   "SELECT * FROM " + strings.Repeat("(SELECT * FROM ", n) + "t" + strings.Repeat(") s", n),
		"joins":             "SELECT * FROM t" + strings.Repeat(" CROSS JOIN t", n),
		"IS NULL chain":     "SELECT 1" + strings.Repeat(" IS NULL", n),
		"IN in IN":          "SELECT " + strings.Repeat("1 IN (", n) + "1" + strings.Repeat(")", n),
		"WHERE":             "SELECT a FROM t WHERE a" + strings.Repeat(" OR a", n),
		"UNION chain":       "SELECT 1" + strings.Repeat(" UNION SELECT 1", n),
		"INTERSECT chain":   "SELECT 1 UNION SELECT 1" + strings.Repeat(" INTERSECT SELECT 1", n),
		"query parentheses": strings.Repeat("(", n) + "SELECT 1" + strings.Repeat(")", n),
		"FROM parentheses":  "SELECT * FROM " + strings.Repeat("(", n) + "(SELECT 1) UNION SELECT 1" + strings.Repeat(")", n),
	}
	for name, text := range deep {
		_, err := Parse(text)
		var se *Error
		if !errors.As(err, &se) || se.Code != "54001" || se.Msg != "stack depth limit exceeded" {
			t.Errorf("%s: got %v, want 54001 stack depth limit exceeded", name, err)
			continue
		}
		if se.Pos <= 0 || int(se.Pos) >= len(text) {
			t.Errorf("%s: position %d outside the text", name, se.Pos)
		}
	}
	shallow := []string{
		"SELECT 1" + strings.Repeat("+1", MaxDepth-10),
		"SELECT " + strings.Repeat("(", MaxDepth/2) + "1" + strings.Repeat(")", MaxDepth/2),
		"SELECT a FROM t WHERE a IN (" + strings.Repeat("1, ", 100000) + "1)",
		"SELECT 1" + strings.Repeat(" UNION ALL SELECT 1", MaxDepth-10),
		"INSERT INTO t VALUES " + strings.Repeat("(1), ", 100000) + "(1)",
	}
	for _, text := range shallow {
		if _, err := Parse(text); err != nil {
			t.Errorf("%.40s…: %v", text, err)
		}
	}
}

// TestHugeChainFast checks that a megabyte-long operator chain is refused
// quickly instead of being parsed into a tree a million levels deep.
func TestHugeChainFast(t *testing.T) {
	allocs := func(n int) float64 {
		text := "SELECT 1" + strings.Repeat("+1", n)
		start := time.Now()
		var err error
		a := testing.AllocsPerRun(1, func() { _, err = Parse(text) })
		var se *Error
		if !errors.As(err, &se) || se.Code != "54001" {
			t.Fatalf("got %v, want 54001", err)
		}
		t.Logf("refusing a chain of %d bytes took %v, %.0f allocations", len(text), time.Since(start), a)
		return a
	}
	// The work grows with the text, not faster: twice the text, at most
	// about twice the allocations (counted, so the machine's load does not
	// decide).
	small, big := allocs(1<<18), allocs(1<<19)
	if big > 2.5*small {
		t.Fatalf("a chain twice as long takes %.0f allocations against %.0f: the parser is not linear", big, small)
	}
}

// TestWidthLimits checks Postgres' bounds on SELECT lists, table columns and
// function arguments.
func TestWidthLimits(t *testing.T) {
	cols := make([]string, MaxColumns+1)
	for i := range cols {
		cols[i] = fmt.Sprintf("c%d INT", i)
	}
	for text, code := range map[string]string{
		"SELECT " + strings.Repeat("1, ", MaxSelectItems) + "1":                 "54011",
		"CREATE TABLE t (" + strings.Join(cols, ", ") + ")":                     "54011",
		"SELECT concat(" + strings.Repeat("'a', ", MaxFuncArgs) + "'a') FROM t": "54023",
	} {
		_, err := Parse(text)
		var se *Error
		if !errors.As(err, &se) || se.Code != code {
			t.Errorf("%.30s…: got %v, want %s", text, err, code)
		}
	}
	for _, text := range []string{
		"SELECT " + strings.Repeat("1, ", MaxSelectItems-1) + "1",
		"CREATE TABLE t (" + strings.Join(cols[:MaxColumns], ", ") + ")",
		"SELECT concat(" + strings.Repeat("'a', ", MaxFuncArgs-1) + "'a') FROM t",
	} {
		if _, err := Parse(text); err != nil {
			t.Errorf("%.30s…: %v", text, err)
		}
	}
}
