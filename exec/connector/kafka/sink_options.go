package kafka

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// DefaultEpochsTopic is the topic the exactly-once sink records its
// committed epochs in, unless epochs.topic says otherwise.
const DefaultEpochsTopic = "__weir_sink_epochs"

// DefaultSinkTimeout bounds each step of the sink (a Prepare's produce and
// flush, a Commit, an Abort, a Recover) unless SinkOptions.Timeout says
// otherwise: a broker that is down makes the step fail within it.
const DefaultSinkTimeout = 30 * time.Second

// SinkTransactionTimeout is the Kafka transaction timeout of the
// exactly-once sink: well above a checkpoint interval, so that the
// transaction prepared at a barrier outlives the checkpoint it waits for.
const SinkTransactionTimeout = 60 * time.Second

// SinkOptions configures a Sink.
type SinkOptions struct {
	Topic    string
	Brokers  []string
	Security Security
	// ExactlyOnce selects the transactional two-phase commit; without it
	// the sink is an idempotent at-least-once producer. ExactlyOnceSet
	// says the WITH options gave it; when not, the engine sets
	// ExactlyOnce to its own default.
	ExactlyOnce, ExactlyOnceSet bool
	// TransactionalID is the Kafka transactional id of the exactly-once
	// sink, stable across restarts (the engine sets a default when the
	// WITH options give none). It is also the key of the sink's records
	// in EpochsTopic.
	TransactionalID string
	// EpochsTopic is the compacted topic the committed epochs are
	// recorded in, inside each transaction.
	EpochsTopic string
	// Timeout bounds each step of the sink (DefaultSinkTimeout).
	Timeout time.Duration
	// TopicCreate says the topic is created when missing (topic.create,
	// true unless 'false'), with TopicPartitions partitions and
	// TopicReplicationFactor replicas (-1: the brokers' defaults).
	TopicCreate            bool
	TopicPartitions        int32
	TopicReplicationFactor int16
}

// ParseSinkOptions validates the WITH options of CREATE SINK ... WITH
// (connector = 'kafka', ...), without the options the engine handles for
// every sink (type, format, …). Keys are case-insensitive. Errors are
// *sqlstate.Error 22023 naming the option.
func ParseSinkOptions(opts map[string]string) (SinkOptions, error) {
	o := SinkOptions{EpochsTopic: DefaultEpochsTopic, Timeout: DefaultSinkTimeout,
		TopicCreate: true, TopicPartitions: -1, TopicReplicationFactor: -1}
	conn := newConnOptions()
	// Sorted, so that of two bad options the same one is always reported.
	for _, k := range slices.Sorted(maps.Keys(opts)) {
		v := opts[k]
		switch key := strings.ToLower(k); key {
		case "connector":
		case "topic":
			if o.Topic = strings.TrimSpace(v); o.Topic == "" {
				return SinkOptions{}, bad(key, "topic must not be empty")
			}
		case "exactly_once":
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "true":
				o.ExactlyOnce = true
			case "false":
				o.ExactlyOnce = false
			default:
				return SinkOptions{}, bad(key, "exactly_once must be 'true' or 'false', not %q", v)
			}
			o.ExactlyOnceSet = true
		case "transactional.id", "properties.transactional.id":
			if o.TransactionalID = strings.TrimSpace(v); o.TransactionalID == "" {
				return SinkOptions{}, bad(key, "%s must not be empty", key)
			}
		case "topic.create":
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "true":
				o.TopicCreate = true
			case "false":
				o.TopicCreate = false
			default:
				return SinkOptions{}, bad(key, "topic.create must be 'true' or 'false', not %q", v)
			}
		case "topic.partitions":
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
			if err != nil || (n < 1 && n != -1) {
				return SinkOptions{}, bad(key, "topic.partitions must be a positive integer (or -1, the brokers' default), not %q", v)
			}
			o.TopicPartitions = int32(n)
		case "topic.replication.factor":
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 16)
			if err != nil || (n < 1 && n != -1) {
				return SinkOptions{}, bad(key, "topic.replication.factor must be a positive integer (or -1, the brokers' default), not %q", v)
			}
			o.TopicReplicationFactor = int16(n)
		case "epochs.topic":
			if o.EpochsTopic = strings.TrimSpace(v); o.EpochsTopic == "" {
				return SinkOptions{}, bad(key, "epochs.topic must not be empty")
			}
		default:
			ok, err := conn.parse(key, v)
			if err != nil {
				return SinkOptions{}, err
			}
			if !ok {
				return SinkOptions{}, bad(k, "unknown option %q for the kafka sink", k)
			}
		}
	}
	o.Brokers, o.Security = conn.brokers, conn.security
	if o.Topic == "" {
		return SinkOptions{}, bad("topic", "the kafka sink needs a topic option")
	}
	if len(o.Brokers) == 0 {
		return SinkOptions{}, bad("brokers", "the kafka sink needs a brokers option (host:port, ...)")
	}
	if o.Topic == o.EpochsTopic {
		return SinkOptions{}, bad("epochs.topic", "epochs.topic must differ from the sink's topic")
	}
	if err := conn.validate(); err != nil {
		return SinkOptions{}, err
	}
	return o, nil
}

// ClientOptions returns the franz-go options that connect to the brokers of
// o with its TLS and SASL settings.
func (o SinkOptions) ClientOptions() ([]kgo.Opt, error) {
	return clientOptions(o.Brokers, o.Security)
}
