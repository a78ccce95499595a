package sql

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
)

func TestTypeName(t *testing.T) {
	datadriven.RunTest(t, "testdata/typename", func(t *testing.T, d *datadriven.TestData) string {
		var b strings.Builder
		for _, line := range strings.Split(d.Input, "\n") {
			toks, err := lex(line)
			if err != nil {
				b.WriteString(formatError(line, err))
				continue
			}
			p := &parser{text: line, toks: toks}
			tn, err := p.parseTypeName()
			if err == nil && p.peek().kind != tkEOF {
				err = p.errUnexpected()
			}
			if err != nil {
				b.WriteString(formatError(line, err))
				continue
			}
			fmt.Fprintf(&b, "%s -> %s (%s) written %q\n", line, tn.SQL(), tn.Type, tn.Written)
		}
		return b.String()
	})
}
