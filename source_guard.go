package weir

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// errorPolicy is what a source does with a record it cannot decode (the
// on.error option of CREATE STREAM).
type errorPolicy uint8

const (
	// skipBadRecords counts and logs the record and goes on (the default).
	skipBadRecords errorPolicy = iota
	// deadLetterBadRecords also keeps the record in the dead-letter table
	// weir_dead_letters, written with the epoch it was read in.
	deadLetterBadRecords
	// failOnBadRecords stops the job with an error naming the record.
	failOnBadRecords
)

// parseErrorPolicy reads on.error from a stream's options.
func parseErrorPolicy(opts map[string]string) (errorPolicy, error) {
	switch v := strings.ToLower(opts["on.error"]); v {
	case "", "skip":
		return skipBadRecords, nil
	case "dlq":
		return deadLetterBadRecords, nil
	case "fail":
		return failOnBadRecords, nil
	default:
		return 0, sqlstate.Errorf(sqlstate.InvalidParameterValue, "option on.error must be 'skip', 'dlq' or 'fail', not %q", v)
	}
}

// badRecord is a record a source could not decode. Partition is -1 for
// sources without partitions; Offset is the connector's position of the
// record (a byte offset in a file, the offset in a Kafka partition).
type badRecord struct {
	Partition int32
	Offset    int64
	Raw       []byte
	Err       string
	At        time.Time
}

// guardedSource wraps a stream's source with its error policy: bad records
// the source reports (through the sink the engine gave it) are counted,
// kept for the dead-letter table, or end the job. Dead letters are written
// into the source's state at each barrier, in the same commit as its
// position, so a replayed epoch neither loses nor repeats them.
type guardedSource struct {
	exec.Source
	name   string // the stream's name
	policy errorPolicy
	prefix []byte // state keys of dead letters: prefix | seq (8 bytes)

	rate rateMeter // rows per second, fed at each barrier

	mu sync.Mutex
	// positions are the source's positions at its last barriers, oldest
	// first, for the checkpoint manifests (a checkpoint of epoch E is
	// taken after the source has gone past barrier E).
	positions []barrierPosition
	pending   []badRecord
	failure   error
	seq       uint64
}

// Name names the source in errors: the stream it reads.
func (g *guardedSource) Name() string { return g.name }

// progress returns the wrapped source's progress, if it reports any.
func (g *guardedSource) progress() (exec.SourceProgress, bool) {
	pr, ok := g.Source.(exec.ProgressReporter)
	if !ok {
		return exec.SourceProgress{}, false
	}
	return pr.Progress(), true
}

// barrierPosition is a source's position at the barrier of epoch.
type barrierPosition struct {
	epoch    exec.Epoch
	position string
}

// keptPositions is how many barrier positions a guardedSource keeps.
const keptPositions = 4

// positionAt returns the source's position at the barrier of epoch, if it
// is one of the last it passed.
func (g *guardedSource) positionAt(epoch exec.Epoch) (string, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, p := range g.positions {
		if p.epoch == epoch {
			return p.position, true
		}
	}
	return "", false
}

// deadLetterSeqKey holds the next sequence number under prefix.
var deadLetterSeqKey = []byte("seq")

func (g *guardedSource) record(r badRecord) {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch g.policy {
	case deadLetterBadRecords:
		r.Raw = append([]byte(nil), r.Raw...)
		g.pending = append(g.pending, r)
	case failOnBadRecords:
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
func (g *guardedSource) Open(ctx context.Context, oc exec.OpenContext) error {
	if g.policy == deadLetterBadRecords && oc.State != nil {
		v, ok, err := oc.State.Get(append(append([]byte(nil), g.prefix...), deadLetterSeqKey...))
		if err != nil {
			return err
		}
		if ok && len(v) == 8 {
			g.seq = binary.BigEndian.Uint64(v)
		}
	}
	return g.Source.Open(ctx, oc)
}

// Next returns the source's next chunk, or the failure a bad record caused
// under on.error = 'fail'.
func (g *guardedSource) Next(ctx context.Context) (exec.Chunk, error) {
	c, err := g.Source.Next(ctx)
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
func (g *guardedSource) OnBarrier(ctx context.Context, b exec.Barrier, w exec.StateWriter) error {
	if err := g.Source.OnBarrier(ctx, b, w); err != nil {
		return err
	}
	p, hasProgress := g.progress()
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
		key := binary.BigEndian.AppendUint64(append([]byte(nil), g.prefix...), g.seq)
		if err := w.Set(key, encodeBadRecord(r)); err != nil {
			return err
		}
		g.seq++
	}
	return w.Set(append(append([]byte(nil), g.prefix...), deadLetterSeqKey...), binary.BigEndian.AppendUint64(nil, g.seq))
}

// encodeBadRecord is the state value of a dead letter: partition (4 bytes),
// offset (8), time in µs (8), error length (4) and error, then the raw bytes.
func encodeBadRecord(r badRecord) []byte {
	v := make([]byte, 0, 24+len(r.Err)+len(r.Raw))
	v = binary.BigEndian.AppendUint32(v, uint32(r.Partition))
	v = binary.BigEndian.AppendUint64(v, uint64(r.Offset))
	v = binary.BigEndian.AppendUint64(v, uint64(r.At.UnixMicro()))
	v = binary.BigEndian.AppendUint32(v, uint32(len(r.Err)))
	v = append(v, r.Err...)
	return append(v, r.Raw...)
}

// decodeBadRecord reverses encodeBadRecord.
func decodeBadRecord(v []byte) (badRecord, error) {
	if len(v) < 24 {
		return badRecord{}, fmt.Errorf("dead letter of %d bytes is too short", len(v))
	}
	r := badRecord{
		Partition: int32(binary.BigEndian.Uint32(v)),
		Offset:    int64(binary.BigEndian.Uint64(v[4:])),
		At:        time.UnixMicro(int64(binary.BigEndian.Uint64(v[12:]))).UTC(),
	}
	n := int(binary.BigEndian.Uint32(v[20:]))
	if len(v) < 24+n {
		return badRecord{}, fmt.Errorf("dead letter error of %d bytes overruns its record", n)
	}
	r.Err = string(v[24 : 24+n])
	r.Raw = v[24+n:]
	return r, nil
}
