// Package sourceguard is what the engine keeps around each source of a
// stream: the stream's policy for records the source cannot decode (skip
// them, keep them as dead letters, or fail the job: on.error), the dead
// letters it writes into the source's state table at each barrier, the
// counts and last errors of bad records per source (weir_source_errors),
// the source's positions at its last barriers (for the checkpoint
// manifests) and its rate in rows per second (weir_sources).
//
// The engine wraps each connector's source in a Source, hands the
// connector the RecordErrors of ErrorCounts.For as the taker of its bad
// records, and reads the rest back through Source's and ErrorCounts'
// methods. The package knows no connector and no engine.
package sourceguard

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/statestore"
)

// Source wraps a stream's source with its error policy: bad records the
// source reports (through the RecordErrors the engine gave it) are counted,
// kept as dead letters, or end the job. Dead letters are written into the
// source's state at each barrier, in the same commit as its position, so a
// replayed epoch neither loses nor repeats them. Source is an exec.Source.
type Source struct {
	src    exec.Source
	name   string // the stream's name
	policy Policy
	prefix []byte // state keys of dead letters: prefix | seq (8 bytes)

	rate rateMeter // rows per second, fed at each barrier

	mu sync.Mutex
	// positions are the source's positions at its last barriers, oldest
	// first, for the checkpoint manifests (a checkpoint of epoch E is
	// taken after the source has gone past barrier E).
	positions []barrierPosition
	pending   []BadRecord
	failure   error
	seq       uint64
}

// New returns the guard of a source of stream, under policy, whose state
// table is table. Wrap gives it the source before the runtime opens it.
func New(stream string, policy Policy, table statestore.TableID) *Source {
	return &Source{name: stream, policy: policy, prefix: deadLetterPrefix(table)}
}

// Wrap sets the source g guards: the connector's source, made with the
// RecordErrors that hands its bad records to g. It is called once, before
// the runtime opens g.
func (g *Source) Wrap(src exec.Source) { g.src = src }

// Name names the source in errors: the stream it reads.
func (g *Source) Name() string { return g.name }

// Progress returns the wrapped source's progress, if it reports any
// (exec.ProgressReporter). Safe to call from any goroutine.
func (g *Source) Progress() (exec.SourceProgress, bool) {
	pr, ok := g.src.(exec.ProgressReporter)
	if !ok {
		return exec.SourceProgress{}, false
	}
	return pr.Progress(), true
}

// Rate returns the rows per second the source read over the last window
// of at least a second, measured at its barriers (0 before one).
func (g *Source) Rate() float64 { return g.rate.perSecond() }

// barrierPosition is a source's position at the barrier of epoch.
type barrierPosition struct {
	epoch    exec.Epoch
	position string
}

// keptPositions is how many barrier positions a Source keeps.
const keptPositions = 4

// PositionAt returns the source's position at the barrier of epoch, if it
// is one of the last it passed.
func (g *Source) PositionAt(epoch exec.Epoch) (string, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, p := range g.positions {
		if p.epoch == epoch {
			return p.position, true
		}
	}
	return "", false
}

// record applies the policy to a bad record.
func (g *Source) record(r BadRecord) {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch g.policy {
	case DeadLetter:
		r.Raw = append([]byte(nil), r.Raw...)
		g.pending = append(g.pending, r)
	case Fail:
		if g.failure == nil {
			where := fmt.Sprintf("offset %d", r.Offset)
			if r.Partition >= 0 {
				where = fmt.Sprintf("partition %d offset %d", r.Partition, r.Offset)
			}
			g.failure = sqlstate.Errorf(sqlstate.InvalidTextRepresentation, "malformed record at %s: %s", where, r.Err).
				WithHint("The stream has on.error = 'fail'; use 'skip' or 'dlq' to go on past bad records.")
		}
	}
}

// Open restores the dead-letter sequence, then opens the source.
func (g *Source) Open(ctx context.Context, oc exec.OpenContext) error {
	if g.policy == DeadLetter && oc.State != nil {
		v, ok, err := oc.State.Get(g.seqKey())
		if err != nil {
			return err
		}
		if ok && len(v) == 8 {
			g.seq = binary.BigEndian.Uint64(v)
		}
	}
	return g.src.Open(ctx, oc)
}

// Next returns the source's next chunk, or the failure a bad record caused
// under on.error = 'fail'.
func (g *Source) Next(ctx context.Context) (exec.Chunk, error) {
	c, err := g.src.Next(ctx)
	g.mu.Lock()
	failure := g.failure
	g.mu.Unlock()
	if failure != nil {
		if err == nil {
			c.Release()
		}
		return exec.Chunk{}, failure
	}
	return c, err
}

// OnBarrier records the source's position and the epoch's dead letters.
func (g *Source) OnBarrier(ctx context.Context, b exec.Barrier, w exec.StateWriter) error {
	if err := g.src.OnBarrier(ctx, b, w); err != nil {
		return err
	}
	p, hasProgress := g.Progress()
	if hasProgress {
		g.rate.observe(time.Now(), p.Rows)
	}
	g.mu.Lock()
	if hasProgress {
		if len(g.positions) == keptPositions {
			g.positions = append(g.positions[:0], g.positions[1:]...)
		}
		g.positions = append(g.positions, barrierPosition{epoch: b.Epoch, position: p.Position})
	}
	pending := g.pending
	g.pending = nil
	g.mu.Unlock()
	if len(pending) == 0 {
		return nil
	}
	for _, r := range pending {
		if err := w.Set(deadLetterKey(g.prefix, g.seq), encodeBadRecord(r)); err != nil {
			return err
		}
		g.seq++
	}
	return w.Set(g.seqKey(), binary.BigEndian.AppendUint64(nil, g.seq))
}

// Close closes the source.
func (g *Source) Close() error { return g.src.Close() }

// RowSplits returns the split of each row of the chunk Next returned last,
// when the source reads in splits (exec.SplitSource), else nil.
func (g *Source) RowSplits() []int32 {
	if ss, ok := g.src.(exec.SplitSource); ok {
		return ss.RowSplits()
	}
	return nil
}

// Splits returns the splits the source reads now (exec.SplitSource); nil
// for a source that does not read in splits.
func (g *Source) Splits() []int32 {
	if ss, ok := g.src.(exec.SplitSource); ok {
		return ss.Splits()
	}
	return nil
}

// seqKey is the state key of the next dead letter's sequence number.
func (g *Source) seqKey() []byte {
	return append(append([]byte(nil), g.prefix...), deadLetterSeqKey...)
}
