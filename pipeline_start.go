package weir

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/pipeline"
)

// This file runs pipeline files: package sql/pipeline reads them and
// compiles each stream to statements; here they are checked against the
// catalog (a restart resumes what exists) and run by a session, as a
// client's would be.

// pipelinePlan is what a stream of a pipeline file compiles to: the
// statements of its input stream, of its view (aggregating queries only:
// they are kept, and queryable by the stream's operator_id) and of its
// sink, each nil when it exists already.
type pipelinePlan struct {
	input *sql.CreateStream
	view  *sql.CreateView
	// parallelism is how many instances the view's aggregate runs as.
	parallelism int
	sink        *sql.CreateSink
	// explain is the EXPLAIN of the query's streaming plan.
	explain string
	// inferred is the input's schema when it was inferred, for the user to
	// see (and fix in the file if it is not what they want).
	inferred []sql.ColumnDef
}

// outputs returns the plan's view and sink statements that are to run, in
// order.
func (plan *pipelinePlan) outputs() []sql.Statement {
	var out []sql.Statement
	if plan.view != nil {
		out = append(out, plan.view)
	}
	if plan.sink != nil {
		out = append(out, plan.sink)
	}
	return out
}

// StartPipeline creates what each stream of p compiles to (its input
// stream, view and sink), so that it runs like any other job, and returns
// a line per stream saying what it did. A stream whose objects exist (a
// restart) goes on where its state left off; one whose query changed since
// is an error, naming its line. Inputs without a schema get one inferred
// from their first records (printed in the result), which is then fixed
// for the stream's life.
func (e *Engine) StartPipeline(ctx context.Context, p *Pipeline) ([]string, error) {
	var report []string
	for i := range p.Streams {
		st := &p.Streams[i]
		plan, existing, err := e.compilePipelineStream(ctx, p, st)
		if err != nil {
			return report, err
		}
		outputs := plan.outputs()
		if existing && len(outputs) == 0 {
			report = append(report, fmt.Sprintf("stream %s (line %d): resumed", st.ID, st.Line))
			continue
		}
		if err := e.execPipelineStatements(ctx, st, outputs...); err != nil {
			return report, p.Errorf(st.Line, "stream "+st.ID, "%w", err)
		}
		line := fmt.Sprintf("stream %s (line %d): started", st.ID, st.Line)
		if plan.inferred != nil {
			line += fmt.Sprintf("; inferred input schema (%s)", sql.ColumnsString(plan.inferred))
		}
		report = append(report, line)
	}
	return report, nil
}

// CheckPipeline compiles p without running it (`weir run --check`) and
// returns, per stream, the SQL it compiles to and the plan of its query.
// It runs in a scratch in-memory engine; inputs without a schema are
// sampled to infer one.
func CheckPipeline(ctx context.Context, p *Pipeline) (string, error) {
	cfg := DefaultConfig()
	cfg.State.BackendType = "memory"
	// The file connector's paths are checked as the pipeline's server would.
	cfg.Server.FileRoots, cfg.Server.DataDir = p.Config.Server.FileRoots, p.Config.Server.DataDir
	e, err := Open(ctx, cfg)
	if err != nil {
		return "", err
	}
	defer e.Close(ctx)
	var b strings.Builder
	for i := range p.Streams {
		st := &p.Streams[i]
		plan, _, err := e.compilePipelineStream(ctx, p, st)
		if err != nil {
			return b.String(), err
		}
		fmt.Fprintf(&b, "-- stream %s (line %d), thread_num %d", st.ID, st.Line, st.ThreadNum)
		if st.ThreadNum > 1 && plan.parallelism == 1 {
			b.WriteString(" (runs as one instance: only a query with one GROUP BY is split among threads)")
		}
		b.WriteString("\n")
		if plan.input != nil {
			fmt.Fprintf(&b, "%s;\n", sql.String(plan.input))
		}
		for _, stmt := range plan.outputs() {
			fmt.Fprintf(&b, "%s;\n", sql.String(stmt))
		}
		b.WriteString(plan.explain)
		b.WriteString("\n")
	}
	return b.String(), nil
}

// execPipelineStatements runs stmts in order, as Exec runs a script's, in
// a session that marks the objects it creates as made for the pipeline
// stream st. It stops at the first error.
func (e *Engine) execPipelineStatements(ctx context.Context, st *pipeline.Stream, stmts ...sql.Statement) error {
	s, err := e.NewSession(ctx, "weir", "weir")
	if err != nil {
		return err
	}
	defer s.Close()
	s.pipeline, s.pipelineKeys = st.ID, st.CustomKeys
	for _, stmt := range stmts {
		res, err := s.withStatementTimeout(ctx, stmt, s.execute)
		if err != nil {
			return err
		}
		if res.Rows != nil {
			res.Rows.Release()
		}
	}
	return nil
}

