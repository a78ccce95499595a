package weir

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/connector/blackhole"
	"github.com/weir-stream/weir/exec/connector/file"
	"github.com/weir-stream/weir/exec/connector/format"
	"github.com/weir-stream/weir/exec/connector/kafka"
	"github.com/weir-stream/weir/exec/connector/stdout"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// sinkConnectors are the connectors of CREATE SINK, with the options each
// takes besides connector, type, format, primary_key and exactly_once
// (Kafka's are checked by its own parser).
var sinkConnectors = map[string][]string{
	"kafka":     nil,
	"file":      {"path"},
	"stdout":    {},
	"blackhole": {},
}

// sinkEngineOptions are the sink options the engine handles for every
// connector (how changes are encoded); connectors do not see them.
var sinkEngineOptions = []string{"type", "format", "primary_key", "schema.registry", "avro.schema.ids"}

// sinkSpec is what a sink's WITH options and query decide: how changes are
// encoded, and whether delivery waits for checkpoints.
type sinkSpec struct {
	connector   string
	typ         sinkType
	format      string
	names       []string // the visible columns
	cols        []int    // their indexes in the query's output
	key         []int    // indexes into names of the key, none when empty
	exactlyOnce bool
}

func (s *Session) createSink(ctx context.Context, st *sql.CreateSink) (*Result, error) {
	e := s.e
	opts := optionMap(st.Options)
	// A Kafka sink's brokers are asked before the DDL lock is taken (they
	// may take kafkaCheckTimeout to answer), unless the statement fails
	// anyway; their answer is used in its place below.
	var probe *kafkaSinkProbe
	if res, err := s.checkNewName(st.Name, st.IfNotExists, "CREATE SINK"); res == nil && err == nil && s.sinkQueryBinds(st) {
		probe = probeKafkaSinkTopic(ctx, opts)
	}
	e.ddl.Lock()
	defer e.ddl.Unlock()
	if res, err := s.checkNewName(st.Name, st.IfNotExists, "CREATE SINK"); res != nil || err != nil {
		return res, err
	}
	node, err := planner.NewBinder(e.cat, nil).BindSelect(sinkQuery(st))
	if err != nil {
		return nil, err
	}
	plan, err := planner.PlanStream(node)
	if err != nil {
		return nil, at(err, st.Pos)
	}
	spec, err := e.sinkSpecOf(st.Name.Last().Value, opts, plan, st.Pos)
	if err != nil {
		return nil, err
	}
	if err := e.checkFileSink(st.Name.Last().Value, opts); err != nil {
		return nil, err
	}
	if spec.format == "avro" {
		// The schemas are registered now, once; the ids are kept with the
		// sink, so a restart needs no registry.
		ids, err := registerSinkSchemas(ctx, st.Name.Last().Value, opts, plan, spec)
		if err != nil {
			return nil, sqlstate.ErrorfAt(sqlstate.InvalidParameterValue, st.Pos, "sink %s: %v", st.Name.Last().Value, err).WithDetail("option: schema.registry")
		}
		opts["avro.schema.ids"] = ids
	}
	var notices []string
	var createdTopic string
	if spec.connector == "kafka" {
		// The topic is created last, after what can refuse the sink: a
		// sink over a failed relation is refused when it starts.
		if ferr := e.relationFailure(plan.Input.Name); ferr != nil {
			return nil, ferr
		}
		if notices, createdTopic, err = ensureKafkaSinkTopic(ctx, opts, probe); err != nil {
			return nil, err
		}
	}
	o := &catalog.Object{Name: st.Name.Last().Value, Kind: catalog.Sink, Options: opts, Owner: s.user, Pipeline: s.pipeline, PipelineKeys: s.pipelineKeys,
		Definition: sql.String(st), Uses: []string{plan.Input.Name}, AppendOnly: plan.AppendOnly}
	for _, c := range plan.Cols {
		o.Columns = append(o.Columns, catalog.Column{Name: c.Name, Type: c.Type, Hidden: c.Hidden})
	}
	// The log of undelivered records, each aggregate's tables, and the
	// source's position.
	res, err := e.addObject(ctx, o, 2+aggTables*plan.NumAggregates(), "CREATE SINK")
	if err != nil && createdTopic != "" {
		e.log.Warn("CREATE SINK failed after creating its Kafka topic, which stays", "sink", o.Name, "topic", createdTopic, "err", err)
	}
	if res != nil {
		res.Notices = append(res.Notices, notices...)
	}
	return res, err
}

