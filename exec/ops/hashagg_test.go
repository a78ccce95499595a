package ops_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/cockroachdb/datadriven"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// The hash aggregate is a stateful operator that opens on state.
var (
	_ exec.Operator       = (*ops.HashAgg)(nil)
	_ exec.BarrierHandler = (*ops.HashAgg)(nil)
	_ exec.Opener         = (*ops.HashAgg)(nil)
)

// hashAggHarness runs one datadriven file of testdata/hashagg*: an operator
// over an in-memory store, restarted at will over the same store.
type hashAggHarness struct {
	mem   *memory.CheckedAllocator
	store *exectest.Store
	input types.Schema
	spec  ops.HashAggSpec
	agg   *ops.HashAgg
	epoch exec.Epoch
}

func TestHashAgg(t *testing.T) {
	paths, err := filepath.Glob("testdata/hashagg*")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no testdata/hashagg* files (%v)", err)
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			h := &hashAggHarness{mem: mem}
			datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
				out, err := h.run(t, d)
				if err != nil {
					return fmt.Sprintf("error: %v\n", err)
				}
				return out
			})
		})
	}
}

func (h *hashAggHarness) run(t *testing.T, d *datadriven.TestData) (string, error) {
	ctx := context.Background()
	switch d.Cmd {
	case "new":
		return h.newAgg(d.Input)
	case "chunk":
		c, err := exectest.ParseChunk(h.mem, h.input, d.Input)
		if err != nil {
			return "", err
		}
		defer c.Release()
		var out exectest.Collector
		defer out.Release()
		if err := h.agg.ProcessChunk(ctx, 0, c, &out); err != nil {
			return "", err
		}
		if out.Len() != 0 {
			return "", fmt.Errorf("ProcessChunk emitted %d chunks", out.Len())
		}
		return "ok\n", nil
	case "barrier":
		h.epoch++
		w := h.store.NewWriter()
		defer w.Close()
		var out exectest.Collector
		defer out.Release()
		b := exec.Barrier{Epoch: h.epoch}
		if d.HasArg("time") {
			// time=N: the barrier's time is N ms after the Unix epoch.
			var ms int
			d.ScanArgs(t, "time", &ms)
			b.Time = time.UnixMilli(int64(ms))
		}
		if err := h.agg.OnBarrier(ctx, b, w, &out); err != nil {
			return "", err
		}
		stats := w.(*exectest.Writer).Stats
		if err := w.Commit(); err != nil {
			return "", err
		}
		s := out.Take()
		if s == "" {
			s = "(no changes)\n"
		}
		return s + "writes: " + stats.String() + "\n", nil
	case "restart", "restart-as":
		if d.Cmd == "restart-as" {
			// restart-as instance=i: the same aggregate as another instance.
			d.ScanArgs(t, "instance", &h.spec.Instance)
		}
		h.agg = ops.NewHashAgg(h.spec, h.mem)
		if err := h.agg.Open(ctx, exec.OpenContext{State: h.store}); err != nil {
			return "", err
		}
		return fmt.Sprintf("ok: %d stored keys\n", h.store.Len()), nil
	case "groups":
		return fmt.Sprintf("%d\n", h.agg.NumGroups()), nil
	case "owners":
		// owners n=N: for each input row, the instance of N that owns its
		// group (the one ops.KeyExchange sends it to).
		var n int
		d.ScanArgs(t, "n", &n)
		c, err := exectest.ParseChunk(h.mem, h.input, d.Input)
		if err != nil {
			return "", err
		}
		defer c.Release()
		var b strings.Builder
		for i := 0; i < c.NumRows(); i++ {
			var key []byte
			for j, col := range h.spec.GroupKeys {
				key = statestore.AppendValue(key, h.spec.KeyTypes[j], c.Batch.Column(col), i)
			}
			fmt.Fprintf(&b, "row %d: instance %d\n", i, statestore.VnodeOwner(statestore.Vnode(key), n))
		}
		return b.String(), nil
	}
	return "", fmt.Errorf("unknown command %q", d.Cmd)
}

