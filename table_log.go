package weir

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/statestore"
	"github.com/weir-stream/weir/statestore/dmllog"
)

// The writes to tables go through a write-ahead log (statestore/dmllog) in
// the data directory, so that a write is durable with one fsync, shared by
// the writers of the moment, instead of a whole checkpoint:
//
//   - A statement (or a transaction's COMMIT) applies its changes inside the
//     tables' fragments, appends them to the log as one record, and notes the
//     record's LSN in each table's job (tableLog.applied). It is answered
//     once the record is synced (synchronous_commit on) and the epoch holding
//     the changes is committed (visible).
//   - At every barrier each table's lsnMarker writes the LSN of the last
//     record its state holds into the state, in the same commit; so every
//     checkpoint says, per table, where the log goes on for it.
//   - After a crash, the newest checkpoint is restored and the records above
//     each table's LSN are applied again before the engine serves anyone.
//   - Once a checkpoint is durable, the segments it covers are deleted.
//
// Without checkpoints (backend memory, or state_management.enabled false)
// there is no log: a crash loses the tables either way.

// tableLogDir is the log's directory under the data directory.
const tableLogDir = "table-log"

// tableLog is the engine's side of the write-ahead log of table writes.
type tableLog struct {
	log *dmllog.Log

	mu sync.Mutex
	// pending are the records appended and not yet held by a committed
	// epoch, in LSN order.
	pending []pendingRecord
	// coveredAt maps a committed epoch to the highest LSN below which every
	// record is held by that epoch's state.
	coveredAt map[exec.Epoch]uint64
	covered   uint64
	// retained are the covered LSNs of the last durable checkpoints, oldest
	// first, as many as are retained: a recovery may fall back to the
	// oldest, so the log keeps what it lacks.
	retained []uint64
}

// coveredKey is the state key of the LSN below which every record of the
// log is held by the state (written at every commit): recovery checks that
// the log still has the records after it.
var coveredKey = statestore.AppendKey(nil, statestore.MetaTable, 0, []byte("table-log-covered"))

// pendingRecord is an appended record and the tables it changes.
type pendingRecord struct {
	lsn    uint64
	tables []statestore.TableID
}

// lsnKey is the state key where a table's last applied LSN is kept.
func lsnKey(table statestore.TableID) []byte {
	var id [4]byte
	binary.BigEndian.PutUint32(id[:], uint32(table))
	return statestore.AppendKey(nil, statestore.MetaTable, 0, append([]byte("table-lsn/"), id[:]...))
}

// lsnMarker is the first operator of a table's fragment: it passes the
// chunks on, and at every barrier writes the LSN of the last log record
// applied to the table (its job's applied), so a checkpoint knows which
// records its state holds. It loads that LSN when the fragment opens.
type lsnMarker struct {
	j   *job
	key []byte
}

// Open loads the table's last applied LSN from the restored state.
func (m *lsnMarker) Open(_ context.Context, oc exec.OpenContext) error {
	v, ok, err := oc.State.Get(m.key)
	if err != nil || !ok {
		return err
	}
	if len(v) != 8 {
		return fmt.Errorf("table %s: bad log position in state", m.j.obj.Name)
	}
	lsn := binary.BigEndian.Uint64(v)
	m.j.applied.Store(lsn)
	m.j.marked.Store(lsn)
	return nil
}

// ProcessChunk passes c on.
func (m *lsnMarker) ProcessChunk(ctx context.Context, _ int, c exec.Chunk, out exec.Output) error {
	c.Batch.Retain()
	return out.Push(ctx, c)
}

// OnBarrier writes the last applied LSN.
func (m *lsnMarker) OnBarrier(_ context.Context, _ exec.Barrier, w exec.StateWriter, _ exec.Output) error {
	lsn := m.j.applied.Load()
	if lsn == m.j.marked.Load() {
		return nil
	}
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], lsn)
	m.j.marked.Store(lsn)
	return w.Set(m.key, v[:])
}

