package weir

import (
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// parallelismOption is the WITH option of CREATE MATERIALIZED VIEW that
// runs the view's aggregate as that many parallel instances (a pipeline's
// thread_num sets it).
const parallelismOption = "parallelism"

// parallelism returns how many instances the aggregate of a view with
// options opts runs as: its parallelism option when its plan can be split
// (one aggregate, with a GROUP BY), else 1.
func parallelism(opts map[string]string, plan *planner.StreamPlan) int {
	n := atoiOr(opts[parallelismOption], 1)
	if n <= 1 || !parallelizable(plan) {
		return 1
	}
	return min(n, statestore.NumVnodes)
}

// atoiOr returns s as an int, or def when it is not one.
func atoiOr(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return def
}

// parallelizable reports whether plan can run its aggregate as parallel
// instances behind an exchange: exactly one aggregate, and it groups (a
// global aggregate has one group, which one instance must hold).
func parallelizable(plan *planner.StreamPlan) bool {
	return plan.NumAggregates() == 1 && plan.Groups()
}

// checkParallelism returns the value of the parallelism option, or why it
// is not one.
func checkParallelism(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > statestore.NumVnodes {
		return 0, fmt.Errorf("parallelism must be an integer from 1 to %d, not %q", statestore.NumVnodes, v)
	}
	return n, nil
}

// instances is the plan of a job whose aggregate runs as parallel
// instances: pre runs in the fragment that reads the input and ends in a
// KeyExchange; aggs[i] is instance i, in a fragment of its own; post and
// the job's last operator run in the fragment that aligns the instances'
// outputs.
type instances struct {
	pre, aggs, post []exec.Operator
	agg             *planner.AggregateStep
}

// planInstances splits plan around its aggregate for n instances.
func (e *Engine) planInstances(plan *planner.StreamPlan, tables []statestore.TableID, ttl time.Duration, n int) *instances {
	p := &instances{}
	for _, s := range plan.Steps {
		if a, ok := s.(*planner.AggregateStep); ok {
			p.agg = a
		}
	}
	for i := 0; i < n; i++ {
		chain, at := e.planInstance(plan, tables, ttl, i, n)
		if i == 0 {
			p.pre, p.post = chain[:at], chain[at+1:]
		}
		p.aggs = append(p.aggs, chain[at])
	}
	return p
}

// fragments returns the fragments of the job: head (the job's input and
// state, named after the job) with the operators before the aggregate and
// the exchange, one fragment per instance, and last the fragment that
// aligns their outputs and runs the rest, ending in last.
func (p *instances) fragments(head exec.FragmentSpec, last exec.Operator, state exec.StateStore, mem memory.Allocator, log *slog.Logger) []*exec.Fragment {
	name := head.Name
	head.Name = name + "/exchange"
	head.Ops = p.pre
	keyTypes := make([]types.T, p.agg.NumGroup)
	copy(keyTypes, p.agg.KeyTypes)
	head.Split = ops.NewKeyExchange(mem, seq(p.agg.NumGroup), keyTypes)
	exchange := exec.NewFragment(head)
	frags := []*exec.Fragment{exchange}
	outs := make([]<-chan exec.Message, len(p.aggs))
	for i, agg := range p.aggs {
		in := make(chan exec.Message, subscriptionBuffer)
		exchange.Output().Add(in)
		f := exec.NewFragment(exec.FragmentSpec{
			Name:   fmt.Sprintf("%s/agg%d", name, i),
			Inputs: []<-chan exec.Message{in},
			Ops:    []exec.Operator{agg},
			State:  state, Mem: mem, Logger: log,
		})
		out := make(chan exec.Message, subscriptionBuffer)
		f.Output().Add(out)
		outs[i] = out
		frags = append(frags, f)
	}
	return append(frags, exec.NewFragment(exec.FragmentSpec{
		Name:   name,
		Inputs: outs,
		Ops:    append(p.post[:len(p.post):len(p.post)], last),
		State:  state, Mem: mem, Logger: log,
	}))
}
