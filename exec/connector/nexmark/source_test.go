package nexmark

import (
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/sql/types"
)

// TestNexmark runs testdata/* with exectest.RunGeneratorTest.
func TestNexmark(t *testing.T) {
	exectest.RunGeneratorTest(t, "testdata", exectest.GeneratorTest{
		Connector: "nexmark",
		Unit:      "event",
		New: func(with map[string]string, schema types.Schema, key []byte, now func() time.Time, mem memory.Allocator) (exectest.GeneratorSource, func() int64, error) {
			opts, err := ParseOptions(with, schema)
			if err != nil {
				return nil, nil, err
			}
			opts.Key = key
			s, err := NewSource(opts, mem)
			if err != nil {
				return nil, nil, err
			}
			s.pace.Now = now
			return s, s.NextEvent, nil
		},
	})
}
