package kafka

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// DefaultCheckTimeout bounds the DDL-time checks (CheckTopic,
// EnsureSinkTopic): brokers that do not answer within it are reported as
// unreachable, so CREATE never hangs on them.
const DefaultCheckTimeout = 5 * time.Second

// admin runs the topic checks over a client: a short-lived one of its own
// for the DDL-time checks (newAdmin), or a sink's producer.
type admin struct {
	cl      *kgo.Client
	adm     *kadm.Client
	brokers []string
}

// newAdmin returns an admin client for brokers with the settings of sec. Its
// dials and requests give up within timeout.
func newAdmin(brokers []string, sec Security, timeout time.Duration) (*admin, error) {
	opts, err := clientOptions(brokers, sec)
	if err != nil {
		return nil, err
	}
	opts = append(opts, kgo.DialTimeout(timeout), kgo.RequestTimeoutOverhead(timeout))
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue, "kafka: %v", err)
	}
	return &admin{cl: cl, adm: kadm.NewClient(cl), brokers: brokers}, nil
}

// close closes the client of an admin made by newAdmin.
func (a *admin) close() { a.cl.Close() }

// unreachable is the error of brokers that did not answer: 08001, as a
// Postgres client reports a server it cannot connect to.
func (a *admin) unreachable(err error) *sqlstate.Error {
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("no answer within the time allowed (%w)", err)
	}
	return sqlstate.Errorf(sqlstate.UnableToConnect, "could not connect to Kafka brokers %q: %v", strings.Join(a.brokers, ","), err).
		WithHint("Check the brokers option and that the brokers are running and reachable from weir.")
}

// topic returns the metadata of topic: exists is false when the brokers
// answer that it does not exist. Errors are *sqlstate.Error: 08001 when the
// brokers do not answer, 58000 when they refuse to describe the topic.
func (a *admin) topic(ctx context.Context, topic string) (detail kadm.TopicDetail, exists bool, err error) {
	tds, err := a.adm.ListTopics(ctx, topic)
	if err != nil {
		return kadm.TopicDetail{}, false, a.unreachable(err)
	}
	td, ok := tds[topic]
	switch {
	case !ok || errors.Is(td.Err, kerr.UnknownTopicOrPartition):
		return kadm.TopicDetail{}, false, nil
	case td.Err != nil:
		return kadm.TopicDetail{}, false, sqlstate.Errorf(sqlstate.SystemError, "kafka topic %q: %v", topic, td.Err)
	}
	return td, true, nil
}

// CheckTopic connects to the brokers within timeout and reports whether
// topic exists. Errors are *sqlstate.Error: 08001 (could not connect to the
// brokers) when none answers in time, 58000 when the brokers refuse to
// describe the topic (e.g. not authorized).
func CheckTopic(ctx context.Context, brokers []string, sec Security, topic string, timeout time.Duration) (bool, error) {
	a, err := newAdmin(brokers, sec, timeout)
	if err != nil {
		return false, err
	}
	defer a.close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_, exists, err := a.topic(ctx, topic)
	return exists, err
}

// EnsureSinkTopic connects to the brokers within timeout and makes sure the
// sink's topic exists: it creates it with o.TopicPartitions partitions and
// o.TopicReplicationFactor replicas (-1: the brokers' defaults) unless
// o.TopicCreate is false. created reports that it did; partitions is the
// topic's partition count. Errors are *sqlstate.Error: 08001 when no broker
// answers in time, 42704 when the topic does not exist and may not be
// created, 58000 when the brokers refuse to create it.
func EnsureSinkTopic(ctx context.Context, o SinkOptions, timeout time.Duration) (created bool, partitions int32, err error) {
	a, err := newAdmin(o.Brokers, o.Security, timeout)
	if err != nil {
		return false, 0, err
	}
	defer a.close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return a.ensureSinkTopic(ctx, o)
}

// ensureSinkTopic is EnsureSinkTopic over a's client. It looks before it
// creates, so that a sink whose principal may write the topic but not
// create topics works when the topic exists.
func (a *admin) ensureSinkTopic(ctx context.Context, o SinkOptions) (created bool, partitions int32, err error) {
	td, exists, err := a.topic(ctx, o.Topic)
	if err != nil || exists {
		return false, int32(len(td.Partitions)), err
	}
	if !o.TopicCreate {
		return false, 0, sqlstate.Errorf(sqlstate.UndefinedObject, "kafka topic %q does not exist", o.Topic).
			WithHint("Create the topic, or leave out topic.create = 'false' so that the sink creates it.")
	}
	resp, err := a.createTopic(ctx, o)
	switch {
	case errors.Is(err, kerr.TopicAlreadyExists):
		// Created by someone else meanwhile.
		td, _, err := a.topic(ctx, o.Topic)
		return false, int32(len(td.Partitions)), err
	case err != nil:
		return false, 0, err
	}
	return true, resp.NumPartitions, nil
}

// createTopic creates the sink's topic with the partitions and replication
// factor of o. Errors other than kerr.TopicAlreadyExists are *sqlstate.Error.
func (a *admin) createTopic(ctx context.Context, o SinkOptions) (kadm.CreateTopicResponse, error) {
	resp, err := a.adm.CreateTopic(ctx, o.TopicPartitions, o.TopicReplicationFactor, nil, o.Topic)
	if err == nil {
		err = resp.Err
	}
	switch {
	case err == nil:
		return resp, nil
	case errors.Is(err, kerr.TopicAlreadyExists):
		return resp, err
	case errors.Is(err, context.DeadlineExceeded):
		return resp, a.unreachable(err)
	}
	msg := err.Error()
	if resp.ErrMessage != "" {
		msg += ": " + resp.ErrMessage
	}
	return resp, sqlstate.Errorf(sqlstate.SystemError, "could not create kafka topic %q: %s", o.Topic, msg).
		WithDetail(fmt.Sprintf("topic.partitions = %d, topic.replication.factor = %d (-1: the brokers' default)",
			o.TopicPartitions, o.TopicReplicationFactor))
}
