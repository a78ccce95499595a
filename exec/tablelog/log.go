// Package tablelog is the engine's side of the write-ahead log of the
// writes to tables (statestore/dmllog is the file format), so that a write
// is durable with one fsync, shared by the writers of the moment, instead
// of a whole checkpoint:
//
//   - A statement (or a transaction's COMMIT) applies its changes inside
//     the tables' fragments, appends them to the Log as one record
//     (Changes per table: Encode, EncodeRecord), and notes the record's LSN
//     in each table's Position. It is answered once the record is synced
//     (Sync) and the epoch holding the changes is committed.
//   - At every barrier each table's Marker writes the LSN of the last
//     record its state holds into the state, in the same commit; at the
//     engine's commit, Committed notes which records the epoch holds. So
//     every checkpoint says, per table, where the log goes on for it.
//   - After a crash, the newest checkpoint is restored and Replay hands the
//     engine the records above each table's LSN before the engine serves
//     anyone.
//   - Once a checkpoint is durable (Truncate), the segments every retained
//     checkpoint holds are deleted.
//
// The package knows tables only by their state table ids and LSNs; the
// engine applies the replayed changes to its tables. A nil *Log is an
// engine without a log (no checkpoints: a crash loses the tables either
// way): it appends nothing and every LSN it returns is 0.
// docs/format/table-log.md describes the files and records.
package tablelog

import (
	"encoding/binary"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/statestore"
	"github.com/weir-stream/weir/statestore/dmllog"
)

// Dir is the log's directory under the data directory.
const Dir = "table-log"

// Options configure a Log.
type Options struct {
	// SetAside renames the log of earlier runs aside instead of opening it:
	// an explicit restore of an older checkpoint (--restore-from) wants the
	// state of that checkpoint, not the writes after it. The renamed log is
	// kept.
	SetAside bool
	// Retained is how many durable checkpoints are kept (at least one): a
	// recovery may fall back to the oldest, so the log keeps what it lacks.
	Retained int
	// Logger gets the log's warnings and the replay's progress.
	Logger *slog.Logger
}

// Log is the write-ahead log of the writes to tables, with what the engine
// knows of it: the records no committed epoch holds yet, and which records
// the retained checkpoints hold.
type Log struct {
	log      *dmllog.Log
	retained int
	logger   *slog.Logger

	mu sync.Mutex
	// pending are the records appended and not yet held by a committed
	// epoch, in LSN order.
	pending []pendingRecord
	// coveredAt maps a committed epoch to the highest LSN below which every
	// record is held by that epoch's state.
	coveredAt map[exec.Epoch]uint64
	covered   uint64
	// durable are the covered LSNs of the last durable checkpoints, oldest
	// first, as many as are retained.
	durable []uint64
}

// pendingRecord is an appended record and the tables it changes.
type pendingRecord struct {
	lsn    uint64
	tables []statestore.TableID
}

// pendingOf is the pending entry of record lsn, which changes parts.
func pendingOf(lsn uint64, parts []Changes) pendingRecord {
	rec := pendingRecord{lsn: lsn}
	for _, p := range parts {
		rec.tables = append(rec.tables, p.Table)
	}
	return rec
}

// coveredKey is the state key of the LSN below which every record of the
// log is held by the state (written at every commit): a replay checks that
// the log still has the records after it.
var coveredKey = statestore.AppendKey(nil, statestore.MetaTable, 0, []byte("table-log-covered"))

// Open opens the log in dataDir's Dir, creating it if need be.
func Open(dataDir string, o Options) (*Log, error) {
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	dir := filepath.Join(dataDir, Dir)
	if o.SetAside {
		aside := fmt.Sprintf("%s.before-restore-%d", dir, time.Now().Unix())
		if err := os.Rename(dir, aside); err != nil && !os.IsNotExist(err) {
			return nil, fmt.Errorf("set the table write log aside: %w", err)
		} else if err == nil {
			logger.Warn("restoring an older checkpoint: the table writes logged after it are not applied; their log is kept", "dir", aside)
		}
	}
	l, err := dmllog.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("open the table write log: %w", err)
	}
	return &Log{log: l, retained: max(o.Retained, 1), logger: logger, coveredAt: map[exec.Epoch]uint64{}}, nil
}

// Append appends the changes of parts as one record and returns its LSN.
// Its caller has applied them to the tables already and notes the LSN in
// their Positions before the next barrier can reach them.
func (l *Log) Append(parts []Changes) (uint64, error) {
	if l == nil {
		return 0, nil
	}
	// The append and the pending entry go together, so pending stays in
	// LSN order.
	l.mu.Lock()
	defer l.mu.Unlock()
	lsn, err := l.log.Append(EncodeRecord(parts))
	if err != nil {
		return 0, err
	}
	l.pending = append(l.pending, pendingOf(lsn, parts))
	return lsn, nil
}

// Err returns the error that stopped the log, if any, as the error of a
// write refused before it is applied.
func (l *Log) Err() error {
	if l == nil {
		return nil
	}
	if err := l.log.Err(); err != nil {
		return sqlstate.Errorf(sqlstate.SystemError, "writes to tables are refused: the table write log failed: %v", err).
			WithHint("Check the disk of the data directory, then restart the server.")
	}
	return nil
}

// Last returns the LSN of the last record of the log: a new table starts
// there, so that no older record (of a dropped table whose id it reuses) is
// ever applied to it.
func (l *Log) Last() uint64 {
	if l == nil {
		return 0
	}
	return l.log.Last()
}

// Sync returns once the record lsn is on disk (at once for 0).
func (l *Log) Sync(lsn uint64) error {
	if l == nil || lsn == 0 {
		return nil
	}
	return l.log.Sync(lsn)
}

// Committed notes which records epoch holds and writes it to w, the
// commit's batch. marked is, per live table, the LSN its Marker wrote for
// epoch (Position.Marked); a record of tables none of which is live any
// more is held. It is called from the engine's commit, when every table
// has written its LSN for epoch and no later barrier has been injected.
func (l *Log) Committed(epoch exec.Epoch, marked map[statestore.TableID]uint64, w exec.StateWriter) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	i := 0
	for ; i < len(l.pending); i++ {
		held := true
		for _, tab := range l.pending[i].tables {
			if m, live := marked[tab]; live && m < l.pending[i].lsn {
				held = false
			}
		}
		if !held {
			break
		}
		l.covered = l.pending[i].lsn
	}
	l.pending = l.pending[i:]
	l.coveredAt[epoch] = l.covered
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], l.covered)
	return w.Set(coveredKey, v[:])
}

// Truncate notes that the checkpoint of epoch is durable and deletes the
// log segments that every retained checkpoint holds.
func (l *Log) Truncate(epoch exec.Epoch) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	covered, ok := l.coveredAt[epoch]
	for ep := range l.coveredAt {
		if ep <= epoch {
			delete(l.coveredAt, ep)
		}
	}
	if ok {
		l.durable = append(l.durable, covered)
		if len(l.durable) > l.retained {
			l.durable = l.durable[len(l.durable)-l.retained:]
		}
	}
	var oldest uint64
	if len(l.durable) > 0 {
		oldest = l.durable[0]
	}
	l.mu.Unlock()
	if !ok || oldest == 0 {
		return nil
	}
	return l.log.Truncate(oldest)
}

// Close syncs and closes the log.
func (l *Log) Close() error {
	if l == nil {
		return nil
	}
	return l.log.Close()
}
