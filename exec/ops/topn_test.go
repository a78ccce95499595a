package ops_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/cockroachdb/datadriven"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/statestore"
)

// TestTopN drives one TopN over rows (id bigint, score int, name text) keyed
// by id, over an in-memory store:
//
//	reset              empties the store
//	new limit=N [offset=M] [keys=score:desc:nullsfirst,name] [append-only]
//	                   a TopN (state survives: a restart)
//	push               input: a chunk; prints the cache's size (and "all"
//	                   when it holds every row)
//	barrier            prints what is emitted, the writer's calls, the
//	                   cache and how many rows the state holds
func TestTopN(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	schema, err := exectest.ParseSchema("id bigint, score int, name text")
	if err != nil {
		t.Fatal(err)
	}
	dr := &statefulDriver{mem: mem, schema: schema, store: exectest.NewStore()}
	var top *ops.TopN
	cache := func() string {
		n, all := top.CacheState()
		if all {
			return fmt.Sprintf("cache: %d (all)\n", n)
		}
		return fmt.Sprintf("cache: %d\n", n)
	}
	datadriven.RunTest(t, "testdata/topn", func(t *testing.T, d *datadriven.TestData) string {
		switch d.Cmd {
		case "reset":
			dr.store = exectest.NewStore()
			return ""
		case "new":
			spec := ops.TopNSpec{Schema: schema, StreamKey: []int{0}, Table: statestore.FirstUserTable}
			d.ScanArgs(t, "limit", &spec.Limit)
			if d.HasArg("offset") {
				d.ScanArgs(t, "offset", &spec.Offset)
			}
			spec.AppendOnly = d.HasArg("append-only")
			if d.HasArg("keys") {
				var keys string
				d.ScanArgs(t, "keys", &keys)
				spec.Keys = parseSortKeys(t, d, schema, keys)
			}
			top = ops.NewTopN(spec, mem)
			if err := top.Open(ctx, exec.OpenContext{State: dr.store}); err != nil {
				return fmt.Sprintf("error: %v\n", err)
			}
			return cache()
		case "push":
			out, err := dr.push(top, d.Input)
			if err != nil {
				return errorf(err)
			}
			return out + cache()
		case "barrier":
			out, stats, err := dr.barrier(top)
			if err != nil {
				return errorf(err)
			}
			return fmt.Sprintf("%s%s\n%sstate: %d rows\n", out, stats, cache(), dr.store.Len())
		}
		d.Fatalf(t, "unknown command %q", d.Cmd)
		return ""
	})
}