// compilePipelineStream creates st's input stream unless it exists, and
// returns the statements of the rest, with existing reporting that the
// stream's objects exist already, with the same definitions.
func (e *Engine) compilePipelineStream(ctx context.Context, p *Pipeline, st *pipeline.Stream) (*pipelinePlan, bool, error) {
	plan := &pipelinePlan{}
	input := st.InputStatement(nil)
	in, ok := e.cat.Get(st.InputName())
	if ok && in.Pipeline != st.ID {
		return nil, false, p.Errorf(st.Line, "state.operator_id", "%s is taken by a %s that is not this pipeline's", st.InputName(), in.Kind)
	}
	if ok && !pipeline.SameInput(in.Definition, input) {
		return nil, false, p.Errorf(st.Input.Line, "input", "the input changed since the stream's state was made (it was: %s): DROP its objects, or give the stream a new state.operator_id", in.Definition)
	}
	if !ok {
		cols, inferred, err := p.Columns(ctx, st)
		if err != nil {
			return nil, false, err
		}
		if inferred {
			plan.inferred = cols
		}
		input.Columns = cols
		plan.input = input
		if err := e.execPipelineStatements(ctx, st, input); err != nil {
			return nil, false, p.Errorf(st.Input.Line, "input", "%w", err)
		}
	}
	query, err := p.Query(st)
	if err != nil {
		return nil, false, err
	}
	node, err := planner.NewBinder(e.cat, nil).BindSelect(query)
	var sp *planner.StreamPlan
	if err == nil {
		sp, err = planner.PlanStream(node)
	}
	if err != nil {
		last := st.Processors[len(st.Processors)-1]
		return nil, false, p.Errorf(last.Line, "processors", "%w", err)
	}
	// thread_num is the view's parallelism option, with its rules.
	par := parallelism(map[string]string{parallelismOption: strconv.Itoa(st.ThreadNum)}, sp)
	plan.explain = planner.ExplainStream(st.ID, sp, par)
	plan.parallelism = par
	plan.view, plan.sink = st.OutputStatements(query, pipeline.QueryPlan{
		Aggregates:  aggregates(node),
		AppendOnly:  sp.AppendOnly,
		KeyVisible:  visibleKey(sp),
		Parallelism: par,
	})
	// What exists already is not made again (a start that failed half-way
	// made only some of it).
	var existing bool
	for _, made := range plan.outputs() {
		exists, err := e.pipelineObjectExists(st, made, par)
		if err != nil {
			return nil, false, p.Errorf(st.Line, "stream "+st.ID, "%w", err)
		}
		if exists {
			existing = true
			switch made.(type) {
			case *sql.CreateView:
				plan.view = nil
			case *sql.CreateSink:
				plan.sink = nil
			}
		}
	}
	return plan, existing, nil
}

// pipelineObjectExists reports whether the view or sink made by st's
// statement made exists already (a restart). An object of that name with
// another definition is an error: the stream's processors or output
// changed since its state was made.
func (e *Engine) pipelineObjectExists(st *pipeline.Stream, made sql.Statement, parallelism int) (bool, error) {
	var name string
	switch s := made.(type) {
	case *sql.CreateView:
		name = s.Name.Last().Value
	case *sql.CreateSink:
		name = s.Name.Last().Value
	}
	o, ok := e.cat.Get(name)
	if !ok {
		return false, nil
	}
	if o.Pipeline != st.ID || !pipeline.SameOutput(o.Definition, made) {
		return false, fmt.Errorf("%s %s exists with another definition (the stream's processors or output changed since its state was made): DROP it, or give the stream a new state.operator_id", o.Kind, name)
	}
	if o.Kind == catalog.View {
		if was := atoiOr(o.Options[parallelismOption], 1); was != parallelism {
			e.log.Warn("pipeline stream: thread_num changed; the view keeps the parallelism it was made with (DROP it, or give the stream a new state.operator_id, to change it)",
				"stream", st.ID, "view", name, "parallelism", was, "thread_num", st.ThreadNum)
		}
	}
	return true, nil
}

// aggregates reports whether the logical plan n aggregates anywhere.
func aggregates(n planner.Node) bool {
	if _, ok := n.(*planner.Aggregate); ok {
		return true
	}
	for _, c := range n.Children() {
		if aggregates(c) {
			return true
		}
	}
	return false
}

// visibleKey reports whether the plan's key columns are all visible, so an
// upsert sink can key its records by them.
func visibleKey(sp *planner.StreamPlan) bool {
	if len(sp.Key) == 0 {
		return false
	}
	for _, k := range sp.Key {
		if sp.Cols[k].Hidden {
			return false
		}
	}
	return true
}

// pipelineObjects returns the catalog's objects made for pipelines, by
// operator_id.
func (e *Engine) pipelineObjects() map[string][]*catalog.Object {
	out := map[string][]*catalog.Object{}
	for _, o := range e.cat.List(0) {
		if o.Pipeline != "" {
			out[o.Pipeline] = append(out[o.Pipeline], o)
		}
	}
	return out
}
