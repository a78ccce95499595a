package weir

import (
	"context"
	"fmt"
	"strings"

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
// error: the client is warned, and the views reading the stream meanwhile
// read the topic from its start once it is created, whatever
// scan.startup.mode says (each source decides at its first listing and
// keeps that in its state; the options stay as written). opts are the
// stream's options (validated already), declared its declared columns.
func checkKafkaStream(ctx context.Context, _ *Engine, opts map[string]string, declared []catalog.Column) ([]Warning, error) {
	o, err := kafka.ParseOptions(connectorOptions(opts), (&catalog.Object{Columns: declared}).Schema())
	if err != nil {
		return nil, err
	}
	exists, err := kafka.CheckTopic(ctx, o.Brokers, o.Security, o.Topic, kafkaCheckTimeout)
	if err != nil || exists {
		return nil, err
	}
	return []Warning{{
		Code:    sqlstate.Warning,
		Message: fmt.Sprintf("kafka topic %q does not exist yet", o.Topic),
		Hint:    "Views over the stream read the topic from its start once it is created.",
	}}, nil
}

// kafkaSinkProbe is what CREATE SINK learnt of its Kafka topic before it
// took the DDL lock: whether the topic exists, or why the brokers could not
// say.
type kafkaSinkProbe struct {
	exists bool
	err    error
}

// probeKafkaSinkTopic asks the brokers of a Kafka sink whether its topic
// exists. CREATE SINK calls it before it takes the DDL lock, so that
// brokers slow to answer (up to kafkaCheckTimeout) do not hold up other
// DDL; ensureKafkaSinkTopic then asks again only when the topic is to be
// created. opts are the sink's options, not validated yet: it returns nil
// when they are not a Kafka sink's.
func probeKafkaSinkTopic(ctx context.Context, opts map[string]string) *kafkaSinkProbe {
	if !strings.EqualFold(opts["connector"], "kafka") {
		return nil
	}
	o, err := kafka.ParseSinkOptions(withoutOptions(opts, sinkEngineOptions))
	if err != nil {
		return nil
	}
	exists, err := kafka.CheckTopic(ctx, o.Brokers, o.Security, o.Topic, kafkaCheckTimeout)
	return &kafkaSinkProbe{exists: exists, err: err}
}

// ensureKafkaSinkTopic makes sure at CREATE SINK that the topic of a Kafka
// sink exists, creating it unless topic.create = 'false' (see
// kafka.EnsureSinkTopic for the errors). probe is what the brokers said
// before the DDL lock (nil: nothing): a topic that existed then is not
// looked up again, and their error is the statement's. It returns the
// notices for the client (a topic it created) and the topic it created
// ("" when none). opts are the sink's options (validated already).
func ensureKafkaSinkTopic(ctx context.Context, opts map[string]string, probe *kafkaSinkProbe) (notices []string, created string, err error) {
	if probe != nil && (probe.err != nil || probe.exists) {
		return nil, "", probe.err
	}
	o, err := kafka.ParseSinkOptions(withoutOptions(opts, sinkEngineOptions))
	if err != nil {
		return nil, "", err
	}
	made, partitions, err := kafka.EnsureSinkTopic(ctx, o, kafkaCheckTimeout)
	if err != nil || !made {
		return nil, "", err
	}
	return []string{fmt.Sprintf("created kafka topic %q with %d partitions", o.Topic, partitions)}, o.Topic, nil
}
