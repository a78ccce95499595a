package kafka

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/connector"
	"github.com/weir-stream/weir/exec/connector/format"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/session"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// Register adds the Kafka source and the Kafka sink to r.
func Register(r *connector.Registry) {
	r.AddSource(connector.Source{Name: "kafka", Columns: columns, Check: checkStream, New: newSource})
	r.AddSink(connector.Sink{Name: "kafka", Configure: configureSink, AvroSubject: func(opts map[string]string) string { return opts["topic"] }})
}

// columns are the declared columns, then the record metadata the INCLUDE
// clauses name (as include.* options, which the catalog keeps).
func columns(st *sql.CreateStream, opts map[string]string, declared types.Schema) (types.Schema, error) {
	if err := connector.NeedColumns(st, declared, "kafka"); err != nil {
		return nil, err
	}
	for _, inc := range st.Includes {
		name := "kafka_" + inc.What
		if inc.Alias != nil {
			name = inc.Alias.Value
		}
		opts["include."+inc.What] = name
	}
	o, err := ParseOptions(opts, declared)
	if err != nil {
		return nil, err
	}
	if _, err := format.NewDecoder(o.Format, opts, declared); err != nil {
		return nil, err
	}
	cols := slices.Clip(declared)
	for _, c := range o.Include {
		cols = append(cols, types.Column{Name: c.Name, Type: c.Type, Nullable: true})
	}
	return cols, nil
}

// checkStream checks at CREATE STREAM that the brokers of a Kafka stream
// answer (08001 otherwise). A topic that does not exist yet is no error:
// the client is warned, and the views reading the stream meanwhile read
// the topic from its start once it is created, whatever scan.startup.mode
// says (each source decides at its first listing and keeps that in its
// state; the options stay as written).
func checkStream(ctx context.Context, _ connector.Env, opts map[string]string, declared types.Schema) ([]session.Warning, error) {
	o, err := ParseOptions(opts, declared)
	if err != nil {
		return nil, err
	}
	exists, err := CheckTopic(ctx, o.Brokers, o.Security, o.Topic, DefaultCheckTimeout)
	if err != nil || exists {
		return nil, err
	}
	return []session.Warning{{
		Code:    sqlstate.Warning,
		Message: fmt.Sprintf("kafka topic %q does not exist yet", o.Topic),
		Hint:    "Views over the stream read the topic from its start once it is created.",
	}}, nil
}

// includes counts the metadata columns at the end of a Kafka stream.
func includes(opts map[string]string) int {
	n := 0
	for k := range opts {
		if strings.HasPrefix(k, "include.") && k != "include.key.type" {
			n++
		}
	}
	return n
}

func newSource(env connector.Env, s connector.SourceSpec) (exec.Source, error) {
	schema := s.Schema[:len(s.Schema)-includes(s.Options)]
	o, err := ParseOptions(s.Options, schema)
	if err != nil {
		return nil, err
	}
	if o.Decoder, err = format.NewDecoder(o.Format, s.Options, schema); err != nil {
		return nil, err
	}
	o.Key = s.Key
	o.Errors = partitionErrors{s.Errors}
	return NewSource(o, env.Allocator(), env.Logger())
}

// partitionErrors hands a Kafka source's bad records to the stream's.
type partitionErrors struct{ errs connector.RecordErrors }

// RecordError takes a record that did not decode.
func (p partitionErrors) RecordError(partition int32, offset int64, raw []byte, err error) {
	p.errs.RecordPartitionError(partition, offset, raw, err)
}

// sinkConfig is a Kafka sink's configuration: its parsed options, and
// what Lookup learnt of its topic.
type sinkConfig struct {
	o SinkOptions
	// looked says Lookup asked the brokers: then exists says whether the
	// topic existed, or lookupErr why they could not say.
	looked, exists bool
	lookupErr      error
}

func configureSink(opts map[string]string) (connector.SinkConfig, error) {
	o, err := ParseSinkOptions(opts)
	if err != nil {
		return nil, err
	}
	return &sinkConfig{o: o}, nil
}

// Lookup implements connector.Provisioner: it asks the brokers whether
// the topic exists, waiting DefaultCheckTimeout at most.
func (c *sinkConfig) Lookup(ctx context.Context) {
	c.exists, c.lookupErr = CheckTopic(ctx, c.o.Brokers, c.o.Security, c.o.Topic, DefaultCheckTimeout)
	c.looked = true
}

// Provision implements connector.Provisioner: it makes sure the topic
// exists, creating it unless topic.create = 'false' (see EnsureSinkTopic
// for the errors). A topic Lookup found is not looked up again, and the
// brokers' error at Lookup is Provision's. It returns the notice of a
// topic it created, and that topic.
func (c *sinkConfig) Provision(ctx context.Context) (notices []string, made string, err error) {
	if c.looked && (c.lookupErr != nil || c.exists) {
		return nil, "", c.lookupErr
	}
	created, partitions, err := EnsureSinkTopic(ctx, c.o, DefaultCheckTimeout)
	if err != nil || !created {
		return nil, "", err
	}
	return []string{fmt.Sprintf("created kafka topic %q with %d partitions", c.o.Topic, partitions)}, fmt.Sprintf("kafka topic %q", c.o.Topic), nil
}

// NewWriter implements connector.SinkConfig.
func (c *sinkConfig) NewWriter(env connector.Env, s connector.SinkSpec) (exec.SinkWriter, error) {
	o := c.o
	o.ExactlyOnce = s.ExactlyOnce
	if o.TransactionalID == "" {
		// Stable across restarts, and new for a sink dropped and created
		// again under the same name.
		o.TransactionalID = fmt.Sprintf("weir-sink-%s-%d", s.Name, s.Log)
	}
	return NewSink(o, env.Logger().With("sink", s.Name))
}
