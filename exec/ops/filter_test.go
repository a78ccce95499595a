package ops_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/cockroachdb/datadriven"

	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/internal/exectest"
)

func TestFilter(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	datadriven.RunTest(t, "testdata/filter", func(t *testing.T, d *datadriven.TestData) string {
		schema, err := exectest.SchemaArg(d, "schema")
		if err != nil {
			return fmt.Sprintf("error: %v\n", err)
		}
		var pred string
		for _, a := range d.CmdArgs {
			if a.Key == "pred" {
				pred = strings.Join(a.Vals, ",")
			}
		}
		e, err := pfParseExpr(schema, pred)
		if err != nil {
			return fmt.Sprintf("error: %v\n", err)
		}
		return pfRun(t, mem, schema, ops.NewFilter(mem, e), d.Input)
	})
}
