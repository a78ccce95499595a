package kafka

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/connector/format"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// bufferRecords is about how many records the background poller holds
// ahead of Next (the bound of the buffer between them).
const bufferRecords = 1 << 16

// fetchMaxWait is how long a fetch waits at most for new records.
const fetchMaxWait = 250 * time.Millisecond

// Source reads a Kafka topic as a stream. It is an exec.Source and an
// exec.ProgressReporter. The runtime calls Open, Next, OnBarrier and Close
// from one goroutine at a time; after Open, background goroutines fetch
// records into a bounded buffer (the poller), list the topic's partitions
// to start reading them and refresh high watermarks (the watcher), and
// commit offsets to the consumer group (the committer, with group.id).
// Progress is safe from any goroutine.
//
// The source never fails because the brokers or the topic are away: the
// watcher retries its listing with backoff, Progress reports the source
// waiting with the last error, and the client resumes fetching at its
// offsets once the brokers answer again. A topic that does not exist at
// the source's first listing is read from its start once it appears (the
// source's state keeps that, so a restart does not read it by the startup
// mode); so is a topic deleted and created again, found by its new id at a
// listing, the first after a restart included.
//
// The offsets in state are those of the records Next returned: every
// partition is read from exactly the offset after them, so a restart
// neither skips nor repeats a record. Next to them the state holds the
// topic's id and generation (a topicState). The consumer group's committed
// offsets are never read back (only scan.startup.mode = 'group' reads them,
// for partitions without state).
type Source struct {
	opts   Options
	mem    memory.Allocator
	log    *slog.Logger
	schema *arrow.Schema // declared, included, RowIDColumn

	// Owned by the runtime goroutine.
	next     map[int32]int64 // offset after the last record returned, per partition
	topic    topicState      // the topic next is of, recorded with it
	gone     map[int32]bool  // partitions whose recorded offsets are to be deleted
	replaced bool            // next was replaced since the last publish
	pending  []*kgo.Record   // records taken from the buffer, not yet decoded
	// splits holds the partition of each row of the chunk being built,
	// then of the chunk Next returned (RowSplits).
	splits  []int32
	rows    *format.RowBuilder
	extra   []array.Builder // one per Include column, then the row ids
	errs    int64
	dirty   bool // next changed since the last publish
	lastLog time.Time

	cl       *kgo.Client
	adm      *kadm.Client
	buf      chan polled
	commitCh chan kadm.Offsets
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	// Owned by the watcher after Open.
	known    map[int32]bool  // partitions consumed
	restored map[int32]int64 // the offsets in state at Open
	// resolved says the partitions of the first listing got their start
	// offsets.
	resolved bool
	// seen is the topic at the last listing; its late says a listing before
	// the first resolved one found no topic (created after the source:
	// everything in it is new, read from the start), or the state says an
	// earlier run found none.
	seen topicState
	// recreating says the topic's id changed and its new partitions are
	// not consumed yet (their start offsets replace the recorded ones).
	recreating bool

	mu       sync.Mutex
	readID   kadm.TopicID // the id of the topic consumed (zero: not known)
	pubNext  map[int32]int64
	hwm      map[int32]int64
	waiting  bool   // the last listing or fetch failed
	lastErr  string // why the source last could not read
	lastWarn time.Time
	pubRows  atomic.Int64
	pubBytes atomic.Int64
	pubErrs  atomic.Int64
}

// polled is what the background goroutines hand to Next, in order: the
// partitions that start being consumed (with their start offsets and the
// topic they are of), that the topic did not exist at the first listing,
// or records. With reset, the start offsets replace every recorded one
// (the topic was deleted and created again: its offsets begin anew, under
// a new generation).
type polled struct {
	added map[int32]int64
	reset bool
	topic topicState // with added
	late  bool
	// recs were fetched from the topic whose id is id (zero: the brokers
	// do not say); Next drops those of a topic deleted since.
	id   kadm.TopicID
	recs []*kgo.Record
}

var (
	_ exec.Source           = (*Source)(nil)
	_ exec.ProgressReporter = (*Source)(nil)
)

