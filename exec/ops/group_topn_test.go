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

// TestGroupTopN drives one GroupTopN over rows (id bigint, grp int, score
// int, name text) keyed by id and partitioned by grp, over an in-memory
// store:
//
//	reset              empties the store and the count of seeks
//	new rank=row_number|rank|dense_rank [lo=M] hi=N [keys=score:desc,name] [append-only] [no-partition] [rank-unused] [cache-bytes=N]
//	                   a GroupTopN (state survives: a restart), its cache of
//	                   partitions over an append-only input bounded to N bytes
//	push               input: a chunk
//	barrier            prints what is emitted (the rank last), the
//	                   writer's calls and how many rows the state holds
//	seeks              prints how many times the operator positioned a
//	                   state iterator (First, SeekGE) since the last seeks
func TestGroupTopN(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	schema, err := exectest.ParseSchema("id bigint, grp int, score int, name text")
	if err != nil {
		t.Fatal(err)
	}
	dr := &statefulDriver{mem: mem, schema: schema, store: exectest.NewStore()}
	var top *ops.GroupTopN
	var seeks int
	datadriven.RunTest(t, "testdata/group_topn", func(t *testing.T, d *datadriven.TestData) string {
		switch d.Cmd {
		case "reset":
			dr.store = exectest.NewStore()
			seeks = 0
			return ""
		case "new":
			spec := ops.GroupTopNSpec{Schema: schema, PartitionBy: []int{1}, StreamKey: []int{0}, Lo: 1, Table: statestore.FirstUserTable}
			var rank string
			d.ScanArgs(t, "rank", &rank)
			spec.Rank = map[string]ops.RankKind{"row_number": ops.RowNumber, "rank": ops.Rank, "dense_rank": ops.DenseRank}[rank]
			d.ScanArgs(t, "hi", &spec.Hi)
			if d.HasArg("lo") {
				d.ScanArgs(t, "lo", &spec.Lo)
			}
			spec.AppendOnly = d.HasArg("append-only")
			spec.RankUnused = d.HasArg("rank-unused")
			if d.HasArg("no-partition") {
				spec.PartitionBy = nil
			}
			var keys string
			d.ScanArgs(t, "keys", &keys)
			spec.Keys = parseSortKeys(t, d, schema, keys)
			top = ops.NewGroupTopN(spec, mem)
			if d.HasArg("cache-bytes") {
				var n int
				d.ScanArgs(t, "cache-bytes", &n)
				top.SetCacheBytes(n)
			}
			if err := top.Open(ctx, exec.OpenContext{State: seekCounter{dr.store, &seeks}}); err != nil {
				return fmt.Sprintf("error: %v\n", err)
			}
			return "ok\n"
		case "push":
			out, err := dr.push(top, d.Input)
			if err != nil {
				return errorf(err)
			}
			return out + "ok\n"
		case "seeks":
			n := seeks
			seeks = 0
			return fmt.Sprintf("%d\n", n)
		case "barrier":
			out, stats, err := dr.barrier(top)
			if err != nil {
				return errorf(err)
			}
			return fmt.Sprintf("%s%s\nstate: %d rows\n", out, stats, dr.store.Len())
		}
		d.Fatalf(t, "unknown command %q", d.Cmd)
		return ""
	})
}

// seekCounter is a state reader counting how often its iterators are
// positioned.
type seekCounter struct {
	exec.StateReader
	seeks *int
}

func (s seekCounter) NewIter(lo, hi []byte) (exec.StateIterator, error) {
	it, err := s.StateReader.NewIter(lo, hi)
	if err != nil {
		return nil, err
	}
	return countedIter{it, s.seeks}, nil
}

// countedIter is an iterator of a seekCounter.
type countedIter struct {
	exec.StateIterator
	seeks *int
}

func (it countedIter) First() bool {
	*it.seeks++
	return it.StateIterator.First()
}

func (it countedIter) SeekGE(key []byte) bool {
	*it.seeks++
	return it.StateIterator.SeekGE(key)
}
