package delivery

import (
	"context"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/connector"
	"github.com/weir-stream/weir/exec/connector/format"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// engineOptions are the sink options the engine handles for every
// connector (how changes are encoded, and when they are delivered);
// connectors do not see them.
var engineOptions = []string{"type", "format", "primary_key", "schema.registry", "avro.schema.ids"}

// ConnectorOptions returns a sink's opts without the engine's own: what its
// connector sees.
func ConnectorOptions(opts map[string]string) map[string]string {
	return connector.Without(opts, engineOptions)
}

// Spec is what a sink's WITH options and query decide: its connector, how
// changes are encoded, and whether delivery waits for checkpoints.
type Spec struct {
	Connector string // the connector's name
	Conn      *connector.Sink
	Config    connector.SinkConfig // the connector's configuration of the sink
	Type      format.SinkType
	Format    string
	Names     []string  // the visible columns
	Cols      []int     // their indexes in the query's output
	Types     []types.T // their types
	Key       []int     // indexes into Names of the key, none when empty
	// ExactlyOnce says the sink delivers only what a durable checkpoint
	// holds, with transactions where the destination has them.
	ExactlyOnce bool
}

// SpecOptions are what ParseSpec reads besides a sink's options.
type SpecOptions struct {
	// Connectors are the sink connectors there are.
	Connectors *connector.Registry
	// ExactlyOnce is the default of the exactly_once option.
	ExactlyOnce bool
	// Pos is where errors point (the CREATE SINK statement; 0 at a start).
	Pos sql.Pos
	// Config, when not nil, is the connector's configuration of the
	// options, made already (looked up before the DDL lock).
	Config connector.SinkConfig
}

// ParseSpec checks the options opts of sink name against its query's plan
// and returns its spec. An error names the option at fault (SQLSTATE 22023)
// or the connector weir lacks (0A000).
func ParseSpec(name string, opts map[string]string, plan *planner.StreamPlan, o SpecOptions) (Spec, error) {
	bad := func(key, format string, args ...any) *sqlstate.Error {
		return sqlstate.ErrorfAt(sqlstate.InvalidParameterValue, o.Pos, format, args...).WithDetail("option: " + key)
	}
	spec := Spec{Connector: strings.ToLower(opts["connector"]), Format: strings.ToLower(opts["format"]), ExactlyOnce: o.ExactlyOnce}
	conn, ok := o.Connectors.Sink(spec.Connector)
	switch {
	case spec.Connector == "":
		return spec, sqlstate.ErrorfAt(sqlstate.InvalidParameterValue, o.Pos, "CREATE SINK needs WITH (connector = '…') (%s)", o.Connectors.SinkNames())
	case !ok:
		return spec, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, o.Pos, "sink connector \"%s\" is not supported (%s)", opts["connector"], o.Connectors.SinkNames())
	}
	spec.Conn = conn
	if conn.Options != nil {
		for k := range opts {
			switch k {
			case "connector", "type", "format", "primary_key", "exactly_once", "schema.registry":
			default:
				if !slices.Contains(conn.Options, k) {
					return spec, bad(k, "unknown option %q of a %s sink", k, spec.Connector)
				}
			}
		}
	}
	switch v := strings.ToLower(opts["exactly_once"]); v {
	case "":
	case "true", "false":
		spec.ExactlyOnce = v == "true"
	default:
		return spec, bad("exactly_once", "exactly_once is 'true' or 'false', not %q", opts["exactly_once"])
	}
	for i, c := range plan.Cols {
		if !c.Hidden {
			spec.Names = append(spec.Names, c.Name)
			spec.Cols = append(spec.Cols, i)
			spec.Types = append(spec.Types, c.Type)
		}
	}
	// The key: primary_key, else the query's own when it is visible.
	if pk, ok := opts["primary_key"]; ok {
		for _, n := range strings.Split(pk, ",") {
			n = strings.TrimSpace(n)
			i := slices.Index(spec.Names, n)
			if i < 0 {
				return spec, bad("primary_key", "primary_key column %q is not an output column of the sink (%s)", n, strings.Join(spec.Names, ", "))
			}
			spec.Key = append(spec.Key, i)
		}
	} else {
		for _, k := range plan.Key {
			i := slices.Index(spec.Cols, k)
			if i < 0 {
				spec.Key = nil
				break
			}
			spec.Key = append(spec.Key, i)
		}
	}
	switch t := format.SinkType(strings.ToLower(opts["type"])); t {
	case "":
		if !plan.AppendOnly {
			return spec, bad("type", "the query of sink %s updates and deletes rows: give type = 'upsert' or 'debezium'", name)
		}
		spec.Type = format.SinkAppendOnly
	case format.SinkAppendOnly:
		if !plan.AppendOnly {
			return spec, bad("type", "sink %s is append-only, but its query updates and deletes rows (an aggregate, or a table's changes)", name).
				WithHint("Use type = 'upsert' (a key and the newest row, tombstones for deletes) or type = 'debezium' (before/after changes).")
		}
		spec.Type = t
	case format.SinkUpsert:
		if len(spec.Key) == 0 {
			return spec, bad("primary_key", "an upsert sink needs a key, and the query of sink %s has none among its columns: give primary_key = 'col, …'", name)
		}
		spec.Type = t
	case format.SinkDebezium:
		spec.Type = t
	default:
		return spec, bad("type", "type is 'append-only', 'upsert' or 'debezium', not %q", opts["type"])
	}
	switch spec.Format {
	case "":
		spec.Format = "json"
	case "json":
	case "csv":
		if spec.Type != format.SinkAppendOnly {
			return spec, bad("format", "format 'csv' has no place for keys and deletes: use it with type = 'append-only', or use format = 'json'")
		}
	case "avro":
		switch {
		case conn.AvroSubject == nil:
			return spec, bad("format", "format 'avro' is for %s sinks (its schemas go to a schema registry)", o.Connectors.AvroSinkNames())
		case opts["schema.registry"] == "":
			return spec, bad("schema.registry", "format 'avro' needs schema.registry = 'http://host:8081'")
		case spec.Type == format.SinkDebezium:
			return spec, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, o.Pos, "type 'debezium' with format 'avro' is not supported: use format 'json'")
		}
	default:
		return spec, bad("format", "format is 'json', 'csv' or 'avro', not %q", opts["format"])
	}
	if _, ok := opts["schema.registry"]; ok && spec.Format != "avro" {
		return spec, bad("schema.registry", "schema.registry is for format 'avro'")
	}
	spec.Config = o.Config
	if spec.Config == nil {
		var err error
		if spec.Config, err = conn.Configure(ConnectorOptions(opts)); err != nil {
			return spec, planner.At(err, o.Pos)
		}
	}
	return spec, nil
}

