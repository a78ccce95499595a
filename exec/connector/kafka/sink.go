package kafka

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/weir-stream/weir/exec"
)

// The exactly-once Kafka sink.
//
// Each Prepare opens a Kafka transaction, produces the epoch's records to
// the topic (keyed records are partitioned by a hash of the key, so the
// records of one key stay in order) and one marker record to the epochs
// topic, and flushes; Commit ends the transaction with a commit. The marker
// makes "epoch E is delivered" part of the same atomic step as E's records:
// its key is the transactional id and its value the epoch as 8 bytes,
// big-endian (an unsigned 64-bit integer).
//
// Recover starts a new producer with the same transactional id, which
// fences any earlier one and makes the broker abort its open transaction,
// then reads the epochs topic up to its end and returns the newest epoch
// committed under the transactional id (see readLastEpoch). A
// transaction never has to outlive an outage: what was prepared and not
// committed is aborted, and the engine prepares it again from its state.
//
// A Commit whose outcome is unknown (the broker did not answer) leaves the
// sink in doubt; the next Commit, Abort or Prepare settles the doubt the
// way Recover does, so that a Commit retried after an error returns nil
// when the commit did go through, and a Prepare of an epoch found delivered
// writes nothing.

// markerLen is the length of a marker record's value: the epoch, big-endian.
const markerLen = 8

// SinkStats are a sink's counters since NewSink.
type SinkStats struct {
	// Records and Bytes (keys and values) written for good: committed
	// (exactly-once) or flushed (at-least-once).
	Records, Bytes int64
	// Committed and Aborted count transactions (exactly-once only).
	Committed, Aborted int64
	// LastEpoch is the newest epoch committed (or, at-least-once,
	// flushed and committed by the engine).
	LastEpoch exec.Epoch
}

// txnState is where the exactly-once sink stands with its transaction.
type txnState uint8

const (
	// txnIdle: no transaction is open.
	txnIdle txnState = iota
	// txnOpen: a transaction is open (prepared, or a Prepare failed in it).
	txnOpen
	// txnInDoubt: a commit or abort failed; whether the prepared epoch is
	// delivered is known only after fencing and reading the epochs topic.
	txnInDoubt
)

// Sink writes the records of epochs to a Kafka topic; it implements
// exec.SinkWriter. Its methods other than Stats are called from one
// goroutine at a time; Stats is safe from any goroutine.
type Sink struct {
	opts SinkOptions
	log  *slog.Logger
	conn []kgo.Opt

	// cl is the producer, nil before Recover and after Close.
	cl *kgo.Client
	// state, prepared (the epoch of the open or in-doubt transaction),
	// pendRecords and pendBytes (what it holds) and committed (the newest
	// epoch known delivered) describe the transaction.
	state                  txnState
	prepared, committed    exec.Epoch
	pendRecords, pendBytes int64

	records, bytes, txnCommitted, txnAborted atomic.Int64
	lastEpoch                                atomic.Uint64
}

var _ exec.SinkWriter = (*Sink)(nil)

// NewSink returns a sink writing to opts.Topic. It connects to the brokers
// only in Recover. Exactly-once needs opts.TransactionalID.
func NewSink(opts SinkOptions, log *slog.Logger) (*Sink, error) {
	if opts.Topic == "" || len(opts.Brokers) == 0 {
		return nil, fmt.Errorf("kafka sink: the topic and the brokers are required")
	}
	if opts.ExactlyOnce && opts.TransactionalID == "" {
		return nil, fmt.Errorf("kafka sink %s: exactly-once needs a transactional id", opts.Topic)
	}
	if opts.EpochsTopic == "" {
		opts.EpochsTopic = DefaultEpochsTopic
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultSinkTimeout
	}
	conn, err := opts.ClientOptions()
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("sink_topic", opts.Topic)
	return &Sink{opts: opts, log: log, conn: conn}, nil
}

