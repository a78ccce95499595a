package expr

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// NewTestBatch returns the batch the harness's batch command makes of input:
// a header of `name type` columns separated by |, then rows of |-separated
// values in Postgres' input syntax (NULL for null). The caller releases it.
func NewTestBatch(mem *memory.CheckedAllocator, input string) (arrow.RecordBatch, error) {
	h := &harness{mem: mem}
	if err := h.loadBatch(input); err != nil {
		return nil, err
	}
	return h.batch, nil
}
