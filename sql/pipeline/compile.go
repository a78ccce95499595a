package pipeline

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/weir-stream/weir/sql"
)

// A stream compiles to up to three statements, made here as AST nodes:
//
//   - its input: CREATE STREAM <id>_input (columns) WITH (connector …),
//     made unless it exists (InputStatement, with Columns);
//   - its query (Query): the processors' queries, each reading the one
//     before it (the first the input) as the table flow;
//   - its output (OutputStatements): for a query that aggregates, CREATE MATERIALIZED
//     VIEW <id> AS query (kept, and queryable by the operator_id) and
//     CREATE SINK <id>_output FROM <id>; for any other query, CREATE SINK
//     <id>_output AS query. The sink's type follows the query's plan.
//
// Whether the query aggregates, and the plan's key and append-only
// property, come from the caller, which binds and plans the query against
// its catalog (QueryPlan).

// parallelismOption is the WITH option of CREATE MATERIALIZED VIEW that
// runs its aggregate as that many instances: a stream's thread_num.
const parallelismOption = "parallelism"

// InputName returns the name of s's input stream.
func (s *Stream) InputName() string { return s.ID + "_input" }

// SinkName returns the name of s's sink.
func (s *Stream) SinkName() string { return s.ID + "_output" }

// InputStatement returns the CREATE STREAM of s's input with the columns
// cols (none: what a restart compares, Columns being inferred once).
func (s *Stream) InputStatement(cols []sql.ColumnDef) *sql.CreateStream {
	st := &sql.CreateStream{Name: objectName(s.InputName()), Columns: cols, Options: inputOptions(s.Input)}
	if w := s.Input.Watermark; w != nil {
		st.Watermark = w.Def
		st.Options = append(st.Options, w.options()...)
	}
	return st
}

// Query returns s's SQL processors as one query: the first reads the input
// as the table flow, each next one the one before it (as a subquery named
// flow, or by the alias its query gives flow). Errors name the processor's
// line.
func (f *File) Query(s *Stream) (*sql.Select, error) {
	var query *sql.Select
	for i, proc := range s.Processors {
		if proc.Type != "sql" {
			continue
		}
		key := fmt.Sprintf("processors[%d].query", i)
		stmt, err := sql.ParseOne(proc.Query)
		if err != nil {
			return nil, f.Errorf(proc.Line, key, "%w", err)
		}
		sel, ok := stmt.(*sql.Select)
		if !ok {
			return nil, f.Errorf(proc.Line, key, "want a SELECT")
		}
		var from sql.TableExpr = &sql.TableName{Name: objectName(s.InputName()), Alias: &sql.Name{Value: "flow"}}
		if query != nil {
			from = &sql.Subquery{Query: query, Alias: &sql.Name{Value: "flow"}}
		}
		if !replaceFlow(sel, from) {
			return nil, f.Errorf(proc.Line, key, "the query does not read the table flow (the input, or the processor before)")
		}
		query = sel
	}
	return query, nil
}

// QueryPlan is what compiling a stream's output needs to know of the
// streaming plan of its query.
type QueryPlan struct {
	// Aggregates says the query aggregates: its result is kept in a view
	// named by the stream's ID, which the sink reads.
	Aggregates bool
	// AppendOnly says the query's result only ever grows.
	AppendOnly bool
	// KeyVisible says the plan's key columns are all visible, so an upsert
	// sink can key its records by them.
	KeyVisible bool
	// Parallelism is how many instances the view's aggregate runs as (1
	// unless the query can be split among the stream's threads).
	Parallelism int
}

// OutputStatements returns the statements that deliver the result of q, s's query,
// to s's output: the view (nil unless the query aggregates) and the sink.
func (s *Stream) OutputStatements(q *sql.Select, plan QueryPlan) (*sql.CreateView, *sql.CreateSink) {
	sink := &sql.CreateSink{Name: objectName(s.SinkName()), Options: outputOptions(s.Output)}
	if !plan.Aggregates {
		typ := "append-only"
		if !plan.AppendOnly {
			typ = "debezium"
		}
		sink.Query = q
		sink.Options = append(sink.Options, sql.Option{Key: "type", Value: typ})
		return nil, sink
	}
	view := &sql.CreateView{Name: objectName(s.ID), Query: q}
	if plan.Parallelism > 1 {
		view.Options = []sql.Option{{Key: parallelismOption, Value: strconv.Itoa(plan.Parallelism)}}
	}
	typ := "upsert"
	if plan.AppendOnly {
		typ = "append-only"
	} else if !plan.KeyVisible {
		typ = "debezium"
	}
	sink.From = objectName(s.ID)
	sink.Options = append(sink.Options, sql.Option{Key: "type", Value: typ})
	return view, sink
}

