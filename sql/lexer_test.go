package sql

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
)

var tokenKindNames = map[tokenKind]string{
	tkEOF: "eof", tkIdent: "ident", tkString: "string", tkInteger: "int",
	tkDecimal: "decimal", tkParam: "param", tkOp: "op",
}

func TestLex(t *testing.T) {
	datadriven.RunTest(t, "testdata/lex", func(t *testing.T, d *datadriven.TestData) string {
		toks, err := lex(d.Input)
		if err != nil {
			return formatError(d.Input, err)
		}
		var b strings.Builder
		for _, tk := range toks {
			q := ""
			if tk.quoted {
				q = " quoted"
			}
			fmt.Fprintf(&b, "%d-%d %s %q%s\n", tk.pos, tk.end, tokenKindNames[tk.kind], tk.val, q)
		}
		return b.String()
	})
}
