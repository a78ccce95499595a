package ops_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/cockroachdb/datadriven"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// TestOverWindow drives one OverWindow over rows (id bigint, grp int, score
// int, name text) keyed by id and partitioned by grp, ordered by score
// then id, over an in-memory store:
//
//	reset              empties the store
//	new funcs=row_number,rank,dense_rank,lag:score:1,lead:name:2:name,sum:score:2:0
//	                   an OverWindow (lag/lead: column, offset, default
//	                   column); state survives: a restart
//	push               input: a chunk
//	barrier            prints what is emitted (the functions' values after
//	                   the row), the writer's calls and the state's rows
func TestOverWindow(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	schema, err := exectest.ParseSchema("id bigint, grp int, score int, name text")
	if err != nil {
		t.Fatal(err)
	}
	dr := &statefulDriver{mem: mem, schema: schema, store: exectest.NewStore()}
	col := func(name string) int {
		for i, c := range schema {
			if c.Name == name {
				return i
			}
		}
		t.Fatalf("no column %q", name)
		return -1
	}
	var op *ops.OverWindow
	datadriven.RunTest(t, "testdata/over_window", func(t *testing.T, d *datadriven.TestData) string {
		switch d.Cmd {
		case "reset":
			dr.store = exectest.NewStore()
			return ""
		case "new":
			spec := ops.OverWindowSpec{Schema: schema, PartitionBy: []int{1}, StreamKey: []int{0},
				Keys: []ops.TopNKey{{Column: 2}}, Table: statestore.FirstUserTable}
			var funcs string
			d.ScanArgs(t, "funcs", &funcs)
			for _, f := range strings.Split(funcs, ",") {
				parts := strings.Split(f, ":")
				fn := ops.OverFunc{Default: -1}
				typ := types.Int64Type
				switch parts[0] {
				case "row_number":
					fn.Kind = ops.OverRowNumber
				case "rank":
					fn.Kind = ops.OverRank
				case "dense_rank":
					fn.Kind = ops.OverDenseRank
				case "lag", "lead":
					fn.Kind = ops.OverLag
					if parts[0] == "lead" {
						fn.Kind = ops.OverLead
					}
					fn.Arg = col(parts[1])
					typ = schema[fn.Arg].Type
					fn.Offset, _ = strconv.ParseInt(parts[2], 10, 64)
					if len(parts) > 3 {
						fn.Default = col(parts[3])
					}
				case "ntile":
					fn.Kind = ops.OverNtile
					fn.Offset, _ = strconv.ParseInt(parts[1], 10, 64)
					typ = types.Int32Type
				case "percent_rank", "cume_dist":
					fn.Kind = ops.OverPercentRank
					if parts[0] == "cume_dist" {
						fn.Kind = ops.OverCumeDist
					}
					typ = types.Float64Type
				case "first_value", "last_value", "nth_value":
					// first_value:name:1:0 is first_value(name) OVER (ROWS
					// BETWEEN 1 PRECEDING AND CURRENT ROW), as the
					// aggregates' below; nth_value:name:2:… takes n first.
					fn.Kind = map[string]ops.OverKind{"first_value": ops.OverFirstValue, "last_value": ops.OverLastValue, "nth_value": ops.OverNthValue}[parts[0]]
					fn.Arg = col(parts[1])
					typ = schema[fn.Arg].Type
					frame := parts[2:]
					if fn.Kind == ops.OverNthValue {
						fn.Offset, _ = strconv.ParseInt(parts[2], 10, 64)
						frame = parts[3:]
					}
					fn.Frame = overFrame(frame)
				case "count", "sum", "avg", "min", "max", "var_pop", "stddev_samp":
					// count:score:2:0 is count(score) OVER (ROWS BETWEEN
					// 2 PRECEDING AND CURRENT ROW); u is UNBOUNDED, range
					// the default frame, g:1:0 GROUPS BETWEEN 1 PRECEDING
					// AND CURRENT ROW; * is count(*).
					fn.Kind = map[string]ops.OverKind{"count": ops.OverCount, "sum": ops.OverSum, "avg": ops.OverAvg, "min": ops.OverMin, "max": ops.OverMax,
						"var_pop": ops.OverVarPop, "stddev_samp": ops.OverStddevSamp}[parts[0]]
					fn.Arg = -1
					if parts[1] != "*" {
						fn.Arg = col(parts[1])
						typ = schema[fn.Arg].Type
					}
					switch parts[0] {
					case "count", "sum":
						typ = types.Int64Type
					case "avg", "var_pop", "stddev_samp":
						typ = types.Float64Type
					}
					fn.Frame = overFrame(parts[2:])
				default:
					d.Fatalf(t, "unknown function %q", parts[0])
				}
				spec.Funcs = append(spec.Funcs, fn)
				spec.Types = append(spec.Types, typ)
			}
			op = ops.NewOverWindow(spec, mem)
			if err := op.Open(ctx, exec.OpenContext{State: dr.store}); err != nil {
				return fmt.Sprintf("error: %v\n", err)
			}
			return "ok\n"
		case "push":
			out, err := dr.push(op, d.Input)
			if err != nil {
				return errorf(err)
			}
			return out + "ok\n"
		case "barrier":
			out, stats, err := dr.barrier(op)
			if err != nil {
				return errorf(err)
			}
			return fmt.Sprintf("%s%s\nstate: %d rows\n", out, stats, dr.store.Len())
		}
		d.Fatalf(t, "unknown command %q", d.Cmd)
		return ""
	})
}

// overFrame returns the frame spec describes: [range] is the default frame
// with ORDER BY, [g start end] a GROUPS frame, [start end] a ROWS frame; u
// is UNBOUNDED; a last xc, xg or xt is EXCLUDE CURRENT ROW, GROUP or TIES.
func overFrame(spec []string) ops.OverFrame {
	exclude := map[string]ops.OverExclude{"xc": ops.ExcludeCurrentRow, "xg": ops.ExcludeGroup, "xt": ops.ExcludeTies}
	if x, ok := exclude[spec[len(spec)-1]]; ok {
		f := overFrame(spec[:len(spec)-1])
		f.Exclude = x
		return f
	}
	if spec[0] == "range" {
		return ops.OverFrame{StartUnbounded: true}
	}
	f := ops.OverFrame{Rows: true}
	if spec[0] == "g" {
		f = ops.OverFrame{Groups: true}
		spec = spec[1:]
	}
	f.StartUnbounded = spec[0] == "u"
	f.Start, _ = strconv.ParseInt(spec[0], 10, 64)
	f.EndUnbounded = spec[1] == "u"
	f.End, _ = strconv.ParseInt(spec[1], 10, 64)
	return f
}
