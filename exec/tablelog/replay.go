package tablelog

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/statestore"
)

// Replayed is what a Replay applied: the records that changed at least one
// table, and their rows.
type Replayed struct {
	Records, Rows int
}

// Replay hands apply, in LSN order, the changes of every record to each
// table that lacks them: a table of applied (the live tables, each with the
// LSN its restored state holds, Position.Applied) whose LSN is below the
// record's. Records of tables not in applied (dropped) are skipped. state
// is the restored state: the log must go on right after the LSN it says
// every record below is held (Committed), else the gap is logged as an
// error.
//
// An error from apply fails that table for the rest of the replay (apply
// reports why): its later records are not applied, and every record it
// lacks stays pending, so the log keeps them and the next start fails the
// table again instead of forgetting what it lacks; the other tables go on.
// Replay then makes the next LSN follow every LSN the log or the tables
// have seen. It runs once, after the tables' fragments have opened and
// before any write.
func (l *Log) Replay(state exec.StateReader, applied map[statestore.TableID]uint64, apply func(c Changes, lsn uint64) error) (Replayed, error) {
	var done Replayed
	if l == nil {
		return done, nil
	}
	var highest uint64
	at := make(map[statestore.TableID]uint64, len(applied))
	for t, lsn := range applied {
		at[t] = lsn
		highest = max(highest, lsn)
	}
	if v, ok, err := state.Get(coveredKey); err == nil && ok && len(v) == 8 {
		if covered, first := binary.BigEndian.Uint64(v), l.log.First(); first > covered+1 {
			l.logger.Error("the table write log lacks records the restored checkpoint does not hold: writes acknowledged after it may be missing",
				"checkpoint_holds_up_to", covered, "log_starts_at", first)
		}
	}
	start := time.Now()
	broken := map[statestore.TableID]bool{}
	err := l.log.Replay(func(lsn uint64, payload []byte) error {
		highest = max(highest, lsn)
		parts, err := DecodeRecord(payload)
		if err != nil {
			return fmt.Errorf("record %d: %w", lsn, err)
		}
		changed, keep := false, false
		for _, p := range parts {
			last, live := at[p.Table]
			if !live {
				continue // a dropped table
			}
			if broken[p.Table] {
				keep = true
				continue
			}
			if last >= lsn {
				continue // the table's state holds the record
			}
			if err := apply(p, lsn); err != nil {
				broken[p.Table] = true
				keep = true
				continue
			}
			at[p.Table] = lsn
			changed = true
			done.Rows += len(p.Rows)
		}
		if changed {
			done.Records++
		}
		if changed || keep {
			l.mu.Lock()
			l.pending = append(l.pending, pendingOf(lsn, parts))
			l.mu.Unlock()
		}
		if changed && done.Records%10000 == 0 {
			l.logger.Info("replaying table writes", "records", done.Records, "rows", done.Rows)
		}
		return nil
	})
	if err != nil {
		return done, fmt.Errorf("replay the table write log: %w", err)
	}
	if err := l.log.SetNext(highest + 1); err != nil {
		return done, err
	}
	if done.Records > 0 {
		l.logger.Info("replayed table writes the checkpoint did not hold", "records", done.Records, "rows", done.Rows, "duration", time.Since(start))
	}
	return done, nil
}