// newAgg parses a spec written as lines `input: <schema>`, `keys: a, b`,
// `aggs: count(*), sum(v)`, `append-only`, `cache: N`, `ttl: 1s`, makes the operator
// over a fresh store and prints its output schema.
func (h *hashAggHarness) newAgg(text string) (string, error) {
	h.store = exectest.NewStore()
	h.epoch = 0
	var keys, aggs string
	spec := ops.HashAggSpec{ResultTable: statestore.FirstUserTable, MinMaxTable: statestore.FirstUserTable + 1}
	for _, line := range strings.Split(text, "\n") {
		name, val, _ := strings.Cut(strings.TrimSpace(line), ":")
		val = strings.TrimSpace(val)
		switch name {
		case "input":
			s, err := exectest.ParseSchema(val)
			if err != nil {
				return "", err
			}
			h.input = s
		case "keys":
			keys = val
		case "aggs":
			aggs = val
		case "append-only":
			spec.AppendOnly = true
		case "cache":
			n, err := strconv.Atoi(val)
			if err != nil {
				return "", err
			}
			spec.CacheGroups = n
		case "instance":
			// instance: i of n
			if _, err := fmt.Sscanf(val, "%d of %d", &spec.Instance, &spec.Instances); err != nil {
				return "", fmt.Errorf("instance: want \"i of n\": %v", err)
			}
		case "ttl":
			ttl, err := time.ParseDuration(val)
			if err != nil {
				return "", err
			}
			spec.TTL, spec.ExpiryTable = ttl, statestore.FirstUserTable+2
		case "":
		default:
			return "", fmt.Errorf("unknown spec line %q", line)
		}
	}
	var err error
	if spec, err = hashAggSpec(spec, h.input, keys, aggs); err != nil {
		return "", err
	}
	h.spec = spec
	h.agg = ops.NewHashAgg(spec, h.mem)
	if err := h.agg.Open(context.Background(), exec.OpenContext{State: h.store}); err != nil {
		return "", err
	}
	var b strings.Builder
	for i, c := range spec.OutputSchema {
		if i > 0 {
			b.WriteString(" | ")
		}
		fmt.Fprintf(&b, "%s %s", c.Name, c.Type)
	}
	b.WriteByte('\n')
	return b.String(), nil
}

// hashAggSpec fills spec's keys, aggregates and output schema from a key
// column list ("a, b") and an aggregate list ("count(*), sum(v)") over input.
func hashAggSpec(spec ops.HashAggSpec, input types.Schema, keys, aggs string) (ops.HashAggSpec, error) {
	for _, k := range strings.Split(keys, ",") {
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		i := input.Index(k)
		if i < 0 {
			return spec, fmt.Errorf("no column %q", k)
		}
		spec.GroupKeys = append(spec.GroupKeys, i)
		spec.KeyTypes = append(spec.KeyTypes, input[i].Type)
		spec.OutputSchema = append(spec.OutputSchema, input[i])
	}
	for _, a := range splitAggs(aggs) {
		// name([distinct ]arg[, 'sep'])[ filter (where col)]
		var filter expr.Expr
		if call, f, ok := strings.Cut(a, " filter (where "); ok {
			col := strings.TrimSuffix(f, ")")
			i := input.Index(col)
			if i < 0 {
				return spec, fmt.Errorf("no column %q", col)
			}
			a, filter = call, expr.Column(i, col, input[i].Type)
		}
		a = strings.TrimSuffix(a, ")")
		name, arg, ok := strings.Cut(a, "(")
		if !ok {
			return spec, fmt.Errorf("bad aggregate %q", a)
		}
		distinct := false
		if rest, ok := strings.CutPrefix(arg, "distinct "); ok {
			distinct, arg = true, rest
		}
		var args []expr.Expr
		arg, sep, hasSep := strings.Cut(arg, ", ")
		if arg != "*" {
			i := input.Index(arg)
			if i < 0 {
				return spec, fmt.Errorf("no column %q", arg)
			}
			args = append(args, expr.Column(i, arg, input[i].Type))
		}
		if hasSep {
			c, err := expr.Constant(strings.Trim(sep, "'"), types.TextType)
			if err != nil {
				return spec, err
			}
			args = append(args, c)
		}
		agg, err := expr.ResolveAggregate(name, args, arg == "*", distinct)
		if err != nil {
			return spec, err
		}
		agg.Filter = filter
		spec.Aggs = append(spec.Aggs, agg)
		spec.OutputSchema = append(spec.OutputSchema, types.Column{Name: agg.String(), Type: agg.Type, Nullable: true})
	}
	return spec, nil
}

// splitAggs splits an aggregate list at the commas outside parentheses and
// quotes.
func splitAggs(s string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i, r := range s {
		switch {
		case r == '\'':
			quoted = !quoted
		case quoted:
		case r == '(':
			depth++
		case r == ')':
			depth--
		case r == ',' && depth == 0:
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	if rest := strings.TrimSpace(s[start:]); rest != "" {
		out = append(out, rest)
	}
	return out
}
