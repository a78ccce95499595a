package weir

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/connector"
	"github.com/weir-stream/weir/exec/connector/format"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// sinkEngineOptions are the sink options the engine handles for every
// connector (how changes are encoded); connectors do not see them.
var sinkEngineOptions = []string{"type", "format", "primary_key", "schema.registry", "avro.schema.ids"}

// sinkConnectorOptions returns a sink's opts without the engine's own:
// what its connector sees.
func sinkConnectorOptions(opts map[string]string) map[string]string {
	return connector.Without(opts, sinkEngineOptions)
}

// sinkSpec is what a sink's WITH options and query decide: how changes are
// encoded, and whether delivery waits for checkpoints.
type sinkSpec struct {
	connector   string
	conn        *connector.Sink
	config      connector.SinkConfig // the connector's configuration of the sink
	typ         format.SinkType
	format      string
	names       []string // the visible columns
	cols        []int    // their indexes in the query's output
	key         []int    // indexes into names of the key, none when empty
	exactlyOnce bool
}

func (s *Session) createSink(ctx context.Context, st *sql.CreateSink) (*Result, error) {
	e := s.e
	opts := optionMap(st.Options)
	// The destination is looked up before the DDL lock is taken (a Kafka
	// sink's brokers may take seconds to answer), unless the statement
	// fails anyway; the configuration that keeps the answer is used below.
	var looked connector.SinkConfig
	if res, err := s.checkNewName(st.Name, st.IfNotExists, "CREATE SINK"); res == nil && err == nil && s.sinkQueryBinds(st) {
		looked = lookupSinkDestination(ctx, opts)
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
	spec, err := e.sinkSpecOf(st.Name.Last().Value, opts, plan, st.Pos, looked)
	if err != nil {
		return nil, err
	}
	if c, ok := spec.config.(connector.NewSinkChecker); ok {
		if err := c.CheckNew(connectorEnv{e}, st.Name.Last().Value); err != nil {
			return nil, err
		}
	}
	if spec.format == "avro" {
		// The schemas are registered now, once; the ids are kept with the
		// sink, so a restart needs no registry.
		ids, err := registerSinkSchemas(ctx, st.Name.Last().Value, opts, sinkTypes(plan, spec), spec)
		if err != nil {
			return nil, sqlstate.ErrorfAt(sqlstate.InvalidParameterValue, st.Pos, "sink %s: %v", st.Name.Last().Value, err).WithDetail("option: schema.registry")
		}
		opts["avro.schema.ids"] = ids
	}
	var notices []string
	var made string
	if p, ok := spec.config.(connector.Provisioner); ok {
		// The destination (a Kafka topic) is made last, after what can
		// refuse the sink: a sink over a failed relation is refused when
		// it starts.
		if ferr := e.failed.ReadErr(plan.InputNames()...); ferr != nil {
			return nil, ferr
		}
		if notices, made, err = p.Provision(ctx); err != nil {
			return nil, err
		}
	}
	o := &catalog.Object{Name: st.Name.Last().Value, Kind: catalog.Sink, Options: opts, Owner: s.user, Pipeline: s.pipeline, PipelineKeys: s.pipelineKeys,
		Definition: sql.String(st), Uses: append(plan.InputNames(), s.viewsNamed...), AppendOnly: plan.AppendOnly}
	for _, c := range plan.Cols {
		o.Columns = append(o.Columns, catalog.Column{Name: c.Name, Type: c.Type, Hidden: c.Hidden})
	}
	// The log of undelivered records, then what its plan declares.
	res, err := e.addObject(ctx, o, plan, "CREATE SINK")
	if err != nil && made != "" {
		e.log.Warn("CREATE SINK failed after it made its destination, which stays", "sink", o.Name, "made", made, "err", err)
	}
	if res != nil {
		res.Notices = append(res.Notices, notices...)
	}
	return res, err
}

// lookupSinkDestination configures a new sink before the DDL lock is
// taken and, when its connector provisions a destination, looks the
// destination up (connector.Provisioner). It returns the configuration,
// which keeps the answer, or nil when the options are not a sink
// connector's or not valid (the statement then fails under the lock).
func lookupSinkDestination(ctx context.Context, opts map[string]string) connector.SinkConfig {
	c, ok := connectors.Sink(strings.ToLower(opts["connector"]))
	if !ok {
		return nil
	}
	config, err := c.Configure(sinkConnectorOptions(opts))
	if err != nil {
		return nil
	}
	if p, ok := config.(connector.Provisioner); ok {
		p.Lookup(ctx)
	}
	return config
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

// sinkSpecOf checks a sink's options against its query and returns its
// spec. Errors point at pos. config, when not nil, is the connector's
// configuration of opts, made already.
func (e *Engine) sinkSpecOf(name string, opts map[string]string, plan *planner.StreamPlan, pos sql.Pos, config connector.SinkConfig) (sinkSpec, error) {
	bad := func(key, format string, args ...any) *sqlstate.Error {
		return sqlstate.ErrorfAt(sqlstate.InvalidParameterValue, pos, format, args...).WithDetail("option: " + key)
	}
	spec := sinkSpec{connector: strings.ToLower(opts["connector"]), format: strings.ToLower(opts["format"]), exactlyOnce: e.cfg.State.ExactlyOnce}
	conn, ok := connectors.Sink(spec.connector)
	switch {
	case spec.connector == "":
		return spec, sqlstate.ErrorfAt(sqlstate.InvalidParameterValue, pos, "CREATE SINK needs WITH (connector = '…') (%s)", connectors.SinkNames())
	case !ok:
		return spec, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, pos, "sink connector \"%s\" is not supported (%s)", opts["connector"], connectors.SinkNames())
	}
	spec.conn = conn
	if conn.Options != nil {
		for k := range opts {
			switch k {
			case "connector", "type", "format", "primary_key", "exactly_once", "schema.registry":
			default:
				if !slices.Contains(conn.Options, k) {
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
	switch t := format.SinkType(strings.ToLower(opts["type"])); t {
	case "":
		if !plan.AppendOnly {
			return spec, bad("type", "the query of sink %s updates and deletes rows: give type = 'upsert' or 'debezium'", name)
		}
		spec.typ = format.SinkAppendOnly
	case format.SinkAppendOnly:
		if !plan.AppendOnly {
			return spec, bad("type", "sink %s is append-only, but its query updates and deletes rows (an aggregate, or a table's changes)", name).
				WithHint("Use type = 'upsert' (a key and the newest row, tombstones for deletes) or type = 'debezium' (before/after changes).")
		}
		spec.typ = t
	case format.SinkUpsert:
		if len(spec.key) == 0 {
			return spec, bad("primary_key", "an upsert sink needs a key, and the query of sink %s has none among its columns: give primary_key = 'col, …'", name)
		}
		spec.typ = t
	case format.SinkDebezium:
		spec.typ = t
	default:
		return spec, bad("type", "type is 'append-only', 'upsert' or 'debezium', not %q", opts["type"])
	}
	switch spec.format {
	case "":
		spec.format = "json"
	case "json":
	case "csv":
		if spec.typ != format.SinkAppendOnly {
			return spec, bad("format", "format 'csv' has no place for keys and deletes: use it with type = 'append-only', or use format = 'json'")
		}
	case "avro":
		switch {
		case conn.AvroSubject == nil:
			return spec, bad("format", "format 'avro' is for %s sinks (its schemas go to a schema registry)", connectors.AvroSinkNames())
		case opts["schema.registry"] == "":
			return spec, bad("schema.registry", "format 'avro' needs schema.registry = 'http://host:8081'")
		case spec.typ == format.SinkDebezium:
			return spec, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, pos, "type 'debezium' with format 'avro' is not supported: use format 'json'")
		}
	default:
		return spec, bad("format", "format is 'json', 'csv' or 'avro', not %q", opts["format"])
	}
	if _, ok := opts["schema.registry"]; ok && spec.format != "avro" {
		return spec, bad("schema.registry", "schema.registry is for format 'avro'")
	}
	if config == nil {
		var err error
		if config, err = conn.Configure(sinkConnectorOptions(opts)); err != nil {
			return spec, at(err, pos)
		}
	}
	spec.config = config
	return spec, nil
}

// newSinkWriter returns the writer of sink o.
func (e *Engine) newSinkWriter(o *catalog.Object, spec sinkSpec) (exec.SinkWriter, error) {
	return spec.config.NewWriter(connectorEnv{e}, connector.SinkSpec{Name: o.Name, Format: spec.format, ExactlyOnce: spec.exactlyOnce, Log: o.StateTables[0]})
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
	spec, err := e.sinkSpecOf(o.Name, o.Options, plan, 0, nil)
	if err != nil {
		return nil, nil, err
	}
	ts := sinkTypes(plan, spec)
	enc, err := format.NewSinkEncoder(e.mem, spec.typ, spec.format, spec.names, spec.cols, ts, spec.key)
	if err != nil {
		return nil, nil, err
	}
	if spec.format == "avro" {
		value, key, err := format.SinkAvroRecords(o.Name, spec.typ, spec.names, ts, spec.key, o.Options["avro.schema.ids"])
		if err != nil {
			return nil, nil, err
		}
		enc.WithAvro(value, key)
	}
	w, err := e.newSinkWriter(o, spec)
	if err != nil {
		return nil, nil, err
	}
	d := newSinkDriver(e, o, spec, w)
	return ops.NewSinkLog(enc, o.StateTables[0]), d, nil
}

// sinkTypes returns the types of a sink's visible columns.
func sinkTypes(plan *planner.StreamPlan, spec sinkSpec) []types.T {
	ts := make([]types.T, len(spec.cols))
	for j, c := range spec.cols {
		ts[j] = plan.Cols[c].Type
	}
	return ts
}

// registerSinkSchemas registers the Avro schemas of a sink's values and
// keys (ts are the types of its visible columns) under the subjects its
// connector names (a Kafka sink's <topic>-value and <topic>-key) and
// returns their ids as "value,key".
func registerSinkSchemas(ctx context.Context, name string, opts map[string]string, ts []types.T, spec sinkSpec) (string, error) {
	value, key, err := format.SinkAvroRecords(name, spec.typ, spec.names, ts, spec.key, "")
	if err != nil {
		return "", err
	}
	return format.RegisterSinkSchemas(ctx, opts["schema.registry"], spec.conn.AvroSubject(sinkConnectorOptions(opts)), value, key)
}
