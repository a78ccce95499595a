// Package dataflow builds the running form of a streaming plan: from a
// planner.StreamPlan's graph it makes the runtime's fragments and operators,
// with each state table the plan's nodes declare bound to a table id. It is
// the one place where plan nodes become operators, for views, sinks,
// subscriptions and processes alike.
//
// A fragment is a chain of operators run by one goroutine. The builder cuts
// the graph into fragments where it must: each stream scan starts a root
// fragment around its source; a node with several inputs (a union) starts a
// fragment whose inputs are its inputs' fragments, aligned on barriers by
// the runtime; an aggregate that runs as parallel instances gets an
// exchange fragment in front and one fragment per instance. Everything else
// joins the fragment of its input.
package dataflow

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// ChannelBuffer is the capacity of the channels between fragments and from
// an upstream dataflow to a dataflow over it.
const ChannelBuffer = 16

// Spec is what Build needs to run a plan.
type Spec struct {
	// Name names the dataflow: its last fragment has this name, the others
	// are named after it.
	Name string
	Plan *planner.StreamPlan
	// Tables binds the plan's declared state tables (see Bind).
	Tables Binding
	// Last consumes the plan's output (a view's materialize, a sink's
	// encoder, a subscription's callback); it runs in the last fragment.
	Last exec.Operator
	// Parallelism is how many instances the plan's aggregate runs as (see
	// Parallelizable); 1 or less runs one.
	Parallelism int
	// TTL, when positive, expires the groups of the plan's aggregates that
	// have an expiry table.
	TTL time.Duration
	// NewSource returns the source that reads stream, keeping its position
	// and dead letters in table.
	NewSource func(stream *catalog.Object, table statestore.TableID) (exec.Source, error)

	State  exec.StateStore
	Mem    memory.Allocator
	Logger *slog.Logger
}

// Dataflow is a built plan: fragments to run, and the inputs the caller
// connects.
type Dataflow struct {
	// Fragments are every fragment of the dataflow; the last one runs Last.
	Fragments []*exec.Fragment
	// Roots are the fragments that read a source: the coordinator injects
	// barriers into them.
	Roots []*exec.Fragment
	// Sources are the sources of the plan's stream scans, in plan order.
	Sources []Source
	// Upstreams are the tables and views the plan reads: the caller
	// subscribes each Input to the dataflow that maintains Object.
	Upstreams []Upstream
	// Layout describes Fragments, in the same order.
	Layout []FragmentLayout
}

// FragmentLayout says what a fragment of a dataflow runs: where its input
// comes from (a source, the dataflow of a relation, or other fragments by
// name), its operators, and whether its output is divided among the
// instances after it.
type FragmentLayout struct {
	Name     string
	Inputs   []string
	Ops      []string
	Exchange bool
}

// String returns the layout as one line: name <- inputs: ops.
func (l FragmentLayout) String() string {
	s := fmt.Sprintf("%s <- %s: %s", l.Name, strings.Join(l.Inputs, ", "), strings.Join(l.Ops, " -> "))
	if l.Exchange {
		s += " => exchange"
	}
	return s
}

// Source is a stream scan's running source.
type Source struct {
	Stream *catalog.Object
	Source exec.Source
}

// Upstream is a table or view a dataflow reads, and the channel its changes
// must be sent to.
type Upstream struct {
	Object *catalog.Object
	Input  chan exec.Message
}

// Output returns the last fragment, whose Broadcast carries what Last emits.
func (d *Dataflow) Output() *exec.Fragment { return d.Fragments[len(d.Fragments)-1] }

// Parallelizable reports whether p's aggregate can run as parallel instances
// behind an exchange: exactly one aggregate, and it groups (a global
// aggregate has one group, which one instance must hold).
func Parallelizable(p *planner.StreamPlan) bool {
	aggs := p.Aggregates()
	return len(aggs) == 1 && aggs[0].NumGroup > 0
}

