package weir

import (
	"fmt"
	"testing"

	"github.com/weir-stream/weir/sql"
)

// TestRewriteParams: $n is a parameter only outside string literals (E'…'
// with its backslash escapes too), quoted identifiers and comments.
func TestRewriteParams(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"SELECT $1, $2", "SELECT <1>, <2>"},
		{"SELECT '$1', \"$2\", $3", "SELECT '$1', \"$2\", <3>"},
		{"SELECT 1 -- $1\n, $2", "SELECT 1, <2>"},
		{"SELECT /* $1 /* $2 */ $3 */ $4", "SELECT <4>"},
		{`SELECT E'it\'s $1', $2`, `SELECT 'it''s $1', <2>`},
		{"SELECT e'\\\\', $1", `SELECT '\', <1>`},
	} {
		st, err := rewriteParams(c.in, func(n int, _ sql.Pos) (string, error) { return fmt.Sprintf("'<%d>'", n), nil })
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		got := sql.String(st)
		want, err := sql.ParseOne(replaceMarks(c.want))
		if err != nil {
			t.Fatalf("%q: %v", c.want, err)
		}
		if got != sql.String(want) {
			t.Errorf("%q: got %s, want %s", c.in, got, sql.String(want))
		}
	}
}

// replaceMarks writes the <n> marks of want as the literals the test's
// rewrite puts there.
func replaceMarks(s string) string {
	out := []byte{}
	for i := 0; i < len(s); i++ {
		if s[i] == '<' && i+2 < len(s) && s[i+2] == '>' {
			out = append(out, '\'', '<', s[i+1], '>', '\'')
			i += 2
			continue
		}
		out = append(out, s[i])
	}
	return string(out)
}
