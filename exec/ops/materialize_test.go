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
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// TestMaterialize drives one Materialize over an in-memory store:
//
//	new schema=(...) key=(col,...) [conflict=error] [name=t] [fresh]   (also after a crash: state survives; fresh: FreshInsertKeys)
//	push                  input: chunks separated by "--"; prints what is emitted
//	barrier               writes the epoch (commits) and prints the writer's calls
//	get                   input: key rows, one per line (`| 1`); prints the rows
//	scan                  prints the current content in key order
//	snapshot rows=N       prints the backfill chunks
func TestMaterialize(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	store := exectest.NewStore()
	var m *ops.Materialize
	var schema, keySchema types.Schema
	var epoch exec.Epoch
	decode := func(row []byte) string {
		dec := statestore.NewRowDecoder(mem, schema)
		defer dec.Release()
		if err := dec.Append(row); err != nil {
			return "error: " + err.Error()
		}
		rec := dec.NewBatch()
		defer rec.Release()
		return exectest.FormatRow(rec, 0)
	}
	datadriven.RunTest(t, "testdata/materialize", func(t *testing.T, d *datadriven.TestData) string {
		switch d.Cmd {
		case "new":
			var err error
			if schema, err = exectest.SchemaArg(d, "schema"); err != nil {
				return fmt.Sprintf("error: %v\n", err)
			}
			var keyCols []int
			keySchema = nil
			policy := ops.Overwrite
			name := "t"
			fresh := false
			for _, a := range d.CmdArgs {
				switch a.Key {
				case "key":
					for _, k := range a.Vals {
						i := schema.Index(strings.TrimSpace(k))
						keyCols = append(keyCols, i)
						keySchema = append(keySchema, schema[i])
					}
				case "conflict":
					if a.Vals[0] == "error" {
						policy = ops.ErrorOnConflict
					}
				case "name":
					name = a.Vals[0]
				case "fresh":
					fresh = true
				}
			}
			m = ops.NewMaterialize(mem, statestore.FirstUserTable, name, schema, keyCols, policy)
			if fresh {
				m.FreshInsertKeys()
			}
			if err := m.Open(ctx, exec.OpenContext{State: store}); err != nil {
				return fmt.Sprintf("error: %v\n", err)
			}
			return ""
		case "push":
			chunks, err := pfChunks(mem, schema, d.Input)
			if err != nil {
				return fmt.Sprintf("error: %v\n", err)
			}
			out := &exectest.Collector{}
			var b strings.Builder
			for _, c := range chunks {
				if err := m.ProcessChunk(ctx, 0, c, out); err != nil {
					e := sqlstate.From(err)
					fmt.Fprintf(&b, "error %s: %s\n", e.Code, e.Message)
					if e.Detail != "" {
						fmt.Fprintf(&b, "detail: %s\n", e.Detail)
					}
				}
				c.Release()
			}
			b.WriteString(out.Take())
			return b.String()
		case "barrier":
			epoch++
			w := store.NewWriter()
			defer w.Close()
			out := &exectest.Collector{}
			if err := m.OnBarrier(ctx, exec.Barrier{Epoch: epoch}, w, out); err != nil {
				return fmt.Sprintf("error: %v\n", err)
			}
			stats := w.(*exectest.Writer).Stats
			if err := w.Commit(); err != nil {
				return fmt.Sprintf("error: %v\n", err)
			}
			return fmt.Sprintf("%s\n%s", stats, out.Take())
		case "get":
			keys, err := exectest.ParseChunk(mem, keySchema, d.Input)
			if err != nil {
				return fmt.Sprintf("error: %v\n", err)
			}
			defer keys.Release()
			var b strings.Builder
			for i := 0; i < keys.NumRows(); i++ {
				var kt []types.T
				for _, c := range keySchema {
					kt = append(kt, c.Type)
				}
				k := statestore.AppendRow(nil, kt, keys.Batch, nil, i)
				row, ok, err := m.Get(k)
				switch {
				case err != nil:
					fmt.Fprintf(&b, "error: %v\n", err)
				case !ok:
					b.WriteString("not found\n")
				default:
					b.WriteString(decode(row) + "\n")
				}
			}
			return b.String()
		case "scan":
			var b strings.Builder
			err := m.Scan(func(_, row []byte) (bool, error) {
				b.WriteString(decode(row) + "\n")
				return true, nil
			})
			if err != nil {
				fmt.Fprintf(&b, "error: %v\n", err)
			}
			return b.String()
		case "snapshot":
			rows := 0
			d.ScanArgs(t, "rows", &rows)
			out := &exectest.Collector{}
			err := m.Snapshot(ctx, mem, rows, func(c exec.Chunk) error { return out.Push(ctx, c) })
			s := out.Take()
			if err != nil {
				s += fmt.Sprintf("error: %v\n", err)
			}
			return s
		}
		return fmt.Sprintf("unknown command %q\n", d.Cmd)
	})
}