// Build makes the fragments of spec.Plan. Nothing runs until the caller
// runs the fragments.
func Build(spec Spec) (*Dataflow, error) {
	b := &builder{spec: spec, df: &Dataflow{}, shared: map[planner.StreamNode]*exec.Fragment{}, uses: map[planner.StreamNode]int{},
		origin: map[<-chan exec.Message]string{}}
	if !Parallelizable(spec.Plan) {
		b.spec.Parallelism = 1
	}
	for _, n := range spec.Plan.Nodes() {
		for _, in := range n.Inputs() {
			b.uses[in]++
		}
	}
	s, err := b.build(spec.Plan.Root)
	if err != nil {
		return nil, err
	}
	if spec.Last != nil {
		s.ops = append(s.ops, spec.Last)
	}
	b.close(s, spec.Name, nil)
	return b.df, nil
}

// stage is a fragment being built: its input (a source, or channels) and
// the operators so far.
type stage struct {
	source exec.Source
	stream string // the source's stream
	inputs []<-chan exec.Message
	ops    []exec.Operator
}

type builder struct {
	spec Spec
	df   *Dataflow
	// shared holds the fragment of a node several others read.
	shared map[planner.StreamNode]*exec.Fragment
	uses   map[planner.StreamNode]int
	// branches counts the fragments cut for inputs of multi-input nodes.
	branches int
	// origin names where each channel's messages come from.
	origin map[<-chan exec.Message]string
	// joinReads holds the columns of a hash join its one consumer, a
	// projection, reads (noteJoinReads).
	joinReads map[*planner.StreamHashJoin][]bool
}

// build returns the stage that ends with n's operator.
func (b *builder) build(n planner.StreamNode) (*stage, error) {
	if f, ok := b.shared[n]; ok {
		return b.readFrom(f), nil
	}
	s, err := b.buildNode(n)
	if err != nil {
		return nil, err
	}
	if b.uses[n] > 1 {
		f := b.close(s, b.branchName(), nil)
		b.shared[n] = f
		return b.readFrom(f), nil
	}
	return s, nil
}

func (b *builder) buildNode(n planner.StreamNode) (*stage, error) {
	mem := b.spec.Mem
	switch n := n.(type) {
	case *planner.StreamScan:
		if n.Object.Kind == catalog.Stream {
			src, err := b.spec.NewSource(n.Object, b.spec.Tables.Table(n, "source"))
			if err != nil {
				return nil, err
			}
			b.df.Sources = append(b.df.Sources, Source{Stream: n.Object, Source: src})
			return &stage{source: src, stream: n.Object.Name}, nil
		}
		ch := make(chan exec.Message, ChannelBuffer)
		b.origin[ch] = n.Object.Kind.String() + " " + n.Object.Name
		b.df.Upstreams = append(b.df.Upstreams, Upstream{Object: n.Object, Input: ch})
		return &stage{inputs: []<-chan exec.Message{ch}}, nil
	case *planner.StreamFilter, *planner.StreamProject, *planner.StreamReplicate, *planner.StreamHop:
		if p, ok := n.(*planner.StreamProject); ok {
			b.noteJoinReads(p)
		}
		op, err := Stateless(n, mem)
		if err != nil {
			return nil, err
		}
		return b.then(n.Inputs()[0], op)
	case *planner.StreamHashAgg:
		if b.spec.Parallelism > 1 {
			return b.parallelAgg(n)
		}
		return b.then(n.Input, b.aggOperator(n, 0, 1))
	case *planner.StreamUnion:
		inputs, err := b.channels(n.Inputs())
		if err != nil {
			return nil, err
		}
		op, err := Stateless(n, mem)
		if err != nil {
			return nil, err
		}
		return &stage{inputs: inputs, ops: []exec.Operator{op}}, nil
	case *planner.StreamTopN:
		return b.then(n.Input, topN(n, b.spec.Tables.Table(n, "rows"), mem))
	case *planner.StreamGroupTopN:
		return b.then(n.Input, groupTopN(n, b.spec.Tables.Table(n, "rows"), mem))
	case *planner.StreamOverWindow:
		return b.then(n.Input, overWindow(n, b.spec.Tables.Table(n, "rows"), mem))
	case *planner.StreamTemporalFilter:
		return b.then(n.Input, b.temporalFilter(n))
	case *planner.StreamSession:
		return b.then(n.Input, b.sessionWindow(n))
	case *planner.StreamWindowClose:
		return b.then(n.Input, ops.NewWindowClose(mem, b.spec.Tables.Table(n, "buffer"), schemaOf(n.Columns()), n.Window, n.StreamKey()))
	case *planner.StreamHashJoin:
		inputs, err := b.channels(n.Inputs())
		if err != nil {
			return nil, err
		}
		return &stage{inputs: inputs, ops: []exec.Operator{b.hashJoin(n)}}, nil
	}
	return nil, fmt.Errorf("dataflow: no operator for plan node %T", n)
}