// SameInput reports whether definition, the text of an existing input
// stream's CREATE STREAM, has made's options: the input did not change
// since. Columns are not compared: an inferred schema is not inferred
// again.
func SameInput(definition string, made *sql.CreateStream) bool {
	st, err := sql.ParseOne(definition)
	if err != nil {
		return false
	}
	cs, ok := st.(*sql.CreateStream)
	return ok && sql.String(&sql.CreateStream{Name: cs.Name, Options: cs.Options}) == sql.String(&sql.CreateStream{Name: made.Name, Options: made.Options})
}

// SameOutput reports whether definition, the text of an existing view or
// sink, is made, the parallelism option aside (a stream's thread_num may
// change between runs without changing what its view computes).
func SameOutput(definition string, made sql.Statement) bool {
	st, err := sql.ParseOne(definition)
	return err == nil && sql.String(withoutParallelism(st)) == sql.String(withoutParallelism(made))
}

// withoutParallelism returns st without its parallelism option when it is
// a CREATE MATERIALIZED VIEW, else st.
func withoutParallelism(st sql.Statement) sql.Statement {
	cv, ok := st.(*sql.CreateView)
	if !ok {
		return st
	}
	c := *cv
	c.Options = nil
	for _, o := range cv.Options {
		if !strings.EqualFold(o.Key, parallelismOption) {
			c.Options = append(c.Options, o)
		}
	}
	return &c
}

// replaceFlow puts from in the place of every unqualified table named flow
// in sel's FROM (subqueries and set operations' operands included) and
// reports whether there was one.
func replaceFlow(sel *sql.Select, from sql.TableExpr) bool {
	if sel.Set != nil {
		left := replaceFlow(sel.Set.Left, from)
		return replaceFlow(sel.Set.Right, from) || left
	}
	found := false
	for i, t := range sel.From {
		switch t := t.(type) {
		case *sql.TableName:
			if len(t.Name.Parts) == 1 && strings.EqualFold(t.Name.Parts[0].Value, "flow") {
				repl := from
				if t.Alias != nil {
					switch f := from.(type) {
					case *sql.TableName:
						c := *f
						c.Alias = t.Alias
						repl = &c
					case *sql.Subquery:
						c := *f
						c.Alias = t.Alias
						repl = &c
					}
				}
				sel.From[i] = repl
				found = true
			}
		case *sql.Subquery:
			if replaceFlow(t.Query, from) {
				found = true
			}
		}
	}
	return found
}

// objectName returns name as an unqualified object name.
func objectName(name string) sql.ObjectName {
	return sql.ObjectName{Parts: []sql.Name{{Value: name}}}
}

// inputOptions returns the WITH options of an input's CREATE STREAM.
func inputOptions(in Input) []sql.Option {
	var opts []sql.Option
	add := func(k, v string) { opts = append(opts, sql.Option{Key: k, Value: v}) }
	switch in.Type {
	case "kafka":
		add("connector", "kafka")
		add("topic", in.Topic)
		add("brokers", strings.Join(in.Brokers, ","))
		add("format", in.Codec)
		if in.ConsumerGroup != "" {
			add("group.id", in.ConsumerGroup)
		}
		if in.StartFromLatest {
			add("scan.startup.mode", "latest")
		}
	case "file":
		add("connector", "file")
		add("path", in.Path)
		add("format", in.Codec)
	case "generate":
		// The datagen source with every column constant: the context's
		// values (generateColumns checked them).
		add("connector", "datagen")
		var fields map[string]json.RawMessage
		_ = json.Unmarshal([]byte(in.Context), &fields)
		keys, _ := jsonKeys([]byte(in.Context))
		for _, k := range keys {
			v := strings.TrimSpace(string(fields[k]))
			var s string
			if json.Unmarshal(fields[k], &s) == nil { // a JSON string, escapes and all
				v = s
			}
			add("fields."+k+".kind", "constant")
			add("fields."+k+".value", v)
		}
		add("datagen.batch.rows", strconv.FormatInt(in.BatchSize, 10))
		if in.Interval > 0 {
			add("datagen.rows.per.second", strconv.FormatInt(max(1, in.BatchSize*int64(time.Second)/int64(in.Interval)), 10))
		}
		if in.Count > 0 {
			add("datagen.rows.total", strconv.FormatInt(in.Count, 10))
		}
	case "nexmark":
		add("connector", "nexmark")
		add("nexmark.table", in.Table)
		if in.Events > 0 {
			add("nexmark.events.total", strconv.FormatInt(in.Events, 10))
		}
		if in.EventsPerSecond > 0 {
			add("nexmark.events.per.second", strconv.FormatInt(in.EventsPerSecond, 10))
		}
	}
	return opts
}

// outputOptions returns the WITH options of an output's sink, without the
// type.
func outputOptions(out Output) []sql.Option {
	var opts []sql.Option
	add := func(k, v string) { opts = append(opts, sql.Option{Key: k, Value: v}) }
	add("connector", out.Type)
	switch out.Type {
	case "kafka":
		add("topic", out.Topic)
		add("brokers", strings.Join(out.Brokers, ","))
	case "file":
		add("path", out.Path)
	}
	if out.Codec != "json" {
		add("format", out.Codec)
	}
	return opts
}
