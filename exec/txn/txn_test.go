package txn_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/dml"
	"github.com/weir-stream/weir/exec/tablelog"
	"github.com/weir-stream/weir/exec/txn"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

const kvSchema = "k int4, v int4"

// kv is a table (k INT PRIMARY KEY, v INT) whose rows are state table id.
func kv(name string, id statestore.TableID) *catalog.Object {
	return &catalog.Object{Name: name, Kind: catalog.Table, Columns: []catalog.Column{
		{Name: "k", Type: types.Int32Type, NotNull: true},
		{Name: "v", Type: types.Int32Type},
	}, Key: []int{0}, StateTables: []statestore.TableID{id}}
}

// fakeTable is a running table: its live rows are an overlay over nothing,
// which what is pushed in its Do changes.
type fakeTable struct {
	o    *catalog.Object
	live statestore.Overlay
	w    *txn.Writer // whose lock and epochs Do notes
	// ended makes Do fail as for a fragment that has ended; a panic in fn
	// ends it too.
	ended bool
	// failPush makes push number failPush (from 1) fail.
	failPush int
	pushes   int
	// pushedPaused counts the pushes made with the barriers paused and the
	// writes' lock held exclusively.
	pushedPaused int
	logged       []uint64
}

func newTable(o *catalog.Object, w *txn.Writer) *fakeTable {
	return &fakeTable{o: o, live: statestore.Overlay{Changes: map[string][]byte{}}, w: w}
}

func (t *fakeTable) Object() *catalog.Object { return t.o }
func (t *fakeTable) Live() dml.Table         { return dml.ReaderTable(&t.live, t.o.RowTable()) }
func (t *fakeTable) Logged(lsn uint64)       { t.logged = append(t.logged, lsn) }