// channels returns one channel per node of ins, in order, carrying its
// changes: input i of the fragment that reads them is ins[i]. A node whose
// stage runs nothing and reads one channel (a table or view read as it is)
// is read directly; any other gets a fragment of its own.
func (b *builder) channels(ins []planner.StreamNode) ([]<-chan exec.Message, error) {
	out := make([]<-chan exec.Message, len(ins))
	for i, in := range ins {
		s, err := b.build(in)
		if err != nil {
			return nil, err
		}
		if s.source == nil && len(s.ops) == 0 && len(s.inputs) == 1 {
			out[i] = s.inputs[0]
			continue
		}
		out[i] = b.readFrom(b.close(s, b.branchName(), nil)).inputs[0]
	}
	return out, nil
}

// hashJoin returns the operator of join n: a hash join, or for a join
// without an equality between its sides, a nested-loop join.
func (b *builder) hashJoin(n *planner.StreamHashJoin) exec.Operator {
	spec := ops.HashJoinSpec{
		Left: schemaOf(n.Left.Columns()), Right: schemaOf(n.Right.Columns()),
		LeftKeys: n.LeftKeys, RightKeys: n.RightKeys, NullSafe: n.NullSafe,
		LeftStreamKey: n.Left.StreamKey(), RightStreamKey: n.Right.StreamKey(),
		OuterLeft: n.OuterLeft(), OuterRight: n.OuterRight(),
		Semi: n.Kind == planner.SemiJoin, Anti: n.Kind == planner.AntiJoin,
		Residual:  n.Residual,
		LeftTable: b.spec.Tables.Table(n, "left"), RightTable: b.spec.Tables.Table(n, "right"),
		Output:        schemaOf(n.Columns()),
		LeftOnePerKey: n.OnePerKey(0), RightOnePerKey: n.OnePerKey(1),
		Unread: b.unreadColumns(n),
	}
	if n.LeftOnly() {
		spec.Pairs = schemaOf(n.PairColumns())
	}
	for k := range spec.Left {
		spec.LeftPos = append(spec.LeftPos, n.LeftPos(k))
	}
	for k := range spec.Right {
		spec.RightPos = append(spec.RightPos, n.RightPos(k))
	}
	if b.spec.Logger != nil {
		spec.Logger = b.spec.Logger.With("dataflow", b.spec.Name)
	}
	if n.Temporal {
		return ops.NewLookupJoin(spec, b.spec.Mem)
	}
	if n.NestedLoop() {
		return ops.NewNestedLoopJoin(spec, 0, b.spec.Mem)
	}
	return b.joinExpiry(n, ops.NewHashJoin(spec, b.spec.Mem))
}

// Stateless returns the operator of a node that keeps no state — a filter,
// a projection, a union — as the builder puts it in a dataflow. Ad-hoc
// queries (exec/adhoc) run the same operators over a snapshot's rows, so a
// query answers, and fails, as a view would. Only the node's own fields
// are read, not its inputs.
func Stateless(n planner.StreamNode, mem memory.Allocator) (exec.Operator, error) {
	switch n := n.(type) {
	case *planner.StreamFilter:
		return ops.NewFilter(mem, n.Pred), nil
	case *planner.StreamProject:
		return ops.NewProject(mem, n.Exprs, names(n.Cols)), nil
	case *planner.StreamUnion:
		return ops.NewUnion(schemaOf(n.Columns())), nil
	case *planner.StreamReplicate:
		return ops.NewReplicate(mem, schemaOf(n.Input.Columns()), n.Count, names(n.Columns())), nil
	case *planner.StreamHop:
		return ops.NewHop(mem, schemaOf(n.Cols), n.TimeCol, n.Size, n.Slide, n.Offset), nil
	}
	return nil, fmt.Errorf("dataflow: %T is not a stateless operator", n)
}