// NewSource returns a source for opts. opts.Key and opts.Decoder must be
// set; a nil logger means slog.Default(). Nothing connects until Open.
func NewSource(opts Options, mem memory.Allocator, logger *slog.Logger) (*Source, error) {
	if len(opts.Key) == 0 {
		return nil, errors.New("kafka source: no state key prefix for the offsets")
	}
	if opts.Decoder == nil {
		return nil, errors.New("kafka source: no decoder")
	}
	if opts.Topic == "" || len(opts.Brokers) == 0 {
		return nil, errors.New("kafka source: no topic or no brokers")
	}
	if opts.BatchRows <= 0 {
		opts.BatchRows = DefaultBatchRows
	}
	if opts.DiscoveryInterval <= 0 {
		opts.DiscoveryInterval = DefaultDiscoveryInterval
	}
	if opts.StartupMode == "" {
		opts.StartupMode = StartEarliest
	}
	if opts.OnError == "" {
		opts.OnError = ErrorSkip
	}
	if logger == nil {
		logger = slog.Default()
	}
	out := append(types.Schema{}, opts.Schema...)
	for _, c := range opts.Include {
		out = append(out, types.Column{Name: c.Name, Type: c.Type, Nullable: true})
	}
	out = append(out, types.Column{Name: RowIDColumn, Type: types.Int64Type})
	return &Source{
		opts:   opts,
		mem:    mem,
		log:    logger.With("source", "kafka", "topic", opts.Topic),
		schema: out.Arrow(),
	}, nil
}

// Schema returns the schema of the chunks the source emits: the declared
// columns, the Include columns, then RowIDColumn.
func (s *Source) Schema() *arrow.Schema { return s.schema }

// partitionKey is the state key of partition p's offset.
func (s *Source) partitionKey(p int32) []byte {
	k := make([]byte, len(s.opts.Key)+4)
	copy(k, s.opts.Key)
	binary.BigEndian.PutUint32(k[len(s.opts.Key):], uint32(p))
	return k
}

