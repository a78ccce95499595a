package pipeline

import (
	"context"
	"fmt"
	"strings"

	"github.com/weir-stream/weir/sql"
)

// Engine is what starting or checking a pipeline needs of the engine that
// runs it.
type Engine interface {
	// Object returns the catalog object named name: its kind as errors name
	// it ("stream", "materialized view", "sink", …), the pipeline stream
	// that made it ("" for none), its definition and, for a materialized
	// view, its parallelism.
	Object(name string) (o Object, ok bool)
	// Plan binds and plans q against the catalog as a streaming query that
	// runs as at most threads instances: what compiling the stream's output
	// needs, and the EXPLAIN of the plan.
	Plan(q *sql.Select, stream string, threads int) (QueryPlan, string, error)
	// Exec runs stmts in order, as a client's script runs, marking the
	// objects they make as made by stream s; it stops at the first error.
	Exec(ctx context.Context, s *Stream, stmts ...sql.Statement) error
	// Warn logs a warning with key-value pairs.
	Warn(msg string, args ...any)
}

// Object is a catalog object as a pipeline start sees it.
type Object struct {
	Kind        string
	Pipeline    string
	Definition  string
	Parallelism int
}

// Start creates what each stream of f compiles to (its input stream, view
// and sink) through e, so that it runs like any other job, and returns a
// line per stream saying what it did. A stream whose objects exist (a
// restart) goes on where its state left off; one whose query changed since
// is an error, naming its line. Inputs without a schema get one inferred
// from their first records (said in the report), which is then fixed for
// the stream's life.
func (f *File) Start(ctx context.Context, e Engine) ([]string, error) {
	var report []string
	for i := range f.Streams {
		st := &f.Streams[i]
		plan, existing, err := f.compile(ctx, e, st)
		if err != nil {
			return report, err
		}
		outputs := plan.outputs()
		if existing && len(outputs) == 0 {
			report = append(report, fmt.Sprintf("stream %s (line %d): resumed", st.ID, st.Line))
			continue
		}
		if err := e.Exec(ctx, st, outputs...); err != nil {
			return report, f.Errorf(st.Line, "stream "+st.ID, "%w", err)
		}
		line := fmt.Sprintf("stream %s (line %d): started", st.ID, st.Line)
		if plan.inferred != nil {
			line += fmt.Sprintf("; inferred input schema (%s)", sql.ColumnsString(plan.inferred))
		}
		report = append(report, line)
	}
	return report, nil
}

// Check compiles f through e (a scratch engine: the input streams are
// made in it) and returns, per stream, the SQL it compiles to and the plan
// of its query (`weir run --check`).
func (f *File) Check(ctx context.Context, e Engine) (string, error) {
	var b strings.Builder
	for i := range f.Streams {
		st := &f.Streams[i]
		plan, _, err := f.compile(ctx, e, st)
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

// startPlan is what a stream of a pipeline file compiles to: the
// statements of its input stream, of its view (aggregating queries only:
// they are kept, and queryable by the stream's operator_id) and of its
// sink, each nil when it exists already.
type startPlan struct {
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
func (plan *startPlan) outputs() []sql.Statement {
	var out []sql.Statement
	if plan.view != nil {
		out = append(out, plan.view)
	}
	if plan.sink != nil {
		out = append(out, plan.sink)
	}
	return out
}

// compile creates st's input stream unless it exists, and returns the
// statements of the rest, with existing reporting that the stream's
// objects exist already, with the same definitions.
func (f *File) compile(ctx context.Context, e Engine, st *Stream) (*startPlan, bool, error) {
	plan := &startPlan{}
	input := st.InputStatement(nil)
	in, ok := e.Object(st.InputName())
	if ok && in.Pipeline != st.ID {
		return nil, false, f.Errorf(st.Line, "state.operator_id", "%s is taken by a %s that is not this pipeline's", st.InputName(), in.Kind)
	}
	if ok && !SameInput(in.Definition, input) {
		return nil, false, f.Errorf(st.Input.Line, "input", "the input changed since the stream's state was made (it was: %s): DROP its objects, or give the stream a new state.operator_id", in.Definition)
	}
	if !ok {
		cols, inferred, err := f.Columns(ctx, st)
		if err != nil {
			return nil, false, err
		}
		if inferred {
			plan.inferred = cols
		}
		input.Columns = cols
		plan.input = input
		if err := e.Exec(ctx, st, input); err != nil {
			return nil, false, f.Errorf(st.Input.Line, "input", "%w", err)
		}
	}
	query, err := f.Query(st)
	if err != nil {
		return nil, false, err
	}
	qp, explain, err := e.Plan(query, st.ID, st.ThreadNum)
	if err != nil {
		last := st.Processors[len(st.Processors)-1]
		return nil, false, f.Errorf(last.Line, "processors", "%w", err)
	}
	plan.explain, plan.parallelism = explain, qp.Parallelism
	plan.view, plan.sink = st.OutputStatements(query, qp)
	// What exists already is not made again (a start that failed half-way
	// made only some of it).
	var existing bool
	for _, made := range plan.outputs() {
		exists, err := objectExists(e, st, made, qp.Parallelism)
		if err != nil {
			return nil, false, f.Errorf(st.Line, "stream "+st.ID, "%w", err)
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

// objectExists reports whether the view or sink made by st's statement
// made exists already (a restart). An object of that name with another
// definition is an error: the stream's processors or output changed since
// its state was made.
func objectExists(e Engine, st *Stream, made sql.Statement, parallelism int) (bool, error) {
	var name string
	switch s := made.(type) {
	case *sql.CreateView:
		name = s.Name.Last().Value
	case *sql.CreateSink:
		name = s.Name.Last().Value
	}
	o, ok := e.Object(name)
	if !ok {
		return false, nil
	}
	if o.Pipeline != st.ID || !SameOutput(o.Definition, made) {
		return false, fmt.Errorf("%s %s exists with another definition (the stream's processors or output changed since its state was made): DROP it, or give the stream a new state.operator_id", o.Kind, name)
	}
	if o.Kind == "materialized view" && o.Parallelism != parallelism {
		e.Warn("pipeline stream: thread_num changed; the view keeps the parallelism it was made with (DROP it, or give the stream a new state.operator_id, to change it)",
			"stream", st.ID, "view", name, "parallelism", o.Parallelism, "thread_num", st.ThreadNum)
	}
	return true, nil
}