// Stats returns the sink's counters.
func (s *Sink) Stats() SinkStats {
	return SinkStats{
		Records: s.records.Load(), Bytes: s.bytes.Load(),
		Committed: s.txnCommitted.Load(), Aborted: s.txnAborted.Load(),
		LastEpoch: exec.Epoch(s.lastEpoch.Load()),
	}
}

// newProducer returns a producer client: idempotent, acks from all
// in-sync replicas, transactional with exactly-once.
func (s *Sink) newProducer() (*kgo.Client, error) {
	opts := append(cloneOpts(s.conn),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)),
		kgo.RecordDeliveryTimeout(s.opts.Timeout),
		kgo.RetryTimeout(s.opts.Timeout),
		kgo.ProduceRequestTimeout(min(10*time.Second, s.opts.Timeout)),
	)
	if s.opts.ExactlyOnce {
		opts = append(opts,
			kgo.TransactionalID(s.opts.TransactionalID),
			kgo.TransactionTimeout(SinkTransactionTimeout))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("kafka sink %s: %w", s.opts.Topic, err)
	}
	return cl, nil
}

// cloneOpts returns a copy of opts, so that appending never shares its array.
func cloneOpts(opts []kgo.Opt) []kgo.Opt {
	return append(make([]kgo.Opt, 0, len(opts)+8), opts...)
}

// Recover returns the newest epoch delivered to the topic (exactly-once;
// 0 at-least-once), after fencing earlier producers of the transactional
// id, which aborts what they prepared and did not commit.
func (s *Sink) Recover(ctx context.Context) (exec.Epoch, error) {
	if !s.opts.ExactlyOnce {
		if s.cl == nil {
			cl, err := s.newProducer()
			if err != nil {
				return 0, err
			}
			s.cl = cl
		}
		ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
		defer cancel()
		if err := s.ensureTopic(ctx); err != nil {
			return 0, fmt.Errorf("kafka sink %s: recover: %w", s.opts.Topic, err)
		}
		return 0, nil
	}
	last, err := s.fenceAndRead(ctx)
	if err != nil {
		return 0, fmt.Errorf("kafka sink %s: recover: %w", s.opts.Topic, err)
	}
	s.state, s.committed = txnIdle, last
	s.lastEpoch.Store(uint64(last))
	s.log.Info("kafka sink recovered", "last_epoch", uint64(last), "transactional_id", s.opts.TransactionalID)
	return last, nil
}

// fenceAndRead replaces the producer by a new one with the same
// transactional id (the broker fences the old ones and aborts their open
// transaction), makes sure the epochs topic exists and returns the newest
// epoch recorded in it under the transactional id.
func (s *Sink) fenceAndRead(ctx context.Context) (exec.Epoch, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	if s.cl != nil {
		s.cl.Close()
		s.cl = nil
	}
	cl, err := s.newProducer()
	if err != nil {
		return 0, err
	}
	s.cl = cl
	if err := s.ensureTopic(ctx); err != nil {
		return 0, err
	}
	if err := s.ensureEpochsTopic(ctx); err != nil {
		return 0, err
	}
	if _, _, err := cl.ProducerID(ctx); err != nil {
		return 0, fmt.Errorf("fencing earlier producers of transactional id %q: %w", s.opts.TransactionalID, err)
	}
	last, err := s.readLastEpoch(ctx)
	if err != nil {
		return 0, err
	}
	if err := s.warmUp(ctx, last); err != nil {
		return 0, err
	}
	return last, nil
}

