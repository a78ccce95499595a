package weir

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/statestore"
)

// inferRecords is how many records schema inference reads, at most.
const inferRecords = 100

// inferWait bounds how long schema inference waits for a Kafka topic's
// first records.
const inferWait = 10 * time.Second

// pipelinePlan is what a stream of a pipeline file compiles to: the SQL of
// its input stream, of its view (aggregating queries only: they are kept,
// and queryable by the stream's operator_id) and of its sink.
type pipelinePlan struct {
	input string // CREATE STREAM …
	view  string // CREATE MATERIALIZED VIEW …, or "" (the sink runs the query)
	// parallelism is how many instances the view's aggregate runs as.
	parallelism int
	sink        string // CREATE SINK …
	// explain is the EXPLAIN of the query's streaming plan.
	explain string
	// inferred is the input's schema when it was inferred, for the user to
	// see (and fix in the file if it is not what they want).
	inferred []string
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
	for _, st := range p.Streams {
		plan, existing, err := e.compilePipelineStream(ctx, p, st)
		if err != nil {
			return report, err
		}
		if existing && plan.view == "" && plan.sink == "" {
			report = append(report, fmt.Sprintf("stream %s (line %d): resumed", st.ID, st.Line))
			continue
		}
		s, err := e.NewSession(ctx, "weir", "weir")
		if err != nil {
			return report, err
		}
		s.pipeline, s.pipelineKeys = st.ID, st.CustomKeys
		for _, stmt := range []string{plan.view, plan.sink} {
			if stmt == "" {
				continue
			}
			if err := s.Exec(ctx, stmt); err != nil {
				return report, pipelineError(p.Path, st.Line, fmt.Sprintf("stream %s", st.ID), "%v", err)
			}
		}
		line := fmt.Sprintf("stream %s (line %d): started", st.ID, st.Line)
		if plan.inferred != nil {
			line += fmt.Sprintf("; inferred input schema (%s)", strings.Join(plan.inferred, ", "))
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
	for _, st := range p.Streams {
		plan, _, err := e.compilePipelineStream(ctx, p, st)
		if err != nil {
			return b.String(), err
		}
		fmt.Fprintf(&b, "-- stream %s (line %d), thread_num %d", st.ID, st.Line, st.ThreadNum)
		if st.ThreadNum > 1 && plan.parallelism == 1 {
			b.WriteString(" (runs as one instance: only a query with one GROUP BY is split among threads)")
		}
		b.WriteString("\n")
		for _, stmt := range []string{plan.input, plan.view, plan.sink} {
			if stmt != "" {
				fmt.Fprintf(&b, "%s;\n", stmt)
			}
		}
		b.WriteString(plan.explain)
		b.WriteString("\n")
	}
	return b.String(), nil
}

// compilePipelineStream creates st's input stream unless it exists, and
// returns the SQL of the rest, with existing reporting that the stream's
// objects exist already, with the same definitions.
func (e *Engine) compilePipelineStream(ctx context.Context, p *Pipeline, st PipelineStream) (*pipelinePlan, bool, error) {
	plan := &pipelinePlan{}
	inputName := st.ID + "_input"
	in, ok := e.cat.Get(inputName)
	if ok && in.Pipeline != st.ID {
		return nil, false, pipelineError(p.Path, st.Line, "state.operator_id", "%s is taken by a %s that is not this pipeline's", inputName, in.Kind)
	}
	if ok && !sameOptions(in.Definition, inputStatement(inputName, st.Input, nil)) {
		return nil, false, pipelineError(p.Path, st.Input.Line, "input", "the input changed since the stream's state was made (it was: %s): DROP its objects, or give the stream a new state.operator_id", in.Definition)
	}
	if !ok {
		cols := st.Input.Schema
		if st.Input.Type == "generate" {
			var err error
			if cols, err = generateColumns(st.Input); err != nil {
				return nil, false, pipelineError(p.Path, st.Input.Line, "input.context", "%v", err)
			}
		} else if len(cols) == 0 && st.Input.Type != "nexmark" {
			var err error
			if cols, err = inferSchema(ctx, st.Input); err != nil {
				return nil, false, pipelineError(p.Path, st.Input.Line, "input", "%v (or give input.schema)", err)
			}
			plan.inferred = cols
		}
		plan.input = inputStatement(inputName, st.Input, cols)
		s, err := e.NewSession(ctx, "weir", "weir")
		if err != nil {
			return nil, false, err
		}
		s.pipeline, s.pipelineKeys = st.ID, st.CustomKeys
		if err := s.Exec(ctx, plan.input); err != nil {
			return nil, false, pipelineError(p.Path, st.Input.Line, "input", "%v", err)
		}
	}
	// The processors: the first reads the input as flow, each next one the
	// one before it.
	var query *sql.Select
	for i, proc := range st.Processors {
		if proc.Type != "sql" {
			continue
		}
		stmt, err := sql.ParseOne(proc.Query)
		if err != nil {
			return nil, false, pipelineError(p.Path, proc.Line, fmt.Sprintf("processors[%d].query", i), "%v", err)
		}
		sel, ok := stmt.(*sql.Select)
		if !ok {
			return nil, false, pipelineError(p.Path, proc.Line, fmt.Sprintf("processors[%d].query", i), "want a SELECT")
		}
		var from sql.TableExpr = &sql.TableName{Name: sql.ObjectName{Parts: []sql.Name{{Value: inputName}}}, Alias: &sql.Name{Value: "flow"}}
		if query != nil {
			from = &sql.Subquery{Query: query, Alias: &sql.Name{Value: "flow"}}
		}
		if !replaceFlow(sel, from) {
			return nil, false, pipelineError(p.Path, proc.Line, fmt.Sprintf("processors[%d].query", i), "the query does not read the table flow (the input, or the processor before)")
		}
		query = sel
	}
	node, err := planner.NewBinder(e.cat, nil).BindSelect(query)
	var sp *planner.StreamPlan
	if err == nil {
		sp, err = planner.PlanStream(node)
	}
	if err != nil {
		last := st.Processors[len(st.Processors)-1]
		return nil, false, pipelineError(p.Path, last.Line, "processors", "%v", err)
	}
	par := 1
	if parallelizable(sp) {
		par = min(st.ThreadNum, statestore.NumVnodes)
	}
	plan.explain = planner.ExplainStream(st.ID, sp, par)
	plan.parallelism = par
	opts := outputOptions(st.Output)
	if sp.NumAggregates() > 0 {
		with := ""
		if par > 1 {
			with = fmt.Sprintf(" WITH (parallelism = '%d')", par)
		}
		plan.view = fmt.Sprintf("CREATE MATERIALIZED VIEW %s%s AS %s", st.ID, with, sql.String(query))
		typ := "upsert"
		if sp.AppendOnly {
			typ = "append-only"
		} else if !visibleKey(sp) {
			typ = "debezium"
		}
		plan.sink = fmt.Sprintf("CREATE SINK %s_output FROM %s WITH (%s, type = '%s')", st.ID, st.ID, opts, typ)
	} else {
		typ := "append-only"
		if !sp.AppendOnly {
			typ = "debezium"
		}
		plan.sink = fmt.Sprintf("CREATE SINK %s_output AS %s WITH (%s, type = '%s')", st.ID, sql.String(query), opts, typ)
	}
	existing, err := e.pipelineExists(st, plan)
	if err != nil {
		return nil, false, pipelineError(p.Path, st.Line, "stream "+st.ID, "%v", err)
	}
	// What exists already is not made again (a start that failed half-way
	// made only some of it).
	if existing[0] {
		plan.view = ""
	}
	if existing[1] {
		plan.sink = ""
	}
	return plan, existing[0] || existing[1], nil
}

// pipelineExists reports which of st's view and sink exist already (a
// restart): existing[i] for plan.view and plan.sink in that order. Objects
// of st with other definitions are an error: the stream's processors or
// output changed since its state was made.
func (e *Engine) pipelineExists(st PipelineStream, plan *pipelinePlan) ([2]bool, error) {
	var existing [2]bool
	for i, stmt := range []string{plan.view, plan.sink} {
		if stmt == "" {
			continue
		}
		parsed, err := sql.ParseOne(stmt)
		if err != nil {
			return existing, err
		}
		var name string
		switch s := parsed.(type) {
		case *sql.CreateView:
			name = s.Name.Last().Value
		case *sql.CreateSink:
			name = s.Name.Last().Value
		}
		o, ok := e.cat.Get(name)
		if !ok {
			continue
		}
		if o.Pipeline != st.ID || withoutParallelism(o.Definition) != withoutParallelism(sql.String(parsed)) {
			return existing, fmt.Errorf("%s %s exists with another definition (the stream's processors or output changed since its state was made): DROP it, or give the stream a new state.operator_id", o.Kind, name)
		}
		if o.Kind == catalog.View {
			if made := atoiOr(o.Options[parallelismOption], 1); made != plan.parallelism {
				e.log.Warn("pipeline stream: thread_num changed; the view keeps the parallelism it was made with (DROP it, or give the stream a new state.operator_id, to change it)",
					"stream", st.ID, "view", name, "parallelism", made, "thread_num", st.ThreadNum)
			}
		}
		existing[i] = true
	}
	return existing, nil
}

// withoutParallelism returns the CREATE statement text with its
// parallelism option left out (a pipeline's thread_num may change between
// runs without changing what the view computes).
func withoutParallelism(text string) string {
	st, err := sql.ParseOne(text)
	if err != nil {
		return text
	}
	cv, ok := st.(*sql.CreateView)
	if !ok {
		return text
	}
	c := *cv
	c.Options = nil
	for _, o := range cv.Options {
		if !strings.EqualFold(o.Key, parallelismOption) {
			c.Options = append(c.Options, o)
		}
	}
	return sql.String(&c)
}

// sameOptions reports whether two CREATE STREAM statements have the same
// WITH options (their columns aside: an inferred schema is not inferred
// again).
func sameOptions(a, b string) bool {
	opts := func(text string) string {
		st, err := sql.ParseOne(text)
		if err != nil {
			return text
		}
		cs, ok := st.(*sql.CreateStream)
		if !ok {
			return text
		}
		return sql.String(&sql.CreateStream{Name: cs.Name, Options: cs.Options})
	}
	return opts(a) == opts(b)
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

// replaceFlow puts from in the place of every unqualified table named flow
// in sel's FROM (subqueries included) and reports whether there was one.
func replaceFlow(sel *sql.Select, from sql.TableExpr) bool {
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

// inputStatement returns the CREATE STREAM of an input.
func inputStatement(name string, in PipelineInput, cols []string) string {
	var opts []string
	add := func(k, v string) { opts = append(opts, fmt.Sprintf("%s = %s", k, quoteLiteral(v))) }
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
	columns := ""
	if len(cols) > 0 {
		columns = " (" + strings.Join(cols, ", ") + ")"
	}
	return fmt.Sprintf("CREATE STREAM %s%s WITH (%s)", name, columns, strings.Join(opts, ", "))
}

// outputOptions returns the WITH options of an output's sink, without the
// type.
func outputOptions(out PipelineOutput) string {
	var opts []string
	add := func(k, v string) { opts = append(opts, fmt.Sprintf("%s = %s", k, quoteLiteral(v))) }
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
	return strings.Join(opts, ", ")
}

// quoteLiteral returns s as a SQL string literal.
func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// inferSchema reads an input's first records and returns its columns as
// "name TYPE".
func inferSchema(ctx context.Context, in PipelineInput) ([]string, error) {
	var records [][]byte
	switch in.Type {
	case "kafka":
		cl, err := kgo.NewClient(kgo.SeedBrokers(in.Brokers...), kgo.ConsumeTopics(in.Topic),
			kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
		if err != nil {
			return nil, err
		}
		defer cl.Close()
		ctx, cancel := context.WithTimeout(ctx, inferWait)
		defer cancel()
		for len(records) < inferRecords && ctx.Err() == nil {
			fs := cl.PollRecords(ctx, inferRecords-len(records))
			fs.EachRecord(func(r *kgo.Record) { records = append(records, r.Value) })
			if len(records) > 0 && fs.NumRecords() == 0 {
				break
			}
		}
		if len(records) == 0 {
			return nil, fmt.Errorf("cannot infer the schema of topic %s: no record arrived within %v", in.Topic, inferWait)
		}
	case "file":
		f, err := os.Open(in.Path)
		if err != nil {
			return nil, fmt.Errorf("cannot infer the schema of %s: %w", in.Path, err)
		}
		defer f.Close()
		if in.Codec == "csv" {
			return inferCSVSchema(f)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<24)
		for sc.Scan() && len(records) < inferRecords {
			if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
				records = append(records, bytes.Clone(line))
			}
		}
		if len(records) == 0 {
			return nil, fmt.Errorf("cannot infer the schema of %s: it has no records yet", in.Path)
		}
	}
	if in.Codec == "csv" {
		return nil, errors.New("cannot infer the schema of CSV records from Kafka")
	}
	return inferJSONSchema(records)
}

// inferJSONSchema returns the columns of JSON objects: every top-level
// key, in the order first seen, typed by its values (integers BIGINT, other
// numbers DOUBLE PRECISION, strings VARCHAR, booleans BOOLEAN, objects and
// arrays JSONB; mixed numbers DOUBLE PRECISION, other mixes VARCHAR).
func inferJSONSchema(records [][]byte) ([]string, error) {
	var names []string
	kinds := map[string]string{}
	for i, r := range records {
		dec := json.NewDecoder(bytes.NewReader(r))
		dec.UseNumber()
		var obj map[string]json.RawMessage
		if err := dec.Decode(&obj); err != nil {
			return nil, fmt.Errorf("record %d is not a JSON object: %v", i+1, err)
		}
		order, err := jsonKeys(r)
		if err != nil {
			return nil, err
		}
		for _, k := range order {
			kind := jsonKind(obj[k])
			prev, seen := kinds[k]
			if !seen {
				names = append(names, k)
			}
			kinds[k] = mergeKinds(prev, kind)
		}
	}
	cols := make([]string, len(names))
	for i, n := range names {
		t := kinds[n]
		if t == "" {
			t = "VARCHAR"
		}
		cols[i] = strconv.Quote(n) + " " + t
	}
	return cols, nil
}

// jsonKeys returns the top-level keys of a JSON object in order.
func jsonKeys(r []byte) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(r))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, _ := t.(string)
		keys = append(keys, k)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// jsonKind is the SQL type of one JSON value ("" for null).
func jsonKind(v json.RawMessage) string {
	s := strings.TrimSpace(string(v))
	switch {
	case s == "" || s == "null":
		return ""
	case s == "true" || s == "false":
		return "BOOLEAN"
	case s[0] == '"':
		return "VARCHAR"
	case s[0] == '{' || s[0] == '[':
		return "JSONB"
	case strings.ContainsAny(s, ".eE"):
		return "DOUBLE PRECISION"
	}
	return "BIGINT"
}

// mergeKinds is the type of a column whose values had types a and b.
func mergeKinds(a, b string) string {
	switch {
	case a == "" || a == b:
		return b
	case b == "":
		return a
	case slices.Contains([]string{"BIGINT", "DOUBLE PRECISION"}, a) && slices.Contains([]string{"BIGINT", "DOUBLE PRECISION"}, b):
		return "DOUBLE PRECISION"
	}
	return "VARCHAR"
}

// inferCSVSchema reads a CSV header and up to inferRecords rows.
func inferCSVSchema(r io.Reader) ([]string, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("cannot infer the schema: no CSV header: %w", err)
	}
	kinds := make([]string, len(header))
	for range inferRecords {
		row, err := cr.Read()
		if err != nil {
			break
		}
		for i := range min(len(row), len(kinds)) {
			kinds[i] = mergeKinds(kinds[i], csvKind(row[i]))
		}
	}
	cols := make([]string, len(header))
	for i, h := range header {
		t := kinds[i]
		if t == "" || t == "JSONB" {
			t = "VARCHAR"
		}
		cols[i] = strconv.Quote(strings.TrimSpace(h)) + " " + t
	}
	return cols, nil
}

// csvKind is the SQL type of one CSV field ("" when empty).
func csvKind(s string) string {
	switch {
	case s == "":
		return ""
	case s == "true" || s == "false":
		return "BOOLEAN"
	}
	if _, err := strconv.ParseInt(s, 10, 64); err == nil {
		return "BIGINT"
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return "DOUBLE PRECISION"
	}
	return "VARCHAR"
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

// generateColumns returns the columns of a generate input: its context's
// fields, typed by their values, which must be numbers, strings or
// booleans (the datagen source repeats them as constants).
func generateColumns(in PipelineInput) ([]string, error) {
	cols, err := inferJSONSchema([][]byte{[]byte(in.Context)})
	if err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(in.Context), &fields); err != nil {
		return nil, err
	}
	keys, err := jsonKeys([]byte(in.Context))
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		switch jsonKind(fields[k]) {
		case "", "JSONB":
			return nil, fmt.Errorf("field %q is %s: a generated record repeats numbers, strings and booleans", k, strings.TrimSpace(string(fields[k])))
		}
	}
	return cols, nil
}
