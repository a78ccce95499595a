package ops_test

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/cockroachdb/datadriven"

	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/internal/exectest"
)

// TestReplicate runs testdata/replicate: the copies a change's count asks
// for, and the copies an update between two counts changes.
func TestReplicate(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	datadriven.RunTest(t, "testdata/replicate", func(t *testing.T, d *datadriven.TestData) string {
		schema, err := exectest.SchemaArg(d, "schema")
		if err != nil {
			return fmt.Sprintf("error: %v\n", err)
		}
		var count int
		d.ScanArgs(t, "count", &count)
		var names []string
		for i, c := range schema {
			if i != count {
				names = append(names, c.Name)
			}
		}
		names = append(names, "copy")
		return pfRun(t, mem, schema, ops.NewReplicate(mem, schema, count, names), d.Input)
	})
}