// warmUp commits a transaction that restates the last delivered epoch in
// the epochs topic, so that the producer knows that topic's partitions
// before the first real transaction.
//
// franz-go (v1.22) stores a new topic's partitions where its transaction
// code looks for them only after it has released the records first
// buffered for the topic. A transaction that commits inside that window
// misses the partitions: EndTransaction concludes that nothing was
// produced and aborts instead, returning nil, and the epoch bump that ends
// the transaction leaves the partitions' sequence numbers unreset, so the
// next transaction fails with OUT_OF_ORDER_SEQUENCE_NUMBER.
//
// The warm-up writes the marker twice: the second Produce waits (on the
// client's unknown-topics lock) until the first one's partitions are
// stored, so they are visible when the warm-up ends. From then on every
// transaction writes a partition EndTransaction sees (its epoch marker), so
// it commits, and the broker commits every partition the transaction wrote.
// The restated marker changes nothing: readLastEpoch takes the newest
// committed marker, which says the same. TestSinkFirstTransaction shows the
// difference.
func (s *Sink) warmUp(ctx context.Context, last exec.Epoch) error {
	if err := s.cl.BeginTransaction(); err != nil {
		return fmt.Errorf("warming up the producer: %w", err)
	}
	_, _, err := s.produce(ctx, nil, s.marker(last))
	if err == nil {
		_, _, err = s.produce(ctx, nil, s.marker(last))
	}
	end := kgo.TryCommit
	if err != nil {
		end = kgo.TryAbort
	}
	if eerr := s.cl.EndTransaction(ctx, end); eerr != nil {
		err = errors.Join(err, eerr)
	}
	if err != nil {
		return fmt.Errorf("warming up the producer: %w", err)
	}
	return nil
}

// marker returns the epochs topic record saying epoch is delivered.
func (s *Sink) marker(epoch exec.Epoch) *kgo.Record {
	value := make([]byte, markerLen)
	binary.BigEndian.PutUint64(value, uint64(epoch))
	return &kgo.Record{Topic: s.opts.EpochsTopic, Key: []byte(s.opts.TransactionalID), Value: value}
}

// ensureTopic creates the sink's topic when it is missing and
// topic.create allows it, so that a topic deleted while the sink ran comes
// back at the next Recover instead of every delivery failing.
func (s *Sink) ensureTopic(ctx context.Context) error {
	a := &admin{adm: kadm.NewClient(s.cl), brokers: s.opts.Brokers}
	created, partitions, err := a.ensureSinkTopic(ctx, s.opts)
	if err != nil {
		return err
	}
	if created {
		s.log.Info("kafka sink: created the topic", "partitions", partitions)
	}
	return nil
}

// ensureEpochsTopic creates the epochs topic (one partition, compacted)
// unless it exists.
func (s *Sink) ensureEpochsTopic(ctx context.Context) error {
	compact := "compact"
	_, err := kadm.NewClient(s.cl).CreateTopic(ctx, 1, -1,
		map[string]*string{"cleanup.policy": &compact}, s.opts.EpochsTopic)
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return fmt.Errorf("creating the epochs topic %s: %w", s.opts.EpochsTopic, err)
	}
	return nil
}