// prefixEnd returns the first key after every key starting with prefix (nil
// when there is none).
func prefixEnd(prefix []byte) []byte {
	end := slices.Clone(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// Open restores the offsets recorded at the last committed barrier and
// starts the background goroutines. It does not wait for the brokers: the
// watcher lists the topic's partitions, resolves the start of those without
// state from the startup mode, and retries with backoff (Progress says
// waiting, and why) while the brokers do not answer or the topic does not
// exist yet.
func (s *Source) Open(ctx context.Context, oc exec.OpenContext) error {
	if s.cl != nil {
		return errors.New("kafka source: opened twice")
	}
	s.next, s.gone = map[int32]int64{}, map[int32]bool{}
	if oc.State != nil {
		prefix := s.opts.Key
		err := oc.State.Scan(prefix, prefixEnd(prefix), func(k, v []byte) (bool, error) {
			if string(k[len(prefix):]) == topicStateSuffix {
				t, err := decodeTopicState(v)
				s.topic = t
				return err == nil, err
			}
			if len(k) != len(prefix)+4 || len(v) != 8 {
				return false, fmt.Errorf("kafka source: bad offset record (key %x, %d bytes)", k, len(v))
			}
			s.next[int32(binary.BigEndian.Uint32(k[len(prefix):]))] = int64(binary.BigEndian.Uint64(v))
			return true, nil
		})
		if err != nil {
			return fmt.Errorf("kafka source: read offsets: %w", err)
		}
	}
	copts, err := s.opts.ClientOptions()
	if err != nil {
		return err
	}
	if s.opts.ReadCommitted {
		copts = append(copts, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	}
	// Partition discovery lists offsets through the client's metadata
	// cache: let it be no older than the discovery interval.
	copts = append(copts, kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.MetadataMinAge(min(5*time.Second, s.opts.DiscoveryInterval)),
		// A fetch long-polls the partitions it was issued for: a partition
		// added meanwhile waits for it to return.
		kgo.FetchMaxWait(fetchMaxWait))
	cl, err := kgo.NewClient(copts...)
	if err != nil {
		return fmt.Errorf("kafka source: %w", err)
	}
	s.cl, s.adm = cl, kadm.NewClient(cl)
	s.known = map[int32]bool{}
	s.restored = maps.Clone(s.next)
	s.seen = s.topic
	s.mu.Lock()
	s.readID = s.topic.id
	s.pubNext = maps.Clone(s.next)
	s.hwm = map[int32]int64{}
	s.mu.Unlock()
	s.rows = format.NewRowBuilder(s.mem, s.opts.Schema)
	for _, c := range s.opts.Include {
		s.extra = append(s.extra, array.NewBuilder(s.mem, c.Type.ArrowType()))
	}
	s.extra = append(s.extra, array.NewInt64Builder(s.mem))
	s.log.Info("kafka source: opened", "brokers", strings.Join(s.opts.Brokers, ","),
		"security", s.opts.Security.String(), "restored", len(s.restored), "generation", s.topic.gen)

	s.buf = make(chan polled, max(2, min(64, bufferRecords/s.opts.BatchRows)))
	bg, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.wg.Add(2)
	go s.poll(bg)
	go s.watch(bg)
	if s.opts.GroupID != "" {
		s.commitCh = make(chan kadm.Offsets, 1)
		s.wg.Add(1)
		go s.commit(bg)
	}
	return nil
}

// listOffsets lists one offset per partition of the topic with list (the
// start or end offsets): the partitions of the topic are its keys.
func (s *Source) listOffsets(ctx context.Context,
	list func(context.Context, ...string) (kadm.ListedOffsets, error)) (map[int32]int64, error) {
	lo, err := list(ctx, s.opts.Topic)
	if err != nil {
		return nil, fmt.Errorf("kafka source: list offsets of topic %q: %w", s.opts.Topic, err)
	}
	out := map[int32]int64{}
	for p, o := range lo[s.opts.Topic] {
		if p < 0 && errors.Is(o.Err, kerr.UnknownTopicOrPartition) {
			return nil, fmt.Errorf("kafka source: topic %q does not exist: %w", s.opts.Topic, o.Err)
		}
		if o.Err != nil {
			return nil, fmt.Errorf("kafka source: topic %q partition %d: %w", s.opts.Topic, p, o.Err)
		}
		out[p] = o.Offset
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("kafka source: topic %q has no partitions", s.opts.Topic)
	}
	return out, nil
}

// resolveStart returns the start offsets of the partitions without state,
// by the startup mode (ends are the high watermarks).
func (s *Source) resolveStart(ctx context.Context, parts []int32, ends map[int32]int64) (map[int32]int64, error) {
	out := map[int32]int64{}
	if len(parts) == 0 {
		return out, nil
	}
	var group kadm.OffsetResponses
	switch s.opts.StartupMode {
	case StartLatest:
		latest := ends
		if s.opts.ReadCommitted {
			var err error
			if latest, err = s.listOffsets(ctx, s.adm.ListCommittedOffsets); err != nil {
				return nil, err
			}
		}
		for _, p := range parts {
			out[p] = latest[p]
		}
		return out, nil
	case StartGroup:
		var err error
		group, err = s.adm.FetchOffsetsForTopics(ctx, s.opts.GroupID, s.opts.Topic)
		if err != nil {
			return nil, fmt.Errorf("kafka source: fetch the offsets of group %q: %w", s.opts.GroupID, err)
		}
	}
	starts, err := s.listOffsets(ctx, s.adm.ListStartOffsets)
	if err != nil {
		return nil, err
	}
	for _, p := range parts {
		out[p] = starts[p]
		if r, ok := group.Lookup(s.opts.Topic, p); ok && r.Err == nil && r.At >= 0 {
			out[p] = r.At
		}
	}
	return out, nil
}

// poll fetches records into the buffer until ctx ends.
func (s *Source) poll(ctx context.Context) {
	defer s.wg.Done()
	for {
		fs := s.cl.PollRecords(ctx, s.opts.BatchRows)
		if ctx.Err() != nil || fs.IsClientClosed() {
			return
		}
		fs.EachError(func(_ string, p int32, err error) {
			if !errors.Is(err, context.Canceled) {
				s.setWaiting(fmt.Errorf("kafka source: fetch from partition %d: %w", p, err))
			}
		})
		// A fetch from before the topic was deleted and created again may
		// come after it: its records are tagged with the old topic's id
		// (Next drops them) and its high watermarks are not the new topic's.
		var batches []polled
		s.mu.Lock()
		for _, f := range fs {
			for _, t := range f.Topics {
				id := kadm.TopicID(t.TopicID)
				current := id == (kadm.TopicID{}) || s.readID == (kadm.TopicID{}) || id == s.readID
				var recs []*kgo.Record
				for _, p := range t.Partitions {
					if current && p.HighWatermark > s.hwm[p.Partition] {
						s.hwm[p.Partition] = p.HighWatermark
					}
					recs = append(recs, p.Records...)
				}
				if len(recs) == 0 {
					continue
				}
				if n := len(batches); n > 0 && batches[n-1].id == id {
					batches[n-1].recs = append(batches[n-1].recs, recs...)
				} else {
					batches = append(batches, polled{id: id, recs: recs})
				}
			}
		}
		s.mu.Unlock()
		if len(batches) == 0 {
			continue
		}
		s.setRunning()
		for _, b := range batches {
			select {
			case s.buf <- b:
			case <-ctx.Done():
				return
			}
		}
	}
}

// Backoff between the listings of a source that cannot read: doubled from
// retryMinBackoff after each failure up to retryMaxBackoff (or the
// discovery interval, when shorter).
const (
	retryMinBackoff = 100 * time.Millisecond
	retryMaxBackoff = 5 * time.Second
)

// listTimeout bounds one listing of the topic's partitions and offsets.
const listTimeout = 10 * time.Second

// watch lists the topic's partitions and offsets until ctx ends: every
// DiscoveryInterval while that works, and with backoff while it fails
// (brokers that do not answer, a topic that does not exist).
func (s *Source) watch(ctx context.Context) {
	defer s.wg.Done()
	backoff := retryMinBackoff
	for {
		wait := s.opts.DiscoveryInterval
		if err := s.discover(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			s.setWaiting(err)
			wait = backoff
			backoff = min(2*backoff, max(retryMinBackoff, min(retryMaxBackoff, s.opts.DiscoveryInterval)))
		} else {
			s.setRunning()
			backoff = retryMinBackoff
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// setWaiting records that the source cannot read because of err, logging
// it at most every 10 seconds.
func (s *Source) setWaiting(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.waiting || time.Since(s.lastWarn) > 10*time.Second {
		s.lastWarn = time.Now()
		s.log.Warn("kafka source: cannot read the topic, retrying", "err", err)
	}
	s.waiting, s.lastErr = true, err.Error()
}

// setRunning records that the source reads again.
func (s *Source) setRunning() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.waiting {
		s.log.Info("kafka source: reading the topic again")
	}
	s.waiting = false
}

// discover refreshes the high watermarks and starts consuming the
// partitions not consumed yet: those of the first listing from their
// recorded offsets or by the startup mode, and those added since from their
// earliest offset (what was written to a new partition before it was seen
// belongs to the stream; so does everything in a topic created after the
// source first looked for it, or deleted and created again).
func (s *Source) discover(ctx context.Context) error {
	rctx, cancel := context.WithTimeout(ctx, min(listTimeout, max(s.opts.DiscoveryInterval, time.Second)))
	defer cancel()
	err := s.checkTopicID(rctx)
	recreated := s.recreating
	var ends map[int32]int64
	if err == nil {
		ends, err = s.listOffsets(rctx, s.adm.ListEndOffsets)
	}
	if err != nil {
		if !s.resolved && !s.seen.late && errors.Is(err, kerr.UnknownTopicOrPartition) {
			// Kept in the source's state, so that a restart before its
			// first offsets are recorded still reads the topic from its
			// start.
			s.seen.late = true
			select {
			case s.buf <- polled{late: true}:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return err
	}
	s.mu.Lock()
	for p, o := range ends {
		if o > s.hwm[p] {
			s.hwm[p] = o
		}
	}
	s.mu.Unlock()
	assign := map[int32]kgo.Offset{}
	var fresh []int32
	for p := range ends {
		if s.known[p] {
			continue
		}
		if o, ok := s.restored[p]; ok {
			assign[p] = kgo.NewOffset().At(o)
		} else {
			fresh = append(fresh, p)
		}
	}
	if len(assign) == 0 && len(fresh) == 0 {
		return nil
	}
	var added map[int32]int64
	if len(fresh) > 0 {
		if !s.resolved && !s.seen.late && !recreated {
			added, err = s.resolveStart(rctx, fresh, ends)
		} else {
			added, err = s.startOffsets(rctx, fresh)
		}
		if err != nil {
			return err
		}
	}
	if len(added) > 0 || !s.resolved || recreated {
		// The start offsets and the topic's id and generation go through
		// the buffer ahead of the partitions' records, so Next records
		// them in state before it returns any record.
		select {
		case s.buf <- polled{added: added, reset: recreated, topic: s.seen}:
		case <-ctx.Done():
			return ctx.Err()
		}
		s.mu.Lock()
		for p, o := range added {
			assign[p] = kgo.NewOffset().At(o)
			if _, ok := s.pubNext[p]; !ok || recreated {
				s.pubNext[p] = o
			}
		}
		s.mu.Unlock()
	}
	for p := range assign {
		s.known[p] = true
	}
	if recreated {
		s.log.Warn("kafka source: the topic was deleted and created again: reading the new topic from its start",
			"partitions", len(assign), "generation", s.seen.gen)
	} else if s.resolved {
		s.log.Info("kafka source: new partitions", "partitions", len(assign))
	} else {
		s.log.Info("kafka source: reading", "partitions", len(assign), "restored", len(assign)-len(added))
	}
	s.resolved, s.recreating = true, false
	s.cl.AddConsumePartitions(map[string]map[int32]kgo.Offset{s.opts.Topic: assign})
	return nil
}

// checkTopicID looks the topic up and notices when it was deleted and
// created again (its id is not the one seen last, or at the first listing
// the one recorded in state: then it happened while the source was
// closed). Then it purges the old topic from the client, forgets its
// partitions and their recorded offsets, counts a new generation and sets
// recreating, so that discover starts every partition of the new topic
// from its start. A topic that does not exist is an error wrapping
// kerr.UnknownTopicOrPartition; the others are admin.topic's.
func (s *Source) checkTopicID(ctx context.Context) error {
	td, exists, err := (&admin{cl: s.cl, adm: s.adm, brokers: s.opts.Brokers}).topic(ctx, s.opts.Topic)
	switch {
	case err != nil:
		return err
	case !exists:
		return fmt.Errorf("kafka source: topic %q does not exist: %w", s.opts.Topic, kerr.UnknownTopicOrPartition)
	}
	old := s.seen.id
	s.seen.id = td.ID
	recreated := old != (kadm.TopicID{}) && td.ID != (kadm.TopicID{}) && td.ID != old
	s.mu.Lock()
	s.readID = td.ID
	if recreated {
		s.hwm = map[int32]int64{}
	}
	s.mu.Unlock()
	if !recreated {
		return nil
	}
	// franz-go never adopts a recreated topic's new id: the topic has to
	// be purged from the client and added again.
	s.cl.PurgeTopicsFromClient(s.opts.Topic)
	s.known, s.restored = map[int32]bool{}, nil
	s.recreating = true
	s.seen.gen++
	return nil
}

// startOffsets returns the earliest offsets of parts.
func (s *Source) startOffsets(ctx context.Context, parts []int32) (map[int32]int64, error) {
	starts, err := s.listOffsets(ctx, s.adm.ListStartOffsets)
	if err != nil {
		return nil, err
	}
	out := make(map[int32]int64, len(parts))
	for _, p := range parts {
		out[p] = starts[p]
	}
	return out, nil
}

// commit commits the offsets recorded at barriers to the consumer group
// (for lag monitoring by Kafka tools) until ctx ends.
func (s *Source) commit(ctx context.Context) {
	defer s.wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case offs := <-s.commitCh:
			cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			resp, err := s.adm.CommitOffsets(cctx, s.opts.GroupID, offs)
			cancel()
			if err == nil {
				err = resp.Error()
			}
			if err != nil && ctx.Err() == nil {
				s.log.Warn("kafka source: commit to the consumer group failed", "group", s.opts.GroupID, "err", err)
			}
		}
	}
}

// Next decodes up to BatchRows buffered records into a chunk, or returns
// exec.ErrNoData when none is buffered. It never waits for the brokers.
// Records whose value is null (tombstones) carry no row and are passed over,
// and so are those fetched from a topic deleted since.
func (s *Source) Next(ctx context.Context) (exec.Chunk, error) {
	if s.rows == nil {
		return exec.Chunk{}, errors.New("kafka source: Next before Open")
	}
	defer s.publish()
	ids := s.extra[len(s.extra)-1].(*array.Int64Builder)
	if ids.Len() == 0 {
		s.splits = s.splits[:0]
	}
	for ids.Len() < s.opts.BatchRows {
		if len(s.pending) == 0 {
			select {
			case p := <-s.buf:
				s.take(p)
				continue
			default:
			}
			break
		}
		r := s.pending[0]
		s.pubBytes.Add(int64(len(r.Key) + len(r.Value)))
		if err := s.decode(r); err != nil {
			if ids.Len() > 0 {
				break // return the rows before it; the next call fails
			}
			return exec.Chunk{}, err
		}
		s.pending[0] = nil
		s.pending = s.pending[1:]
	}
	n := ids.Len()
	if n == 0 {
		return exec.Chunk{}, exec.ErrNoData
	}
	s.pubRows.Add(int64(n))
	return exec.Chunk{Batch: s.flush(n)}, nil
}

// take applies what the background goroutines handed over: it records the
// topic's id, generation and start offsets, or makes p's records pending
// unless they are of a topic deleted since.
func (s *Source) take(p polled) {
	switch {
	case p.late:
		s.topic.late, s.dirty = true, true
	case p.added != nil || p.topic != (topicState{}):
		if p.reset {
			// A new topic: the old one's offsets are forgotten (those of
			// its partitions the new topic does not have are deleted at
			// the next barrier), and its partitions added later start
			// from their start.
			for part := range s.next {
				s.gone[part] = true
			}
			s.next, s.replaced = map[int32]int64{}, true
		}
		s.topic.id, s.topic.gen = p.topic.id, p.topic.gen
		for part, o := range p.added {
			if _, ok := s.next[part]; !ok || p.reset {
				s.next[part] = o
			}
			delete(s.gone, part)
		}
		s.dirty = true
	case p.id != (kadm.TopicID{}) && s.topic.id != (kadm.TopicID{}) && p.id != s.topic.id:
		// Fetched before the topic was deleted and created again.
	default:
		s.pending = p.recs
	}
}

// decode appends record r as a row, or hands it to the error sink. It
// returns an error only under on.error = 'fail', and then consumes nothing.
func (s *Source) decode(r *kgo.Record) error {
	if r.Value == nil {
		s.advance(r)
		return nil
	}
	err := s.checkKey(r)
	if err == nil {
		err = s.opts.Decoder.Decode(r.Value, s.rows)
	}
	if err != nil {
		if s.opts.OnError == ErrorFail {
			return sqlstate.Wrap(sqlstate.InvalidTextRepresentation, err,
				fmt.Sprintf("kafka source: topic %q partition %d offset %d", s.opts.Topic, r.Partition, r.Offset))
		}
		s.errs++
		s.pubErrs.Store(s.errs)
		if s.opts.Errors != nil {
			s.opts.Errors.RecordError(r.Partition, r.Offset, r.Value, err)
		}
		if now := time.Now(); now.Sub(s.lastLog) > 10*time.Second {
			s.lastLog = now
			s.log.Warn("kafka source: skipping a record that does not decode",
				"partition", r.Partition, "offset", r.Offset, "err", err, "errors", s.errs)
		}
		s.advance(r)
		return nil
	}
	for i, c := range s.opts.Include {
		b := s.extra[i]
		switch c.Kind {
		case IncludeKey:
			switch kb := b.(type) {
			case *array.BinaryBuilder:
				if r.Key == nil {
					kb.AppendNull()
				} else {
					kb.Append(r.Key)
				}
			case *array.StringBuilder:
				if r.Key == nil {
					kb.AppendNull()
				} else {
					kb.BinaryBuilder.Append(r.Key)
				}
			}
		case IncludePartition:
			b.(*array.Int32Builder).Append(r.Partition)
		case IncludeOffset:
			b.(*array.Int64Builder).Append(r.Offset)
		case IncludeTimestamp:
			b.(*array.TimestampBuilder).Append(arrow.Timestamp(r.Timestamp.UnixMicro()))
		}
	}
	s.extra[len(s.extra)-1].(*array.Int64Builder).Append(RowID(s.topic.gen, r.Partition, r.Offset))
	s.splits = append(s.splits, r.Partition)
	s.advance(r)
	return nil
}

// RowSplits returns the partition of each row of the chunk Next returned
// last (exec.SplitSource): a stream's watermark is generated per partition.
func (s *Source) RowSplits() []int32 { return s.splits }

// Splits returns the partitions the source reads (exec.SplitSource).
func (s *Source) Splits() []int32 {
	out := make([]int32, 0, len(s.next))
	for p := range s.next {
		out = append(out, p)
	}
	return out
}

// checkKey rejects a key that is not text (format.ValidText) when it is
// included as VARCHAR.
func (s *Source) checkKey(r *kgo.Record) error {
	for _, c := range s.opts.Include {
		if c.Kind == IncludeKey && c.Type.Family == types.Text && r.Key != nil && !format.ValidText(r.Key) {
			return fmt.Errorf("column %q: the record key is not valid UTF-8, or holds a NUL byte", c.Name)
		}
	}
	return nil
}

func (s *Source) advance(r *kgo.Record) {
	s.next[r.Partition] = r.Offset + 1
	s.dirty = true
}

// flush returns the n rows built so far as a batch of the source's schema.
func (s *Source) flush(n int) arrow.RecordBatch {
	rb := s.rows.NewRecordBatch()
	defer rb.Release()
	cols := make([]arrow.Array, 0, len(s.schema.Fields()))
	cols = append(cols, rb.Columns()...)
	for _, b := range s.extra {
		a := b.NewArray()
		defer a.Release()
		cols = append(cols, a)
	}
	return array.NewRecordBatch(s.schema, cols, int64(n))
}

// publish makes the offsets visible to Progress.
func (s *Source) publish() {
	if !s.dirty {
		return
	}
	s.dirty = false
	s.mu.Lock()
	if s.replaced {
		s.pubNext, s.replaced = map[int32]int64{}, false
	}
	for p, o := range s.next {
		s.pubNext[p] = o
	}
	s.mu.Unlock()
}

// OnBarrier records, for every partition, the offset after the last record
// Next returned (one key per partition under opts.Key) and the topic they
// are of (its id, generation and whether it was created after the source),
// deletes those of partitions the topic no longer has, and with group.id
// hands the same offsets to the committer.
func (s *Source) OnBarrier(ctx context.Context, b exec.Barrier, w exec.StateWriter) error {
	for p := range s.gone {
		if err := w.Delete(s.partitionKey(p)); err != nil {
			return fmt.Errorf("kafka source: record offsets: %w", err)
		}
	}
	clear(s.gone)
	if err := w.Set(s.topicStateKey(), s.topic.encode()); err != nil {
		return fmt.Errorf("kafka source: record offsets: %w", err)
	}
	var offs kadm.Offsets
	var v [8]byte
	for p, o := range s.next {
		binary.BigEndian.PutUint64(v[:], uint64(o))
		if err := w.Set(s.partitionKey(p), v[:]); err != nil {
			return fmt.Errorf("kafka source: record offsets: %w", err)
		}
		offs.AddOffset(s.opts.Topic, p, o, -1)
	}
	if s.commitCh != nil {
		select {
		case <-s.commitCh:
		default:
		}
		s.commitCh <- offs
	}
	return nil
}

// Progress reports the records emitted and skipped since Open, the next
// offset per partition ("p0:123,p1:456"), the lag (the records between
// them and the high watermarks, in all and per partition), and whether the
// source is waiting for its brokers or its topic, with the last error.
// Safe for concurrent use.
func (s *Source) Progress() exec.SourceProgress {
	s.mu.Lock()
	parts := make([]int32, 0, len(s.pubNext))
	for p := range s.pubNext {
		parts = append(parts, p)
	}
	slices.Sort(parts)
	var pos, detail strings.Builder
	lag := int64(-1)
	for i, p := range parts {
		if i > 0 {
			pos.WriteByte(',')
		}
		o := s.pubNext[p]
		pos.WriteString("p" + strconv.Itoa(int(p)) + ":" + strconv.FormatInt(o, 10))
		if h, ok := s.hwm[p]; ok {
			lag = max(lag, 0) + max(0, h-o)
			if detail.Len() > 0 {
				detail.WriteByte(',')
			}
			detail.WriteString("p" + strconv.Itoa(int(p)) + ":" + strconv.FormatInt(max(0, h-o), 10))
		}
	}
	status, lastErr := exec.SourceRunning, s.lastErr
	if s.waiting {
		status = exec.SourceWaiting
	}
	s.mu.Unlock()
	return exec.SourceProgress{
		Rows: s.pubRows.Load(), Errors: s.pubErrs.Load(), Bytes: s.pubBytes.Load(),
		Position: pos.String(), Lag: lag, LagUnit: "records", LagDetail: detail.String(),
		Status: status, LastError: lastErr,
	}
}

// Close stops the background goroutines, closes the client and releases
// the builders.
func (s *Source) Close() error {
	s.closeClient()
	if s.rows != nil {
		s.rows.Release()
		for _, b := range s.extra {
			b.Release()
		}
		s.rows, s.extra = nil, nil
	}
	s.pending = nil
	return nil
}

func (s *Source) closeClient() {
	if s.cancel != nil {
		s.cancel()
		s.wg.Wait()
		s.cancel = nil
	}
	if s.cl != nil {
		s.cl.Close()
		s.cl = nil
	}
}
