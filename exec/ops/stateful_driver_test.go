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
	"github.com/weir-stream/weir/sql/types"
)

// statefulOp is an operator with state, as the datadriven tests of top-N,
// per-group top-N and over-window drive it.
type statefulOp interface {
	ProcessChunk(ctx context.Context, input int, c exec.Chunk, out exec.Output) error
	OnBarrier(ctx context.Context, b exec.Barrier, w exec.StateWriter, out exec.Output) error
}

// statefulDriver runs the push and barrier commands of those tests over an
// in-memory store, counting epochs.
type statefulDriver struct {
	mem    memory.Allocator
	schema types.Schema
	store  *exectest.Store
	epoch  exec.Epoch
}

// push feeds the chunk in input to op and returns what it emitted.
func (s *statefulDriver) push(op statefulOp, input string) (string, error) {
	c, err := exectest.ParseChunk(s.mem, s.schema, input)
	if err != nil {
		return "", err
	}
	defer c.Release()
	out := &exectest.Collector{}
	if err := op.ProcessChunk(context.Background(), 0, c, out); err != nil {
		return "", err
	}
	return out.Take(), nil
}

// barrier ends the next epoch on op and commits its writes: it returns what
// op emitted and the writer's calls.
func (s *statefulDriver) barrier(op statefulOp) (emitted string, stats exectest.WriteStats, err error) {
	s.epoch++
	w := s.store.NewWriter()
	defer w.Close()
	out := &exectest.Collector{}
	if err := op.OnBarrier(context.Background(), exec.Barrier{Epoch: s.epoch}, w, out); err != nil {
		return "", stats, err
	}
	stats = w.(*exectest.Writer).Stats
	if err := w.Commit(); err != nil {
		return "", stats, err
	}
	return out.Take(), stats, nil
}

// parseSortKeys parses keys=col[:desc|:nullsfirst|:nullslast],… over schema
// (desc puts NULLs first, as Postgres' DESC does).
func parseSortKeys(t *testing.T, d *datadriven.TestData, schema types.Schema, keys string) []ops.TopNKey {
	var out []ops.TopNKey
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
		out = append(out, key)
	}
	return out
}

// errorf formats an error as the tests print it.
func errorf(err error) string { return fmt.Sprintf("error: %v\n", err) }
