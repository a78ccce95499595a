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
	r.AddSink(connector.Sink{Name: "kafka", Check: checkSink, AvroSubject: func(opts map[string]string) string { return opts["topic"] },
		Lookup: lookupSinkTopic, Provision: provisionSinkTopic, New: newSink})
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

func checkSink(opts map[string]string) error {
	_, err := ParseSinkOptions(opts)
	return err
}

// sinkTopicLookup is what CREATE SINK learnt of its topic before it took
// the DDL lock: whether the topic exists, or why the brokers could not
// say.
type sinkTopicLookup struct {
	exists bool
	err    error
}

// lookupSinkTopic asks the brokers of a Kafka sink whether its topic
// exists, before CREATE SINK takes the DDL lock, so that brokers slow to
// answer (up to DefaultCheckTimeout) do not hold up other DDL;
// provisionSinkTopic then asks again only when the topic is to be created.
// It returns nil when opts are not a valid Kafka sink's.
func lookupSinkTopic(ctx context.Context, opts map[string]string) any {
	o, err := ParseSinkOptions(opts)
	if err != nil {
		return nil
	}
	exists, err := CheckTopic(ctx, o.Brokers, o.Security, o.Topic, DefaultCheckTimeout)
	return &sinkTopicLookup{exists: exists, err: err}
}

// provisionSinkTopic makes sure at CREATE SINK that the topic of a Kafka
// sink exists, creating it unless topic.create = 'false' (see
// EnsureSinkTopic for the errors). looked is what the brokers said before
// the DDL lock (nil: nothing): a topic that existed then is not looked up
// again, and their error is the statement's. It returns the notice of a
// topic it created, and that topic.
func provisionSinkTopic(ctx context.Context, opts map[string]string, looked any) (notices []string, made string, err error) {
	if l, ok := looked.(*sinkTopicLookup); ok && (l.err != nil || l.exists) {
		return nil, "", l.err
	}
	o, err := ParseSinkOptions(opts)
	if err != nil {
		return nil, "", err
	}
	created, partitions, err := EnsureSinkTopic(ctx, o, DefaultCheckTimeout)
	if err != nil || !created {
		return nil, "", err
	}
	return []string{fmt.Sprintf("created kafka topic %q with %d partitions", o.Topic, partitions)}, fmt.Sprintf("kafka topic %q", o.Topic), nil
}

func newSink(env connector.Env, s connector.SinkSpec) (exec.SinkWriter, error) {
	o, err := ParseSinkOptions(s.Options)
	if err != nil {
		return nil, err
	}
	o.ExactlyOnce = s.ExactlyOnce
	if o.TransactionalID == "" {
		// Stable across restarts, and new for a sink dropped and created
		// again under the same name.
		o.TransactionalID = fmt.Sprintf("weir-sink-%s-%d", s.Name, s.Log)
	}
	return NewSink(o, env.Logger().With("sink", s.Name))
}