// openTableLog opens the log when the engine has checkpoints. With
// --restore-from, the log of the writes after that checkpoint is set aside
// (renamed), as the user asked for the state of that checkpoint.
func (e *Engine) openTableLog() error {
	if e.cp == nil || e.cfg.Server.DataDir == "" {
		return nil
	}
	dir := filepath.Join(e.cfg.Server.DataDir, tableLogDir)
	if e.cfg.RestoreFrom != 0 {
		aside := fmt.Sprintf("%s.before-restore-%d", dir, time.Now().Unix())
		if err := os.Rename(dir, aside); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("set the table write log aside: %w", err)
		} else if err == nil {
			e.log.Warn("restoring an older checkpoint: the table writes logged after it are not applied; their log is kept", "dir", aside)
		}
	}
	l, err := dmllog.Open(dir)
	if err != nil {
		return fmt.Errorf("open the table write log: %w", err)
	}
	e.tlog = &tableLog{log: l, coveredAt: map[exec.Epoch]uint64{}}
	return nil
}

// tableChanges is what one record says of one table: its changes as
// encoded rows (statestore.AppendRow of every column) with their ops.
type tableChanges struct {
	table statestore.TableID
	ops   []exec.Op
	rows  [][]byte
}

// encodeChanges encodes the chunks of o's changes for the log.
func encodeChanges(o *catalog.Object, chunks []exec.Chunk) tableChanges {
	tc := tableChanges{table: o.RowTable()}
	rt := o.FullSchema().Types()
	for _, c := range chunks {
		for i := 0; i < c.NumRows(); i++ {
			tc.ops = append(tc.ops, c.OpAt(i))
			tc.rows = append(tc.rows, statestore.AppendRow(nil, rt, c.Batch, nil, i))
		}
	}
	return tc
}

// encodeRecord is a record's payload: per table, its id, its number of
// rows, and per row the op and the encoded row with its length.
func encodeRecord(parts []tableChanges) []byte {
	var b []byte
	b = binary.AppendUvarint(b, uint64(len(parts)))
	for _, p := range parts {
		b = binary.AppendUvarint(b, uint64(p.table))
		b = binary.AppendUvarint(b, uint64(len(p.rows)))
		for i, row := range p.rows {
			b = append(b, byte(p.ops[i]))
			b = binary.AppendUvarint(b, uint64(len(row)))
			b = append(b, row...)
		}
	}
	return b
}

// errBadRecord is returned for a payload that does not decode.
var errBadRecord = errors.New("table write log: malformed record")

// decodeRecord reverses encodeRecord.
func decodeRecord(b []byte) ([]tableChanges, error) {
	uv := func() (uint64, error) {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, errBadRecord
		}
		b = b[n:]
		return v, nil
	}
	n, err := uv()
	if err != nil {
		return nil, err
	}
	var parts []tableChanges
	for ; n > 0; n-- {
		id, err := uv()
		if err != nil {
			return nil, err
		}
		rows, err := uv()
		if err != nil || rows > uint64(len(b)) {
			return nil, errBadRecord
		}
		p := tableChanges{table: statestore.TableID(id)}
		for ; rows > 0; rows-- {
			if len(b) == 0 {
				return nil, errBadRecord
			}
			op := exec.Op(b[0])
			b = b[1:]
			l, err := uv()
			if err != nil || l > uint64(len(b)) {
				return nil, errBadRecord
			}
			p.ops = append(p.ops, op)
			p.rows = append(p.rows, b[:l:l])
			b = b[l:]
		}
		parts = append(parts, p)
	}
	return parts, nil
}

// logWrite appends the changes of parts as one record and returns its LSN
// (0 without a log). Its caller has applied them to the tables already and
// stores the LSN in their jobs before the next barrier can reach them.
func (e *Engine) logWrite(parts []tableChanges) (uint64, error) {
	if e.tlog == nil {
		return 0, nil
	}
	// The append and the pending entry go together, so pending stays in
	// LSN order.
	e.tlog.mu.Lock()
	defer e.tlog.mu.Unlock()
	lsn, err := e.tlog.log.Append(encodeRecord(parts))
	if err != nil {
		return 0, err
	}
	e.tlog.pending = append(e.tlog.pending, pendingOf(lsn, parts))
	return lsn, nil
}

