package tablelog

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/statestore"
)

// changesOf is a record's changes to tables, one row each.
func changesOf(tables ...statestore.TableID) []Changes {
	var parts []Changes
	for _, t := range tables {
		parts = append(parts, Changes{Table: t, Ops: []exec.Op{exec.Insert}, Rows: [][]byte{{byte(t)}}})
	}
	return parts
}

func mustOpen(t *testing.T, dir string, o Options) *Log {
	t.Helper()
	l, err := Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func mustAppend(t *testing.T, l *Log, tables ...statestore.TableID) uint64 {
	t.Helper()
	lsn, err := l.Append(changesOf(tables...))
	if err != nil {
		t.Fatal(err)
	}
	return lsn
}

// commit runs Committed for epoch into a fresh store and returns the
// covered LSN it wrote.
func commit(t *testing.T, l *Log, epoch exec.Epoch, marked map[statestore.TableID]uint64) uint64 {
	t.Helper()
	st := exectest.NewStore()
	w := st.NewWriter()
	if err := l.Committed(epoch, marked, w); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	v, ok, err := st.Get(coveredKey)
	if err != nil || !ok || len(v) != 8 {
		t.Fatalf("covered LSN not written: %x %v %v", v, ok, err)
	}
	return binary.BigEndian.Uint64(v)
}

// TestCommittedCoversHeldRecords: an epoch holds a record once every live
// table it changes has marked it; a record of a dropped table is held; the
// covered LSN never passes a record some table lacks.
func TestCommittedCoversHeldRecords(t *testing.T) {
	l := mustOpen(t, t.TempDir(), Options{})
	for i, tables := range [][]statestore.TableID{{1}, {2}, {1}, {1, 2}} {
		if lsn := mustAppend(t, l, tables...); lsn != uint64(i+1) {
			t.Fatalf("record %d has LSN %d", i+1, lsn)
		}
	}
	steps := []struct {
		marked map[statestore.TableID]uint64
		want   uint64
	}{
		{map[statestore.TableID]uint64{1: 0, 2: 0}, 0},
		{map[statestore.TableID]uint64{1: 3, 2: 0}, 1}, // record 2 (table 2) is not held
		{map[statestore.TableID]uint64{1: 3, 2: 2}, 3}, // record 4 (both) lacks table 1
		{map[statestore.TableID]uint64{1: 4, 2: 2}, 3}, // ... and now table 2
		{map[statestore.TableID]uint64{1: 4}, 4},       // table 2 was dropped
	}
	for i, s := range steps {
		if got := commit(t, l, exec.Epoch(i+1), s.marked); got != s.want {
			t.Fatalf("epoch %d, marked %v: covered %d, want %d", i+1, s.marked, got, s.want)
		}
	}
}

// TestTruncateKeepsWhatRetainedCheckpointsLack: a durable checkpoint lets
// the log delete the segments every retained checkpoint holds, and no
// more; an epoch already truncated deletes nothing more.
func TestTruncateKeepsWhatRetainedCheckpointsLack(t *testing.T) {
	l := mustOpen(t, t.TempDir(), Options{Retained: 2})
	mustAppend(t, l, 1)
	commit(t, l, 1, map[statestore.TableID]uint64{1: 1})
	if err := l.Truncate(1); err != nil {
		t.Fatal(err)
	}
	if first := l.log.First(); first != 0 {
		t.Fatalf("record 1 is held by the only durable checkpoint, yet the log starts at %d", first)
	}

	mustAppend(t, l, 1)
	commit(t, l, 2, map[statestore.TableID]uint64{1: 2})
	if err := l.Truncate(2); err != nil {
		t.Fatal(err)
	}
	// Epoch 1's checkpoint, still retained, lacks record 2.
	if first := l.log.First(); first != 2 {
		t.Fatalf("the log starts at %d, want 2 (the older retained checkpoint lacks it)", first)
	}
	commit(t, l, 3, map[statestore.TableID]uint64{1: 2})
	if err := l.Truncate(3); err != nil {
		t.Fatal(err)
	}
	if first := l.log.First(); first != 0 {
		t.Fatalf("the log starts at %d, yet both retained checkpoints hold record 2", first)
	}
	mustAppend(t, l, 1)
	if err := l.Truncate(2); err != nil { // truncated already
		t.Fatal(err)
	}
	if first := l.log.First(); first != 3 {
		t.Fatalf("truncating an old epoch again moved the log's start to %d, want 3", first)
	}
}

// applyCall is one call of Replay's apply.
type applyCall struct {
	table statestore.TableID
	lsn   uint64
}

// replayed runs l's Replay, failing apply for the calls in fail, and
// returns the calls and what Replay reports.
func replayed(t *testing.T, l *Log, state exec.StateReader, applied map[statestore.TableID]uint64, fail ...applyCall) ([]applyCall, Replayed) {
	t.Helper()
	var calls []applyCall
	done, err := l.Replay(state, applied, func(c Changes, lsn uint64) error {
		call := applyCall{c.Table, lsn}
		calls = append(calls, call)
		if len(c.Rows) != 1 || c.Rows[0][0] != byte(c.Table) {
			t.Fatalf("record %d for table %d: rows %x", lsn, c.Table, c.Rows)
		}
		if slices.Contains(fail, call) {
			return errors.New("duplicate key")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return calls, done
}

// TestReplayAppliesWhatEachTableLacks: after a crash, each live table gets
// the records above its LSN in order; dropped tables and records the state
// holds are skipped; a table whose record fails gets nothing more and its
// records stay in the log; appends go on after every LSN seen.
func TestReplayAppliesWhatEachTableLacks(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tables := range [][]statestore.TableID{{1}, {1, 2}, {2}, {3}, {1}, {2}} {
		mustAppend(t, l, tables...)
	}
	l.Close()

	state := exectest.NewStore()
	l = mustOpen(t, dir, Options{})
	calls, done := replayed(t, l, state, map[statestore.TableID]uint64{1: 1, 2: 0})
	want := []applyCall{{1, 2}, {2, 2}, {2, 3}, {1, 5}, {2, 6}}
	if !slices.Equal(calls, want) {
		t.Fatalf("applied %v, want %v", calls, want)
	}
	if done != (Replayed{Records: 4, Rows: 5}) {
		t.Fatalf("replayed %+v, want 4 records of 5 rows", done)
	}
	if lsn := mustAppend(t, l, 1); lsn != 7 {
		t.Fatalf("the first append after the replay has LSN %d, want 7", lsn)
	}
	l.Close()

	// Table 2 fails at record 2: its records 3 and 6 are not applied, and
	// the records it lacks stay pending, so no epoch covers them while it
	// lives.
	l = mustOpen(t, dir, Options{})
	calls, done = replayed(t, l, state, map[statestore.TableID]uint64{1: 1, 2: 0}, applyCall{2, 2})
	want = []applyCall{{1, 2}, {2, 2}, {1, 5}, {1, 7}}
	if !slices.Equal(calls, want) {
		t.Fatalf("applied %v, want %v", calls, want)
	}
	if done != (Replayed{Records: 3, Rows: 3}) {
		t.Fatalf("replayed %+v, want 3 records of 3 rows", done)
	}
	if covered := commit(t, l, 1, map[statestore.TableID]uint64{1: 7, 2: 0}); covered != 0 {
		t.Fatalf("covered %d with table 2 failed at record 2, want 0", covered)
	}
	if covered := commit(t, l, 2, map[statestore.TableID]uint64{1: 7}); covered != 7 {
		t.Fatalf("covered %d once table 2 is dropped, want 7", covered)
	}
	l.Close()

	// A table whose state holds LSNs the log never reached (its segments
	// deleted, the log emptied) makes the next LSN follow them.
	empty := t.TempDir()
	l = mustOpen(t, empty, Options{})
	if calls, _ := replayed(t, l, state, map[statestore.TableID]uint64{1: 41}); len(calls) != 0 {
		t.Fatalf("applied %v from an empty log", calls)
	}
	if lsn := mustAppend(t, l, 1); lsn != 42 {
		t.Fatalf("the first append after the replay has LSN %d, want 42", lsn)
	}
}

// TestReplayReportsAGap: when the log starts after the LSN the restored
// state says it holds every record below, the records between are lost:
// the replay says so in the log.
func TestReplayReportsAGap(t *testing.T) {
	dir := t.TempDir()
	l := mustOpen(t, dir, Options{})
	for i := 0; i < 3; i++ {
		mustAppend(t, l, 1)
	}
	commit(t, l, 1, map[statestore.TableID]uint64{1: 2})
	if err := l.Truncate(1); err != nil {
		t.Fatal(err)
	}
	mustAppend(t, l, 1)
	commit(t, l, 2, map[statestore.TableID]uint64{1: 4})
	if err := l.Truncate(2); err != nil {
		t.Fatal(err)
	}
	mustAppend(t, l, 1)
	l.Close()

	var logged bytes.Buffer
	l = mustOpen(t, dir, Options{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	state := exectest.NewStore()
	w := state.NewWriter()
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], 1) // a checkpoint holding record 1 only
	w.Set(coveredKey, v[:])
	w.Commit()
	replayed(t, l, state, map[statestore.TableID]uint64{1: 1})
	if !strings.Contains(logged.String(), "lacks records the restored checkpoint does not hold") || !strings.Contains(logged.String(), "log_starts_at=5") {
		t.Fatalf("no gap reported; log:\n%s", logged.String())
	}

	logged.Reset()
	binary.BigEndian.PutUint64(v[:], 4)
	w = state.NewWriter()
	w.Set(coveredKey, v[:])
	w.Commit()
	l.Close()
	l = mustOpen(t, dir, Options{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	replayed(t, l, state, map[statestore.TableID]uint64{1: 4})
	if strings.Contains(logged.String(), "lacks records") {
		t.Fatalf("a gap reported where there is none:\n%s", logged.String())
	}
}

// TestOpenSetsTheLogAside: with SetAside the earlier log is renamed and
// kept, and the new one starts empty.
func TestOpenSetsTheLogAside(t *testing.T) {
	dir := t.TempDir()
	l := mustOpen(t, dir, Options{})
	mustAppend(t, l, 1)
	l.Close()
	l = mustOpen(t, dir, Options{SetAside: true})
	if first := l.log.First(); first != 0 {
		t.Fatalf("the set-aside log still has records from %d", first)
	}
	aside, _ := filepath.Glob(filepath.Join(dir, Dir+".before-restore-*"))
	if len(aside) != 1 {
		t.Fatalf("set-aside directories: %v", aside)
	}
	if segs, _ := filepath.Glob(filepath.Join(aside[0], "*.log")); len(segs) == 0 {
		t.Fatalf("the set-aside log lost its segments")
	}
}

// TestErrRefusesWrites: once the log has failed, Err is the error a write
// is refused with.
func TestErrRefusesWrites(t *testing.T) {
	l := mustOpen(t, t.TempDir(), Options{})
	if err := l.Err(); err != nil {
		t.Fatal(err)
	}
	l.Close()
	err := l.Err()
	if sqlstate.From(err).Code != sqlstate.SystemError || !strings.Contains(err.Error(), "writes to tables are refused") {
		t.Fatalf("Err after Close: %v (%s)", err, sqlstate.From(err).Code)
	}
}

// TestNilLog: an engine without a log appends nothing and waits for
// nothing.
func TestNilLog(t *testing.T) {
	var l *Log
	if lsn, err := l.Append(changesOf(1)); lsn != 0 || err != nil {
		t.Fatalf("Append: %d, %v", lsn, err)
	}
	done, err := l.Replay(exectest.NewStore(), nil, func(Changes, uint64) error { return errors.New("called") })
	for _, err := range []error{l.Err(), l.Sync(1), l.Committed(1, nil, nil), l.Truncate(1), l.Close(), err} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if l.Last() != 0 || done != (Replayed{}) {
		t.Fatalf("Last %d, Replay %+v", l.Last(), done)
	}
}

// TestMarker: the marker loads a table's LSN from its state, writes it at
// a barrier only when it changed, and passes chunks on.
func TestMarker(t *testing.T) {
	ctx := context.Background()
	st := exectest.NewStore()
	w := st.NewWriter()
	w.Set(lsnKey(5), binary.BigEndian.AppendUint64(nil, 7))
	w.Set(lsnKey(6), []byte{1, 2})
	w.Commit()

	var pos Position
	m := NewMarker("t", 5, &pos)
	if err := m.Open(ctx, exec.OpenContext{State: st}); err != nil {
		t.Fatal(err)
	}
	if pos.Applied() != 7 || pos.Marked() != 7 {
		t.Fatalf("opened at applied %d, marked %d; want 7", pos.Applied(), pos.Marked())
	}
	barrier := func() exectest.WriteStats {
		w := st.NewWriter()
		if err := m.OnBarrier(ctx, exec.Barrier{}, w, nil); err != nil {
			t.Fatal(err)
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
		return w.(*exectest.Writer).Stats
	}
	if s := barrier(); s.Sets != 0 {
		t.Fatalf("an unchanged LSN was written: %v", s)
	}
	pos.SetApplied(9)
	if s := barrier(); s.Sets != 1 || pos.Marked() != 9 {
		t.Fatalf("after SetApplied(9): %v, marked %d", s, pos.Marked())
	}
	if v, _, _ := st.Get(lsnKey(5)); binary.BigEndian.Uint64(v) != 9 {
		t.Fatalf("state holds %x, want LSN 9", v)
	}

	var out exectest.Collector
	c := exectest.MustChunk(t, nil, schema, "+ | 1 | one")
	if err := m.ProcessChunk(ctx, 0, c, &out); err != nil {
		t.Fatal(err)
	}
	c.Release()
	if got := out.Take(); got != "+ | 1 | one\n" {
		t.Fatalf("passed on %q", got)
	}

	bad := NewMarker("broken", 6, &Position{})
	if err := bad.Open(ctx, exec.OpenContext{State: st}); err == nil || !strings.Contains(err.Error(), "table broken: bad log position") {
		t.Fatalf("Open over a bad position: %v", err)
	}
	fresh := NewMarker("new", 8, &Position{})
	if err := fresh.Open(ctx, exec.OpenContext{State: st}); err != nil {
		t.Fatal(fmt.Errorf("a table without a position: %w", err))
	}
}