// sinkQueryBinds says whether the query of CREATE SINK st binds against the
// catalog as it is (without the DDL lock: only to save asking the brokers
// for a statement that fails anyway).
func (s *Session) sinkQueryBinds(st *sql.CreateSink) bool {
	_, err := planner.NewBinder(s.e.cat, nil).BindSelect(sinkQuery(st))
	return err == nil
}

// sinkQuery returns the query of CREATE SINK st: its AS query, or for
// CREATE SINK … FROM name, all the visible columns of name.
func sinkQuery(st *sql.CreateSink) *sql.Select {
	if st.Query != nil {
		return st.Query
	}
	return &sql.Select{Pos: st.From.Position(), Items: []sql.SelectItem{{Pos: st.From.Position(), Star: true}},
		From: []sql.TableExpr{&sql.TableName{Name: st.From}}}
}

// sinkPlan returns the plan of a sink's definition.
func (e *Engine) sinkPlan(o *catalog.Object) (*planner.StreamPlan, error) {
	stmt, err := sql.ParseOne(o.Definition)
	if err != nil {
		return nil, err
	}
	cs, ok := stmt.(*sql.CreateSink)
	if !ok {
		return nil, fmt.Errorf("definition of %s is not CREATE SINK", o.Name)
	}
	node, err := planner.NewBinder(e.cat, nil).BindSelect(sinkQuery(cs))
	if err != nil {
		return nil, err
	}
	return planner.PlanStream(node)
}