// RegisterSchemas registers the Avro schemas of the values and keys of
// sink name (with options opts) under the subjects its connector names (a
// Kafka sink's <topic>-value and <topic>-key) and returns their ids as
// "value,key", the value of the sink's avro.schema.ids option.
func (s Spec) RegisterSchemas(ctx context.Context, name string, opts map[string]string) (string, error) {
	value, key, err := format.SinkAvroRecords(name, s.Type, s.Names, s.Types, s.Key, "")
	if err != nil {
		return "", err
	}
	return format.RegisterSinkSchemas(ctx, opts["schema.registry"], s.Conn.AvroSubject(ConnectorOptions(opts)), value, key)
}

// Encoder returns the last operator of the dataflow of sink name (with
// options opts, whose state table log holds its undelivered records): it
// encodes the query's changes as the spec says and logs them for delivery.
func (s Spec) Encoder(mem memory.Allocator, name string, opts map[string]string, log statestore.TableID) (exec.Operator, error) {
	enc, err := format.NewSinkEncoder(mem, s.Type, s.Format, s.Names, s.Cols, s.Types, s.Key)
	if err != nil {
		return nil, err
	}
	if s.Format == "avro" {
		value, key, err := format.SinkAvroRecords(name, s.Type, s.Names, s.Types, s.Key, opts["avro.schema.ids"])
		if err != nil {
			return nil, err
		}
		enc.WithAvro(value, key)
	}
	return ops.NewSinkLog(enc, log), nil
}
