package weir

import (
	"context"
	"strconv"

	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/pipeline"
)

// StartPipeline creates what each stream of p compiles to (its input
// stream, view and sink), so that it runs like any other job, and returns
// a line per stream saying what it did (pipeline.File.Start). A stream
// whose objects exist (a restart) goes on where its state left off; one
// whose query changed since is an error, naming its line.
func (e *Engine) StartPipeline(ctx context.Context, p *Pipeline) ([]string, error) {
	return p.Start(ctx, pipelineEngine{e})
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
	return p.Check(ctx, pipelineEngine{e})
}

// pipelineEngine is the engine as a pipeline start sees it
// (pipeline.Engine).
type pipelineEngine struct{ e *Engine }

// Object implements pipeline.Engine.
func (pe pipelineEngine) Object(name string) (pipeline.Object, bool) {
	o, ok := pe.e.cat.Get(name)
	if !ok {
		return pipeline.Object{}, false
	}
	return pipeline.Object{Kind: o.Kind.String(), Pipeline: o.Pipeline, Definition: o.Definition,
		Parallelism: atoiOr(o.Options[planner.ParallelismOption], 1)}, true
}

// Plan implements pipeline.Engine: thread_num is the view's parallelism
// option, with its rules.
func (pe pipelineEngine) Plan(q *sql.Select, stream string, threads int) (pipeline.QueryPlan, string, error) {
	node, err := planner.NewBinder(pe.e.cat, nil).BindSelect(q)
	if err != nil {
		return pipeline.QueryPlan{}, "", err
	}
	sp, err := planner.PlanStream(node)
	if err != nil {
		return pipeline.QueryPlan{}, "", err
	}
	par := parallelism(map[string]string{planner.ParallelismOption: strconv.Itoa(threads)}, sp)
	return pipeline.QueryPlan{Aggregates: planner.HasAggregate(node), AppendOnly: sp.AppendOnly, KeyVisible: sp.KeyVisible(), Parallelism: par},
		planner.ExplainStream(stream, sp, par), nil
}

// Exec implements pipeline.Engine: stmts run in a session that marks the
// objects it creates as made for the pipeline stream st.
func (pe pipelineEngine) Exec(ctx context.Context, st *pipeline.Stream, stmts ...sql.Statement) error {
	s, err := pe.e.NewSession(ctx, "weir", "weir")
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

// Warn implements pipeline.Engine.
func (pe pipelineEngine) Warn(msg string, args ...any) { pe.e.log.Warn(msg, args...) }

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