func (t *fakeTable) Do(ctx context.Context, fn func(ctx context.Context, in exec.Output) error) (err error) {
	if t.ended {
		return exec.ErrFragmentEnded
	}
	defer func() {
		if r := recover(); r != nil {
			t.ended = true
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return fn(ctx, tableInput{t})
}

// tableInput applies what is pushed to the table's live rows.
type tableInput struct{ t *fakeTable }

func (in tableInput) Push(ctx context.Context, c exec.Chunk) error {
	defer c.Release()
	t := in.t
	t.pushes++
	if t.pushes == t.failPush {
		return errors.New("push failed")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if t.w.Epochs.(*fakeEpochs).paused > 0 {
		if t.w.Lock.TryRLock() {
			t.w.Lock.RUnlock()
		} else {
			t.pushedPaused++
		}
	}
	dml.Stage(t.live.Changes, t.o, c)
	return nil
}

// rows prints the live rows of t.
func (t *fakeTable) rows(tb testing.TB, mem memory.Allocator) string {
	return formatRows(tb, mem, t.o, t.Live())
}

func formatRows(tb testing.TB, mem memory.Allocator, o *catalog.Object, r dml.Table) string {
	batches, err := dml.Rows(mem, o, r)
	if err != nil {
		tb.Fatal(err)
	}
	var lines []string
	for _, b := range batches {
		lines = append(lines, strings.Split(strings.TrimSpace(exectest.FormatChunk(exec.Chunk{Batch: b})), "\n")...)
		b.Release()
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// fakeEpochs counts what a write asks of the epochs.
type fakeEpochs struct {
	paused, pauses, flushes, durable int
	calls                            []string
	flushErr                         error
}

func (e *fakeEpochs) Pause(ctx context.Context) (func(), error) {
	e.paused++
	e.pauses++
	return func() { e.paused-- }, nil
}

func (e *fakeEpochs) Flush(ctx context.Context) (exec.Epoch, error) {
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	e.flushes++
	e.calls = append(e.calls, "flush")
	return exec.Epoch(e.flushes), e.flushErr
}

func (e *fakeEpochs) DurableFlush(ctx context.Context) error {
	e.durable++
	e.calls = append(e.calls, "durable")
	return nil
}

type fixture struct {
	mem *memory.CheckedAllocator
	w   *txn.Writer
	log *tablelog.Log
}

// newFixture returns a writer, with a write log unless noLog.
func newFixture(t *testing.T, noLog bool) *fixture {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	f := &fixture{mem: mem, w: &txn.Writer{Mem: mem, Lock: &sync.RWMutex{}, Epochs: &fakeEpochs{}}}
	if !noLog {
		l, err := tablelog.Open(t.TempDir(), tablelog.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		f.log, f.w.Log = l, l
	}
	return f
}

func (f *fixture) chunk(t *testing.T, rows string) exec.Chunk {
	return exectest.MustChunk(t, f.mem, kvSchema, rows)
}

// records returns the log's records: per LSN, the tables each changes and
// its rows' ops.
func (f *fixture) records(t *testing.T, tables ...*fakeTable) map[uint64]string {
	t.Helper()
	applied := map[statestore.TableID]uint64{}
	for _, tb := range tables {
		applied[tb.o.RowTable()] = 0
	}
	out := map[uint64]string{}
	_, err := f.log.Replay(exectest.NewStore(), applied, func(c tablelog.Changes, lsn uint64) error {
		out[lsn] += fmt.Sprintf("table %d: %d rows %v;", c.Table, len(c.Rows), c.Ops)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func wantCode(t *testing.T, err error, code string) *sqlstate.Error {
	t.Helper()
	var se *sqlstate.Error
	if !errors.As(err, &se) || se.Code != code {
		t.Fatalf("error %v; want SQLSTATE %s", err, code)
	}
	return se
}

// TestWrite: a statement's changes are applied in the table's fragment on
// its live rows, and logged as one record whose LSN the table notes.
func TestWrite(t *testing.T) {
	f := newFixture(t, false)
	tb := newTable(kv("t", 7), f.w)
	ctx := context.Background()
	lsn, err := f.w.Write(ctx, tb, func(ctx context.Context, live dml.Table) ([]exec.Chunk, error) {
		return []exec.Chunk{f.chunk(t, "+ | 1 | 10"), f.chunk(t, "+ | 2 | 20")}, nil
	})
	if err != nil || lsn != 1 {
		t.Fatalf("Write: %d, %v", lsn, err)
	}
	if got := tb.rows(t, f.mem); got != "+ | 1 | 10\n+ | 2 | 20" {
		t.Fatalf("rows:\n%s", got)
	}
	if !slices.Equal(tb.logged, []uint64{1}) {
		t.Fatalf("logged %v", tb.logged)
	}
	// change reads the live rows.
	lsn, err = f.w.Write(ctx, tb, func(ctx context.Context, live dml.Table) ([]exec.Chunk, error) {
		if got := formatRows(t, f.mem, tb.o, live); got != "+ | 1 | 10\n+ | 2 | 20" {
			t.Errorf("change reads:\n%s", got)
		}
		return []exec.Chunk{f.chunk(t, "U- | 1 | 10\nU+ | 1 | 11")}, nil
	})
	if err != nil || lsn != 2 {
		t.Fatalf("Write: %d, %v", lsn, err)
	}
	// A change that fails, or changes nothing, applies and logs nothing.
	for _, fail := range []bool{true, false} {
		lsn, err = f.w.Write(ctx, tb, func(context.Context, dml.Table) ([]exec.Chunk, error) {
			if fail {
				return nil, errors.New("no")
			}
			return nil, nil
		})
		if lsn != 0 || (err != nil) != fail {
			t.Fatalf("Write (fail %v): %d, %v", fail, lsn, err)
		}
	}
	if got := f.records(t, tb); len(got) != 2 || got[1] != "table 7: 2 rows [+ +];" || got[2] != "table 7: 2 rows [U- U+];" {
		t.Fatalf("records %v", got)
	}
	if got := tb.rows(t, f.mem); got != "+ | 1 | 11\n+ | 2 | 20" {
		t.Fatalf("rows:\n%s", got)
	}
}

// TestWritePushFails: when a push fails, what was applied before it is
// logged (a replay must match the state), the rest is released and the
// write fails.
func TestWritePushFails(t *testing.T) {
	f := newFixture(t, false)
	tb := newTable(kv("t", 7), f.w)
	tb.failPush = 2
	_, err := f.w.Write(context.Background(), tb, func(context.Context, dml.Table) ([]exec.Chunk, error) {
		return []exec.Chunk{f.chunk(t, "+ | 1 | 10"), f.chunk(t, "+ | 2 | 20"), f.chunk(t, "+ | 3 | 30")}, nil
	})
	if err == nil || err.Error() != "push failed" {
		t.Fatalf("Write: %v", err)
	}
	if got := f.records(t, tb); len(got) != 1 || got[1] != "table 7: 1 rows [+];" {
		t.Fatalf("records %v", got)
	}
	if !slices.Equal(tb.logged, []uint64{1}) {
		t.Fatalf("logged %v", tb.logged)
	}
}

// TestWriteWithoutLog: without a write log the changes apply, with LSN 0.
func TestWriteWithoutLog(t *testing.T) {
	f := newFixture(t, true)
	tb := newTable(kv("t", 7), f.w)
	lsn, err := f.w.Write(context.Background(), tb, func(context.Context, dml.Table) ([]exec.Chunk, error) {
		return []exec.Chunk{f.chunk(t, "+ | 1 | 10")}, nil
	})
	if err != nil || lsn != 0 || tb.logged != nil {
		t.Fatalf("Write: %d, %v, logged %v", lsn, err, tb.logged)
	}
	if got := tb.rows(t, f.mem); got != "+ | 1 | 10" {
		t.Fatalf("rows:\n%s", got)
	}
}

// TestAwait: a write waits for a durable checkpoint (no log) only with
// synchronous_commit on, for its epoch always, and not for ctx.
func TestAwait(t *testing.T) {
	f := newFixture(t, true)
	ep := f.w.Epochs.(*fakeEpochs)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := f.w.Await(ctx, "INSERT", 0, true); err != nil {
		t.Fatal(err)
	}
	if err := f.w.Await(ctx, "INSERT", 0, false); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(ep.calls, " "); got != "durable flush flush" {
		t.Fatalf("calls %q", got)
	}
	ep.flushErr = errors.New("engine closed")
	if err := f.w.Await(ctx, "UPDATE", 0, false); err == nil || err.Error() != "UPDATE was applied, but it is not visible yet: engine closed" {
		t.Fatalf("Await: %v", err)
	}
}

// block returns a block over a snapshot of tables' live rows (one overlay
// over all of them) and the snapshot's release count.
func block(tables ...*fakeTable) (*txn.Block, *txn.Snapshots, *int) {
	snap := &statestore.Overlay{Changes: map[string][]byte{}}
	for _, tb := range tables {
		maps.Copy(snap.Changes, tb.live.Changes)
	}
	var b txn.Block
	held := &txn.Snapshots{}
	released := new(int)
	b.Start(snap, func() { *released++ }, held)
	return &b, held, released
}

// write writes rows to o in b.
func write(t *testing.T, f *fixture, b *txn.Block, o *catalog.Object, rows string) {
	t.Helper()
	err := b.Write(context.Background(), o, func(ctx context.Context, tbl dml.Table) ([]exec.Chunk, error) {
		return []exec.Chunk{f.chunk(t, rows)}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// finder finds tables by name.
func finder(tables ...*fakeTable) func(*catalog.Object) (txn.Table, bool) {
	return func(o *catalog.Object) (txn.Table, bool) {
		for _, tb := range tables {
			if tb.o.Name == o.Name {
				return tb, true
			}
		}
		return nil, false
	}
}

// TestBlock: a block reads its writes over its snapshot; COMMIT applies
// what its tables end with, and fails when a table it wrote is gone.
func TestBlock(t *testing.T) {
	f := newFixture(t, false)
	a, c := newTable(kv("a", 7), f.w), newTable(kv("c", 9), f.w)
	ctx := context.Background()
	if _, err := f.w.Write(ctx, a, func(context.Context, dml.Table) ([]exec.Chunk, error) {
		return []exec.Chunk{f.chunk(t, "+ | 1 | 10\n+ | 2 | 20")}, nil
	}); err != nil {
		t.Fatal(err)
	}
	b, held, released := block(a, c)
	write(t, f, b, a.o, "- | 1 | 10\n+ | 3 | 30")
	// c is written without a row changed (an UPDATE matching none):
	// nothing to commit to it.
	if err := b.Write(ctx, c.o, func(context.Context, dml.Table) ([]exec.Chunk, error) { return nil, nil }); err != nil {
		t.Fatal(err)
	}
	if got := formatRows(t, f.mem, a.o, dml.ReaderTable(b.Reader(), a.o.RowTable())); got != "+ | 2 | 20\n+ | 3 | 30" {
		t.Fatalf("the block reads:\n%s", got)
	}
	if got := a.rows(t, f.mem); got != "+ | 1 | 10\n+ | 2 | 20" {
		t.Fatalf("the table before COMMIT:\n%s", got)
	}
	// A table the block wrote was dropped.
	_, err := b.Parts(finder(c))
	if se := wantCode(t, err, sqlstate.SerializationFailure); se.Message != `could not serialize access: table "a" was dropped since the transaction began` {
		t.Fatalf("message %q", se.Message)
	}
	parts, err := b.Parts(finder(a, c))
	if err != nil || len(parts) != 1 || parts[0].Table() != a.o {
		t.Fatalf("parts %v, %v", parts, err)
	}
	lsn, err := f.w.Commit(ctx, parts)
	if err != nil || lsn != 2 {
		t.Fatalf("Commit: %d, %v", lsn, err)
	}
	if got := a.rows(t, f.mem); got != "+ | 2 | 20\n+ | 3 | 30" {
		t.Fatalf("the table after COMMIT:\n%s", got)
	}
	if f.w.Epochs.(*fakeEpochs).pauses != 0 {
		t.Fatal("a COMMIT of one table paused the barriers")
	}
	// The snapshot is released once: at End, or at ReleaseAll.
	b.End()
	b.End()
	held.ReleaseAll()
	b2, held2, released2 := block(a)
	held2.ReleaseAll()
	b2.End()
	if *released != 1 || *released2 != 1 {
		t.Fatalf("released %d and %d times", *released, *released2)
	}
	if lsn, err := f.w.Commit(ctx, nil); lsn != 0 || err != nil {
		t.Fatalf("Commit of nothing: %d, %v", lsn, err)
	}
}

// TestCommitConflict: a COMMIT whose rows another session changed since
// its snapshot applies nothing (first committer wins), over one table or
// several; a table whose fragment ended fails it too.
func TestCommitConflict(t *testing.T) {
	f := newFixture(t, false)
	a, c := newTable(kv("a", 7), f.w), newTable(kv("c", 9), f.w)
	ctx := context.Background()
	push := func(tb *fakeTable, rows string) {
		t.Helper()
		if _, err := f.w.Write(ctx, tb, func(context.Context, dml.Table) ([]exec.Chunk, error) {
			return []exec.Chunk{f.chunk(t, rows)}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	push(a, "+ | 1 | 10")
	b, _, _ := block(a, c)
	write(t, f, b, a.o, "U- | 1 | 10\nU+ | 1 | 11")
	write(t, f, b, c.o, "+ | 3 | 30")
	parts, err := b.Parts(finder(a, c))
	if err != nil || len(parts) != 2 {
		t.Fatalf("parts %v, %v", parts, err)
	}
	// Another session updates a's row 1 after the snapshot.
	push(a, "U- | 1 | 10\nU+ | 1 | 12")
	for _, ps := range [][]txn.Part{parts, parts[:1]} {
		_, err = f.w.Commit(ctx, ps)
		if se := wantCode(t, err, sqlstate.SerializationFailure); se.Message != "could not serialize access due to concurrent update" {
			t.Fatalf("message %q", se.Message)
		}
	}
	// Another session inserts c's key 3 too.
	push(c, "+ | 3 | 31")
	_, err = f.w.Commit(ctx, parts[1:])
	wantCode(t, err, sqlstate.UniqueViolation)
	// A table's fragment has ended: its table was dropped.
	c.ended = true
	for _, ps := range [][]txn.Part{parts[1:], {parts[1], parts[0]}} {
		_, err = f.w.Commit(ctx, ps)
		if se := wantCode(t, err, sqlstate.SerializationFailure); !strings.Contains(se.Message, `table "c" was dropped`) {
			t.Fatalf("message %q", se.Message)
		}
	}
	if a.pushes != 2 || c.pushes != 1 {
		t.Fatalf("pushes: a %d, c %d", a.pushes, c.pushes)
	}
	if got := a.rows(t, f.mem); got != "+ | 1 | 12" {
		t.Fatalf("a:\n%s", got)
	}
}

// TestCommitSeveralTables: the changes to several tables are applied with
// the barriers paused and every other write held off, and logged as one
// record, whose LSN each table notes.
func TestCommitSeveralTables(t *testing.T) {
	f := newFixture(t, false)
	a, c := newTable(kv("a", 7), f.w), newTable(kv("c", 9), f.w)
	b, _, _ := block(a, c)
	write(t, f, b, a.o, "+ | 1 | 10\n+ | 2 | 20")
	write(t, f, b, c.o, "+ | 3 | 30")
	parts, err := b.Parts(finder(a, c))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	lsn, err := f.w.Commit(ctx, parts)
	if err != nil || lsn != 1 {
		t.Fatalf("Commit: %d, %v", lsn, err)
	}
	if a.pushedPaused != 1 || c.pushedPaused != 1 || f.w.Epochs.(*fakeEpochs).paused != 0 {
		t.Fatalf("pushes while paused: a %d, c %d; still paused %d", a.pushedPaused, c.pushedPaused, f.w.Epochs.(*fakeEpochs).paused)
	}
	if got := f.records(t, a, c); len(got) != 1 || got[1] != "table 7: 2 rows [+ +];table 9: 1 rows [+];" {
		t.Fatalf("records %v", got)
	}
	if !slices.Equal(a.logged, []uint64{1}) || !slices.Equal(c.logged, []uint64{1}) {
		t.Fatalf("logged: a %v, c %v", a.logged, c.logged)
	}
	if got := c.rows(t, f.mem); got != "+ | 3 | 30" {
		t.Fatalf("c:\n%s", got)
	}
	// The lock is free again.
	if !f.w.Lock.TryLock() {
		t.Fatal("the writes' lock is still held")
	}
	f.w.Lock.Unlock()
}