// sinkSpecOf checks a sink's options against its query and returns its
// spec. Errors point at pos.
func (e *Engine) sinkSpecOf(name string, opts map[string]string, plan *planner.StreamPlan, pos sql.Pos) (sinkSpec, error) {
	bad := func(key, format string, args ...any) *sqlstate.Error {
		return sqlstate.ErrorfAt(sqlstate.InvalidParameterValue, pos, format, args...).WithDetail("option: " + key)
	}
	spec := sinkSpec{connector: strings.ToLower(opts["connector"]), format: strings.ToLower(opts["format"]), exactlyOnce: e.cfg.State.ExactlyOnce}
	extra, ok := sinkConnectors[spec.connector]
	switch {
	case spec.connector == "":
		return spec, sqlstate.ErrorfAt(sqlstate.InvalidParameterValue, pos, "CREATE SINK needs WITH (connector = '…') (kafka, file, stdout or blackhole)")
	case !ok:
		return spec, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, pos, "sink connector \"%s\" is not supported (kafka, file, stdout or blackhole)", opts["connector"])
	}
	if extra != nil {
		for k := range opts {
			switch k {
			case "connector", "type", "format", "primary_key", "exactly_once", "schema.registry":
			default:
				if !slices.Contains(extra, k) {
					return spec, bad(k, "unknown option %q of a %s sink", k, spec.connector)
				}
			}
		}
	}
	switch v := strings.ToLower(opts["exactly_once"]); v {
	case "":
	case "true", "false":
		spec.exactlyOnce = v == "true"
	default:
		return spec, bad("exactly_once", "exactly_once is 'true' or 'false', not %q", opts["exactly_once"])
	}
	for i, c := range plan.Cols {
		if !c.Hidden {
			spec.names = append(spec.names, c.Name)
			spec.cols = append(spec.cols, i)
		}
	}
	// The key: primary_key, else the query's own when it is visible.
	if pk, ok := opts["primary_key"]; ok {
		for _, n := range strings.Split(pk, ",") {
			n = strings.TrimSpace(n)
			i := slices.Index(spec.names, n)
			if i < 0 {
				return spec, bad("primary_key", "primary_key column %q is not an output column of the sink (%s)", n, strings.Join(spec.names, ", "))
			}
			spec.key = append(spec.key, i)
		}
	} else {
		for _, k := range plan.Key {
			i := slices.Index(spec.cols, k)
			if i < 0 {
				spec.key = nil
				break
			}
			spec.key = append(spec.key, i)
		}
	}
	switch t := sinkType(strings.ToLower(opts["type"])); t {
	case "":
		if !plan.AppendOnly {
			return spec, bad("type", "the query of sink %s updates and deletes rows: give type = 'upsert' or 'debezium'", name)
		}
		spec.typ = sinkAppendOnly
	case sinkAppendOnly:
		if !plan.AppendOnly {
			return spec, bad("type", "sink %s is append-only, but its query updates and deletes rows (an aggregate, or a table's changes)", name).
				WithHint("Use type = 'upsert' (a key and the newest row, tombstones for deletes) or type = 'debezium' (before/after changes).")
		}
		spec.typ = t
	case sinkUpsert:
		if len(spec.key) == 0 {
			return spec, bad("primary_key", "an upsert sink needs a key, and the query of sink %s has none among its columns: give primary_key = 'col, …'", name)
		}
		spec.typ = t
	case sinkDebezium:
		spec.typ = t
	default:
		return spec, bad("type", "type is 'append-only', 'upsert' or 'debezium', not %q", opts["type"])
	}
	switch spec.format {
	case "":
		spec.format = "json"
	case "json":
	case "csv":
		if spec.typ != sinkAppendOnly {
			return spec, bad("format", "format 'csv' has no place for keys and deletes: use it with type = 'append-only', or use format = 'json'")
		}
	case "avro":
		switch {
		case spec.connector != "kafka":
			return spec, bad("format", "format 'avro' is for kafka sinks (its schemas go to a schema registry)")
		case opts["schema.registry"] == "":
			return spec, bad("schema.registry", "format 'avro' needs schema.registry = 'http://host:8081'")
		case spec.typ == sinkDebezium:
			return spec, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, pos, "type 'debezium' with format 'avro' is not supported: use format 'json'")
		}
	default:
		return spec, bad("format", "format is 'json', 'csv' or 'avro', not %q", opts["format"])
	}
	if _, ok := opts["schema.registry"]; ok && spec.format != "avro" {
		return spec, bad("schema.registry", "schema.registry is for format 'avro'")
	}
	switch spec.connector {
	case "kafka":
		if _, err := kafka.ParseSinkOptions(withoutOptions(opts, sinkEngineOptions)); err != nil {
			return spec, err
		}
	case "file":
		if opts["path"] == "" {
			return spec, bad("path", "a file sink needs path = 'directory'")
		}
	}
	return spec, nil
}

// newSinkWriter returns the writer of sink o.
func (e *Engine) newSinkWriter(o *catalog.Object, spec sinkSpec) (exec.SinkWriter, error) {
	switch spec.connector {
	case "blackhole":
		return &blackhole.Sink{}, nil
	case "stdout":
		var w io.Writer = os.Stdout
		if e.cfg.SinkOutput != nil {
			w = e.cfg.SinkOutput
		}
		return stdout.NewSink(o.Name, w), nil
	case "file":
		ext := "jsonl"
		if spec.format == "csv" {
			ext = "csv"
		}
		return file.NewSink(file.SinkOptions{Dir: o.Options["path"], Prefix: o.Name, Ext: ext, Resolve: e.resolveFilePath})
	case "kafka":
		ko, err := kafka.ParseSinkOptions(withoutOptions(o.Options, sinkEngineOptions))
		if err != nil {
			return nil, err
		}
		ko.ExactlyOnce = spec.exactlyOnce
		if ko.TransactionalID == "" {
			// Stable across restarts, and new for a sink dropped and
			// created again under the same name.
			ko.TransactionalID = fmt.Sprintf("weir-sink-%s-%d", o.Name, o.StateTables[0])
		}
		return kafka.NewSink(ko, e.log.With("sink", o.Name))
	}
	return nil, fmt.Errorf("sink %s: unknown connector %q", o.Name, spec.connector)
}