// readLastEpoch reads the epochs topic from its start to the end it has
// now and returns the epoch of the newest committed marker keyed by the
// transactional id (0 when none).
//
// It reads uncommitted records with the transaction markers (control
// records) and settles our transactions itself rather than reading with
// read_committed: the topic is shared by every sink, and read_committed
// would wait behind any other sink's open transaction (at a restart, the
// transaction another sink's dead producer left open until that sink's own
// Recover fences it). Our own transactions are all finished once the
// fencing InitProducerID returned, so each of our markers below the end is
// followed by the commit or abort record of its producer, except where
// compaction removed a commit record (never an abort record before the
// aborted data), so a marker counts as committed unless an abort follows.
func (s *Sink) readLastEpoch(ctx context.Context) (exec.Epoch, error) {
	ends, err := s.endOffsets(ctx)
	if err != nil {
		return 0, err
	}
	start := map[int32]kgo.Offset{}
	for p, end := range ends {
		if end > 0 {
			start[p] = kgo.NewOffset().AtStart()
		}
	}
	if len(start) == 0 {
		return 0, nil
	}
	rd, err := kgo.NewClient(append(cloneOpts(s.conn),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{s.opts.EpochsTopic: start}),
		kgo.FetchIsolationLevel(kgo.ReadUncommitted()),
		kgo.KeepControlRecords(),
		kgo.FetchMaxWait(250*time.Millisecond),
	)...)
	if err != nil {
		return 0, fmt.Errorf("reading the epochs topic %s: %w", s.opts.EpochsTopic, err)
	}
	defer rd.Close()
	// Per partition: the newest marker not aborted, and the markers of each
	// producer whose transaction end has not been read yet.
	type marker struct {
		epoch  exec.Epoch
		offset int64
	}
	newest := map[int32]marker{}
	open := map[int32]map[int64][]marker{}
	for len(start) > 0 {
		fs := rd.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return 0, fmt.Errorf("reading the epochs topic %s to its end: %w", s.opts.EpochsTopic, err)
		}
		var ferr error
		fs.EachError(func(_ string, _ int32, err error) {
			if ferr == nil {
				ferr = err
			}
		})
		if ferr != nil {
			return 0, fmt.Errorf("reading the epochs topic %s: %w", s.opts.EpochsTopic, ferr)
		}
		fs.EachRecord(func(r *kgo.Record) {
			p := r.Partition
			if r.Offset >= ends[p]-1 {
				delete(start, p)
			}
			if r.Offset >= ends[p] {
				return
			}
			if open[p] == nil {
				open[p] = map[int64][]marker{}
			}
			switch {
			case r.Attrs.IsControl():
				ms := open[p][r.ProducerID]
				delete(open[p], r.ProducerID)
				if isAbort(r.Key) || len(ms) == 0 {
					return
				}
				if m := ms[len(ms)-1]; m.offset > newest[p].offset || newest[p] == (marker{}) {
					newest[p] = m
				}
			case string(r.Key) == s.opts.TransactionalID && len(r.Value) == markerLen:
				m := marker{epoch: exec.Epoch(binary.BigEndian.Uint64(r.Value)), offset: r.Offset}
				if r.Attrs.IsTransactional() {
					open[p][r.ProducerID] = append(open[p][r.ProducerID], m)
				} else {
					newest[p] = m
				}
			}
		})
	}
	// Markers without a transaction end: their commit record was compacted.
	for p, byProducer := range open {
		for _, ms := range byProducer {
			if m := ms[len(ms)-1]; m.offset > newest[p].offset || newest[p] == (marker{}) {
				newest[p] = m
			}
		}
	}
	// Our key lives in one partition unless partitions were added; across
	// partitions the newest epoch wins.
	var last exec.Epoch
	for _, m := range newest {
		last = max(last, m.epoch)
	}
	return last, nil
}

// isAbort reports whether a control record's key is a transaction abort
// (version int16, type int16: 0 abort, 1 commit).
func isAbort(key []byte) bool {
	return len(key) >= 4 && binary.BigEndian.Uint16(key[2:4]) == 0
}

