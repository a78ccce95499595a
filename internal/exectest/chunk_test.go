package exectest

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/cockroachdb/datadriven"
)

func TestChunk(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	datadriven.RunTest(t, "testdata/chunk", func(t *testing.T, d *datadriven.TestData) string {
		switch d.Cmd {
		case "parse":
			s, err := SchemaArg(d, "schema")
			if err != nil {
				return fmt.Sprintf("error: %v\n", err)
			}
			c, err := ParseChunk(mem, s, d.Input)
			if err != nil {
				return fmt.Sprintf("error: %v\n", err)
			}
			defer c.Release()
			return fmt.Sprintf("%s\n%s", FormatHeader(c.Batch.Schema()), FormatChunk(c))
		}
		return fmt.Sprintf("unknown command %q\n", d.Cmd)
	})
}
