package weir

import (
	"context"
	"fmt"

	"github.com/weir-stream/weir/exec/connector/kafka"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// kafkaCheckTimeout bounds the broker checks of CREATE STREAM and CREATE
// SINK over Kafka: brokers that do not answer within it fail the statement
// with 08001 instead of hanging it.
var kafkaCheckTimeout = kafka.DefaultCheckTimeout

// checkKafkaStream checks at CREATE STREAM that the brokers of a Kafka
// stream answer (08001 otherwise). A topic that does not exist yet is no
// error: the stream reads it from its start once it is created, and the
// client is warned (and scan.startup.mode 'latest' becomes 'earliest' in
// opts). opts are the stream's options (validated already), declared its
// declared columns.
func checkKafkaStream(ctx context.Context, _ *Engine, opts map[string]string, declared []catalog.Column) ([]Warning, error) {
	o, err := kafka.ParseOptions(connectorOptions(opts), (&catalog.Object{Columns: declared}).Schema())
	if err != nil {
		return nil, err
	}
	exists, err := kafka.CheckTopic(ctx, o.Brokers, o.Security, o.Topic, kafkaCheckTimeout)
	if err != nil || exists {
		return nil, err
	}
	if o.StartupMode == kafka.StartLatest {
		// Everything the topic will hold is written after the stream was
		// created: kept in the catalog, so that a restart before the
		// source has recorded its first offsets does not skip records.
		opts["scan.startup.mode"] = string(kafka.StartEarliest)
	}
	return []Warning{{
		Code:    sqlstate.Warning,
		Message: fmt.Sprintf("kafka topic %q does not exist yet", o.Topic),
		Hint:    "The stream reads the topic from its start once it is created.",
	}}, nil
}

// ensureKafkaSinkTopic makes sure at CREATE SINK that the topic of a Kafka
// sink exists, creating it unless topic.create = 'false' (see
// kafka.EnsureSinkTopic for the errors). A topic it creates is told to the
// client as a notice. opts are the sink's options (validated already).
func ensureKafkaSinkTopic(ctx context.Context, opts map[string]string) ([]string, error) {
	o, err := kafka.ParseSinkOptions(withoutOptions(opts, sinkEngineOptions))
	if err != nil {
		return nil, err
	}
	created, partitions, err := kafka.EnsureSinkTopic(ctx, o, kafkaCheckTimeout)
	if err != nil || !created {
		return nil, err
	}
	return []string{fmt.Sprintf("created kafka topic %q with %d partitions", o.Topic, partitions)}, nil
}