// endOffsets lists the end offsets of the epochs topic's partitions,
// retrying while a topic just created is not known yet.
func (s *Sink) endOffsets(ctx context.Context) (map[int32]int64, error) {
	adm := kadm.NewClient(s.cl)
	for {
		listed, err := adm.ListEndOffsets(ctx, s.opts.EpochsTopic)
		if err == nil {
			err = listed.Error()
		}
		if err == nil {
			ends := map[int32]int64{}
			listed.Each(func(o kadm.ListedOffset) { ends[o.Partition] = o.Offset })
			if len(ends) > 0 {
				return ends, nil
			}
			err = kerr.UnknownTopicOrPartition
		}
		if !kerr.IsRetriable(err) {
			return nil, fmt.Errorf("listing the end of the epochs topic %s: %w", s.opts.EpochsTopic, err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("listing the end of the epochs topic %s: %w (last: %w)", s.opts.EpochsTopic, ctx.Err(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// promise records the first error of the records it is given to.
type promise struct {
	wg  sync.WaitGroup
	mu  sync.Mutex
	err error
	bad atomic.Bool
}

func (p *promise) done(_ *kgo.Record, err error) {
	if err != nil {
		p.mu.Lock()
		if p.err == nil {
			p.err = err
			p.bad.Store(true)
		}
		p.mu.Unlock()
	}
	p.wg.Done()
}

func (p *promise) firstErr() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// produce hands records (and marker, when not nil) to the client without
// copying them and waits for all of them to be acknowledged, stopping at
// the first error. It returns the records' count and size.
func (s *Sink) produce(ctx context.Context, records []exec.SinkRecord, marker *kgo.Record) (n, size int64, err error) {
	p := &promise{}
	for i := range records {
		if p.bad.Load() {
			break
		}
		r := &records[i]
		p.wg.Add(1)
		s.cl.Produce(ctx, &kgo.Record{Topic: s.opts.Topic, Key: r.Key, Value: r.Value}, p.done)
		n++
		size += int64(len(r.Key) + len(r.Value))
	}
	if marker != nil && !p.bad.Load() {
		p.wg.Add(1)
		s.cl.Produce(ctx, marker, p.done)
	}
	err = s.cl.Flush(ctx)
	if err != nil || p.bad.Load() {
		// Fail what is still buffered, so that no record outlives the call
		// (the caller owns their bytes).
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.Timeout)
		if aerr := s.cl.AbortBufferedRecords(actx); aerr != nil {
			s.cl.UnsafeAbortBufferedRecords()
		}
		cancel()
	}
	p.wg.Wait()
	if perr := p.firstErr(); perr != nil {
		err = perr
	}
	return n, size, err
}

// Prepare writes records, the output of the epochs after the last
// committed one up to epoch. With exactly-once it writes them and the
// epoch's marker inside a new transaction and flushes, leaving the commit
// to Commit; a Prepare that fails aborts its transaction. An epoch already
// delivered (known after settling a commit in doubt) is not written again.
// At-least-once, the records are visible once Prepare returns.
func (s *Sink) Prepare(ctx context.Context, epoch exec.Epoch, records []exec.SinkRecord) error {
	if s.cl == nil {
		return fmt.Errorf("kafka sink %s: prepare epoch %d: Recover was not called (or the sink is closed)", s.opts.Topic, epoch)
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	if !s.opts.ExactlyOnce {
		n, size, err := s.produce(ctx, records, nil)
		if err != nil {
			return fmt.Errorf("kafka sink %s: prepare epoch %d: %w", s.opts.Topic, epoch, err)
		}
		s.records.Add(n)
		s.bytes.Add(size)
		return nil
	}
	if err := s.settle(ctx); err != nil {
		return fmt.Errorf("kafka sink %s: prepare epoch %d: %w", s.opts.Topic, epoch, err)
	}
	if epoch <= s.committed {
		s.log.Info("kafka sink: epoch already delivered, not written again", "epoch", uint64(epoch), "last_epoch", uint64(s.committed))
		return nil
	}
	if err := s.cl.BeginTransaction(); err != nil {
		s.state, s.prepared = txnInDoubt, s.committed
		return fmt.Errorf("kafka sink %s: prepare epoch %d: %w", s.opts.Topic, epoch, err)
	}
	s.state, s.prepared, s.pendRecords, s.pendBytes = txnOpen, epoch, 0, 0
	n, size, err := s.produce(ctx, records, s.marker(epoch))
	if err != nil {
		if aerr := s.abort(ctx); aerr != nil {
			err = errors.Join(err, aerr)
		}
		return fmt.Errorf("kafka sink %s: prepare epoch %d: %w", s.opts.Topic, epoch, err)
	}
	s.pendRecords, s.pendBytes = n, size
	return nil
}

// Commit commits the transaction Prepare opened for epoch. When a commit
// failed before, Commit finds out whether it went through: nil if epoch is
// delivered, an error (prepare the epoch again) if it was aborted.
// At-least-once it only records epoch in the stats.
func (s *Sink) Commit(ctx context.Context, epoch exec.Epoch) error {
	if !s.opts.ExactlyOnce {
		s.lastEpoch.Store(uint64(epoch))
		return nil
	}
	if s.cl == nil {
		return fmt.Errorf("kafka sink %s: commit epoch %d: Recover was not called (or the sink is closed)", s.opts.Topic, epoch)
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	if s.state == txnInDoubt {
		if err := s.settle(ctx); err != nil {
			return fmt.Errorf("kafka sink %s: commit epoch %d: %w", s.opts.Topic, epoch, err)
		}
	}
	if s.state == txnIdle {
		if epoch <= s.committed {
			return nil
		}
		return fmt.Errorf("kafka sink %s: commit epoch %d: no transaction is prepared (the last delivered epoch is %d): prepare it again",
			s.opts.Topic, epoch, s.committed)
	}
	if s.prepared != epoch {
		return fmt.Errorf("kafka sink %s: commit epoch %d: the prepared epoch is %d", s.opts.Topic, epoch, s.prepared)
	}
	if err := s.cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
		s.state = txnInDoubt
		return fmt.Errorf("kafka sink %s: commit epoch %d: %w", s.opts.Topic, epoch, err)
	}
	s.delivered()
	return nil
}

// Abort discards what Prepare wrote (exactly-once; at-least-once it was
// written already and Abort does nothing).
func (s *Sink) Abort(ctx context.Context) error {
	if !s.opts.ExactlyOnce || s.cl == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	switch s.state {
	case txnOpen:
		if err := s.abort(ctx); err != nil {
			return fmt.Errorf("kafka sink %s: abort epoch %d: %w", s.opts.Topic, s.prepared, err)
		}
	case txnInDoubt:
		if err := s.settle(ctx); err != nil {
			return fmt.Errorf("kafka sink %s: abort epoch %d: %w", s.opts.Topic, s.prepared, err)
		}
	}
	return nil
}

// abort ends the open transaction with an abort; on failure the
// transaction is in doubt.
func (s *Sink) abort(ctx context.Context) error {
	err := s.cl.AbortBufferedRecords(ctx)
	if err == nil {
		err = s.cl.EndTransaction(ctx, kgo.TryAbort)
	}
	if err != nil {
		s.state = txnInDoubt
		return err
	}
	s.aborted()
	return nil
}

// settle resolves a transaction in doubt: a new producer fences the old
// one (aborting the transaction unless its commit went through) and the
// epochs topic says which it was.
func (s *Sink) settle(ctx context.Context) error {
	switch s.state {
	case txnIdle:
		return nil
	case txnOpen:
		return s.abort(ctx)
	}
	last, err := s.fenceAndRead(ctx)
	if err != nil {
		return fmt.Errorf("settling the transaction of epoch %d: %w", s.prepared, err)
	}
	switch {
	case s.prepared <= s.committed:
		s.state = txnIdle
	case last >= s.prepared:
		s.delivered()
	default:
		s.aborted()
	}
	s.committed = max(s.committed, last)
	return nil
}

// delivered records that the prepared transaction committed.
func (s *Sink) delivered() {
	s.state, s.committed = txnIdle, s.prepared
	s.records.Add(s.pendRecords)
	s.bytes.Add(s.pendBytes)
	s.txnCommitted.Add(1)
	s.lastEpoch.Store(uint64(s.prepared))
	s.pendRecords, s.pendBytes = 0, 0
}

// aborted records that the prepared transaction was aborted.
func (s *Sink) aborted() {
	s.state = txnIdle
	s.txnAborted.Add(1)
	s.pendRecords, s.pendBytes = 0, 0
}

// Close releases the client without committing: a transaction still open
// is aborted by the broker when it times out or when the next producer
// with the same transactional id fences this one.
func (s *Sink) Close() error {
	if s.cl != nil {
		s.cl.Close()
		s.cl = nil
	}
	return nil
}