// then returns the stage of in followed by op.
func (b *builder) then(in planner.StreamNode, op exec.Operator) (*stage, error) {
	s, err := b.build(in)
	if err != nil {
		return nil, err
	}
	s.ops = append(s.ops, op)
	return s, nil
}

// hashAgg returns instance i of n instances of aggregate a.
func (b *builder) hashAgg(a *planner.StreamHashAgg, i, n int) *ops.HashAgg {
	spec := ops.HashAggSpec{
		GroupKeys:    seq(a.NumGroup),
		KeyTypes:     a.KeyTypes,
		Aggs:         a.Aggs,
		AppendOnly:   a.InputAppendOnly,
		ResultTable:  b.spec.Tables.Table(a, "result"),
		MinMaxTable:  b.spec.Tables.Table(a, "minmax"),
		OutputSchema: schemaOf(a.Cols),
		Instance:     i,
		Instances:    n,
	}
	if t := b.spec.Tables.Table(a, "expiry"); t != 0 && b.spec.TTL > 0 {
		spec.TTL, spec.ExpiryTable = b.spec.TTL, t
	}
	return ops.NewHashAgg(spec, b.spec.Mem)
}

// parallelAgg cuts the graph around aggregate a: its input's stage ends in
// an exchange fragment that divides rows by group key among one fragment
// per instance; the stage after it aligns the instances' outputs.
func (b *builder) parallelAgg(a *planner.StreamHashAgg) (*stage, error) {
	s, err := b.build(a.Input)
	if err != nil {
		return nil, err
	}
	n := b.spec.Parallelism
	split := ops.NewKeyExchange(b.spec.Mem, seq(a.NumGroup), append([]types.T(nil), a.KeyTypes...))
	exchange := b.close(s, b.spec.Name+"/exchange", split)
	outs := make([]<-chan exec.Message, n)
	for i := range n {
		in := make(chan exec.Message, ChannelBuffer)
		b.origin[in] = exchange.Name()
		exchange.Output().Add(in)
		f := b.close(&stage{inputs: []<-chan exec.Message{in}, ops: []exec.Operator{b.aggOperator(a, i, n)}}, fmt.Sprintf("%s/agg%d", b.spec.Name, i), nil)
		outs[i] = b.readFrom(f).inputs[0]
	}
	return &stage{inputs: outs}, nil
}

// close makes s a fragment named name (its output divided by split, if
// set) and adds it to the dataflow.
func (b *builder) close(s *stage, name string, split exec.Splitter) *exec.Fragment {
	f := exec.NewFragment(exec.FragmentSpec{
		Name:   name,
		Source: s.source,
		Inputs: s.inputs,
		Ops:    s.ops,
		Split:  split,
		State:  b.spec.State,
		Mem:    b.spec.Mem,
		Logger: b.spec.Logger,
	})
	b.df.Fragments = append(b.df.Fragments, f)
	l := FragmentLayout{Name: name, Exchange: split != nil}
	if s.source != nil {
		b.df.Roots = append(b.df.Roots, f)
		l.Inputs = append(l.Inputs, "source "+s.stream)
	}
	for _, ch := range s.inputs {
		l.Inputs = append(l.Inputs, b.origin[ch])
	}
	for _, op := range s.ops {
		l.Ops = append(l.Ops, strings.TrimPrefix(fmt.Sprintf("%T", op), "*ops."))
	}
	b.df.Layout = append(b.df.Layout, l)
	return f
}

// readFrom returns a stage that reads a new subscription to f's output.
func (b *builder) readFrom(f *exec.Fragment) *stage {
	ch := make(chan exec.Message, ChannelBuffer)
	b.origin[ch] = f.Name()
	f.Output().Add(ch)
	return &stage{inputs: []<-chan exec.Message{ch}}
}

// branchName names the next fragment cut for an input of a multi-input node.
func (b *builder) branchName() string {
	b.branches++
	return fmt.Sprintf("%s/in%d", b.spec.Name, b.branches-1)
}

func names(cols []planner.Col) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}

func schemaOf(cols []planner.Col) types.Schema {
	out := make(types.Schema, len(cols))
	for i, c := range cols {
		out[i] = types.Column{Name: c.Name, Type: c.Type, Nullable: true}
	}
	return out
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