// pendingOf is the pending entry of record lsn, which changes parts.
func pendingOf(lsn uint64, parts []tableChanges) pendingRecord {
	rec := pendingRecord{lsn: lsn}
	for _, p := range parts {
		rec.tables = append(rec.tables, p.table)
	}
	return rec
}

// tableLogErr returns the error that stopped the log, if any: writes are
// refused before they are applied while the log cannot take them.
func (e *Engine) tableLogErr() error {
	if e.tlog == nil {
		return nil
	}
	if err := e.tlog.log.Err(); err != nil {
		return sqlstate.Errorf(sqlstate.SystemError, "writes to tables are refused: the table write log failed: %v", err).
			WithHint("Check the disk of the data directory, then restart the server.")
	}
	return nil
}

// lastLSN returns the LSN of the last record of the log (0 without a log):
// a new table starts there, so that no older record (of a dropped table
// whose id it reuses) is ever applied to it.
func (e *Engine) lastLSN() uint64 {
	if e.tlog == nil {
		return 0
	}
	return e.tlog.log.Last()
}

// syncWrite returns once the record lsn is on disk.
func (e *Engine) syncWrite(lsn uint64) error {
	if e.tlog == nil || lsn == 0 {
		return nil
	}
	return e.tlog.log.Sync(lsn)
}

// noteCommitted records which log records epoch holds, and writes it to w,
// the commit's batch: called from the coordinator's commit, when every table
// has written its LSN for epoch and no later barrier has been injected.
func (e *Engine) noteCommitted(epoch exec.Epoch, w exec.StateWriter) error {
	if e.tlog == nil {
		return nil
	}
	marked := map[statestore.TableID]uint64{}
	for _, j := range e.jobs.List() {
		if j.obj.Kind == catalog.Table {
			marked[j.obj.RowTable()] = j.marked.Load()
		}
	}
	t := e.tlog
	t.mu.Lock()
	defer t.mu.Unlock()
	i := 0
	for ; i < len(t.pending); i++ {
		held := true
		for _, tab := range t.pending[i].tables {
			if m, live := marked[tab]; live && m < t.pending[i].lsn {
				held = false
			}
		}
		if !held {
			break
		}
		t.covered = t.pending[i].lsn
	}
	t.pending = t.pending[i:]
	t.coveredAt[epoch] = t.covered
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], t.covered)
	return w.Set(coveredKey, v[:])
}

// truncateTableLog notes that the checkpoint of epoch is durable and
// deletes the log segments that every retained checkpoint holds.
func (e *Engine) truncateTableLog(epoch uint64) {
	t := e.tlog
	if t == nil {
		return
	}
	t.mu.Lock()
	covered, ok := t.coveredAt[exec.Epoch(epoch)]
	for ep := range t.coveredAt {
		if uint64(ep) <= epoch {
			delete(t.coveredAt, ep)
		}
	}
	if ok {
		t.retained = append(t.retained, covered)
		if n := max(e.cfg.State.RetainedCheckpoints, 1); len(t.retained) > n {
			t.retained = t.retained[len(t.retained)-n:]
		}
	}
	var oldest uint64
	if len(t.retained) > 0 {
		oldest = t.retained[0]
	}
	t.mu.Unlock()
	if !ok || oldest == 0 {
		return
	}
	if err := t.log.Truncate(oldest); err != nil {
		e.log.Warn("could not delete table write log segments", "err", err)
	}
}

