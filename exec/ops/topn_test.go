package ops_test

import (
	"context"
	"fmt"
	"strings"
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
	store := exectest.NewStore()
	schema, err := exectest.ParseSchema("id bigint, score int, name text")
	if err != nil {
		t.Fatal(err)
	}
	var top *ops.TopN
	var epoch exec.Epoch
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
			store = exectest.NewStore()
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
				for _, k := range strings.Split(keys, ",") {
					parts := strings.Split(k, ":")
					var key ops.TopNKey
					for i, c := range schema {
						if c.Name == parts[0] {
							key.Column = i
						}
					}
					for _, p := range parts[1:] {
						switch p {
						case "desc":
							key.Desc, key.NullsFirst = true, true
						case "nullsfirst":
							key.NullsFirst = true
						case "nullslast":
							key.NullsFirst = false
						default:
							d.Fatalf(t, "unknown key option %q", p)
						}
					}
					spec.Keys = append(spec.Keys, key)
				}
			}
			top = ops.NewTopN(spec, mem)
			if err := top.Open(ctx, exec.OpenContext{State: store}); err != nil {
				return fmt.Sprintf("error: %v\n", err)
			}
			return cache()
		case "push":
			c, err := exectest.ParseChunk(mem, schema, d.Input)
			if err != nil {
				return fmt.Sprintf("error: %v\n", err)
			}
			defer c.Release()
			col := &exectest.Collector{}
			if err := top.ProcessChunk(ctx, 0, c, col); err != nil {
				return fmt.Sprintf("error: %v\n", err)
			}
			return col.Take() + cache()
		case "barrier":
			epoch++
			w := store.NewWriter()
			defer w.Close()
			col := &exectest.Collector{}
			if err := top.OnBarrier(ctx, exec.Barrier{Epoch: epoch}, w, col); err != nil {
				return fmt.Sprintf("error: %v\n", err)
			}
			stats := w.(*exectest.Writer).Stats
			if err := w.Commit(); err != nil {
				return fmt.Sprintf("error: %v\n", err)
			}
			return fmt.Sprintf("%s%s\n%sstate: %d rows\n", col.Take(), stats, cache(), store.Len())
		}
		d.Fatalf(t, "unknown command %q", d.Cmd)
		return ""
	})
}