// sinkOperator returns the last operator of sink o's dataflow and the
// driver of its delivery (none for a Process, whose last operator is its Go
// function).
func (e *Engine) sinkOperator(o *catalog.Object, plan *planner.StreamPlan) (exec.Operator, *sinkDriver, error) {
	if o.Options["connector"] == goConnector {
		fn, ok := e.processFuncs.Load(o.Name)
		if !ok {
			return nil, nil, fmt.Errorf("process %s has no function: call Engine.Process", o.Name)
		}
		return &processOperator{fn: fn.(ProcessFunc), st: &State{table: o.StateTables[0]}}, nil, nil
	}
	spec, err := e.sinkSpecOf(o.Name, o.Options, plan, 0)
	if err != nil {
		return nil, nil, err
	}
	ts := make([]types.T, len(spec.cols))
	for j, c := range spec.cols {
		ts[j] = plan.Cols[c].Type
	}
	enc, err := newSinkEncoder(e.mem, spec.typ, spec.format, spec.names, spec.cols, ts, spec.key)
	if err != nil {
		return nil, nil, err
	}
	if spec.format == "avro" {
		if enc.avroValue, enc.avroKey, err = sinkAvroRecords(o.Name, spec, ts, o.Options["avro.schema.ids"]); err != nil {
			return nil, nil, err
		}
	}
	w, err := e.newSinkWriter(o, spec)
	if err != nil {
		return nil, nil, err
	}
	d := newSinkDriver(e, o, spec, w)
	return ops.NewSinkLog(enc, o.StateTables[0]), d, nil
}

// sinkAvroRecords returns the Avro record types of a sink's values and (for
// a keyed sink) keys, with the schema ids ids ("value,key"; 0 when not
// registered yet).
func sinkAvroRecords(name string, spec sinkSpec, ts []types.T, ids string) (value, key *format.AvroRecord, err error) {
	value, err = format.NewAvroRecord(name+"_value", spec.names, ts)
	if err != nil {
		return nil, nil, err
	}
	var valueID, keyID int32
	if ids != "" {
		if _, err := fmt.Sscanf(ids, "%d,%d", &valueID, &keyID); err != nil {
			return nil, nil, fmt.Errorf("sink %s: schema ids %q: %w", name, ids, err)
		}
	}
	value = value.WithID(valueID)
	if len(spec.key) > 0 && spec.typ != sinkAppendOnly {
		names := make([]string, len(spec.key))
		kts := make([]types.T, len(spec.key))
		for i, k := range spec.key {
			names[i], kts[i] = spec.names[k], ts[k]
		}
		if key, err = format.NewAvroRecord(name+"_key", names, kts); err != nil {
			return nil, nil, err
		}
		key = key.WithID(keyID)
	}
	return value, key, nil
}

// registerSinkSchemas registers the Avro schemas of a sink's values and
// keys under the topic's subjects (<topic>-value, <topic>-key) and returns
// their ids as "value,key".
func registerSinkSchemas(ctx context.Context, name string, opts map[string]string, plan *planner.StreamPlan, spec sinkSpec) (string, error) {
	ts := make([]types.T, len(spec.cols))
	for j, c := range spec.cols {
		ts[j] = plan.Cols[c].Type
	}
	value, key, err := sinkAvroRecords(name, spec, ts, "")
	if err != nil {
		return "", err
	}
	reg, err := format.NewRegistryClient(opts["schema.registry"], nil)
	if err != nil {
		return "", err
	}
	registrar, ok := reg.(format.SchemaRegistrar)
	if !ok {
		return "", fmt.Errorf("the schema registry client cannot register schemas")
	}
	valueID, err := registrar.Register(ctx, opts["topic"]+"-value", value.Schema())
	if err != nil {
		return "", err
	}
	var keyID int32
	if key != nil {
		if keyID, err = registrar.Register(ctx, opts["topic"]+"-key", key.Schema()); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("%d,%d", valueID, keyID), nil
}