// replayTableLog applies the log records that the restored state does not
// hold (each table's LSN says where it stopped), then waits until a
// checkpoint holds them. It runs once the jobs have started, before the
// engine serves anyone. An explicit restore of an older checkpoint
// (--restore-from) does not replay: the log is set aside instead, as the
// user asked for the state of that checkpoint.
func (e *Engine) replayTableLog(ctx context.Context) error {
	t := e.tlog
	if t == nil {
		return nil
	}
	byTable := map[statestore.TableID]*job{}
	for _, j := range e.jobs.List() {
		if j.obj.Kind == catalog.Table {
			byTable[j.obj.RowTable()] = j
		}
	}
	// A table's LSN is loaded when its fragment opens its operators, in the
	// fragment's goroutine: an empty Do waits for that.
	var highest uint64
	for _, j := range byTable {
		if err := j.Output().Do(ctx, func(context.Context, exec.Output) error { return nil }); err != nil {
			return fmt.Errorf("table %s: %w", j.obj.Name, err)
		}
		highest = max(highest, j.applied.Load())
	}
	if v, ok, err := e.store.Get(coveredKey); err == nil && ok && len(v) == 8 {
		// The log must go on right after what the state holds.
		if covered, first := binary.BigEndian.Uint64(v), t.log.First(); first > covered+1 {
			e.log.Error("the table write log lacks records the restored checkpoint does not hold: writes acknowledged after it may be missing",
				"checkpoint_holds_up_to", covered, "log_starts_at", first)
		}
	}
	start := time.Now()
	var records, rows int
	// A record that cannot be applied to a table fails that table (queries
	// and writes of it, and of the views over it, say why) and the
	// table's later records are not applied; the others go on, and the
	// server starts.
	broken := map[statestore.TableID]bool{}
	err := t.log.Replay(func(lsn uint64, payload []byte) error {
		highest = max(highest, lsn)
		parts, err := decodeRecord(payload)
		if err != nil {
			return fmt.Errorf("record %d: %w", lsn, err)
		}
		applied, keep := false, false
		for _, p := range parts {
			j := byTable[p.table]
			if j != nil && broken[p.table] {
				// Not applied, and kept in the log (it stays pending while
				// the table is failed), so that the next start fails the
				// table again instead of forgetting what it lacks.
				keep = true
				continue
			}
			if j == nil || j.applied.Load() >= lsn {
				continue // a dropped table, or one whose state holds the record
			}
			if err := e.replayChanges(ctx, j, p, lsn); err != nil {
				broken[p.table] = true
				e.log.Error("a logged write could not be applied again: the table is marked failed", "table", j.obj.Name, "record", lsn, "err", err)
				e.recordFailure(j.obj, fmt.Errorf("a logged write (record %d of the table write log) could not be applied again after a restart: %w", lsn, err))
				keep = true
				continue
			}
			applied = true
			rows += len(p.rows)
		}
		if applied {
			records++
		}
		if applied || keep {
			t.mu.Lock()
			t.pending = append(t.pending, pendingOf(lsn, parts))
			t.mu.Unlock()
		}
		if applied && records%10000 == 0 {
			e.log.Info("replaying table writes", "records", records, "rows", rows)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("replay the table write log: %w", err)
	}
	if err := t.log.SetNext(highest + 1); err != nil {
		return err
	}
	e.recovery.logRecords, e.recovery.logRows = int64(records), int64(rows)
	if records == 0 {
		return nil
	}
	e.log.Info("replayed table writes the checkpoint did not hold", "records", records, "rows", rows, "duration", time.Since(start))
	return e.durableFlush(ctx)
}

// replayChanges applies p, the changes of log record lsn, to j's table.
func (e *Engine) replayChanges(ctx context.Context, j *job, p tableChanges, lsn uint64) error {
	dec := statestore.NewRowDecoder(e.mem, j.obj.FullSchema())
	defer dec.Release()
	for _, row := range p.rows {
		if err := dec.Append(row); err != nil {
			return err
		}
	}
	batch := dec.NewBatch()
	pushed := false
	err := j.Output().Do(ctx, func(ctx context.Context, in exec.Output) error {
		pushed = true
		if err := in.Push(ctx, exec.Chunk{Batch: batch, Ops: p.ops}); err != nil {
			return err
		}
		j.applied.Store(lsn)
		return nil
	})
	if !pushed {
		batch.Release()
	}
	return err
}

// closeTableLog syncs and closes the log.
func (e *Engine) closeTableLog() error {
	if e.tlog == nil {
		return nil
	}
	return e.tlog.log.Close()
}

// tableLogState are the fields a job of a table has for the log.
type tableLogState struct {
	// applied is the LSN of the last record applied to the table.
	applied atomic.Uint64
	// marked is the LSN the last barrier wrote into the state.
	marked atomic.Uint64
}
