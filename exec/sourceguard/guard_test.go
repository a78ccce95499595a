package sourceguard

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/connector"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/statestore"
)

// The taker of a source's bad records is what a connector is given.
var _ connector.RecordErrors = (*RecordErrors)(nil)

// fakeSource reads nothing; its progress says how far it got.
type fakeSource struct {
	mu       sync.Mutex
	progress exec.SourceProgress
	opened   bool
}

func (s *fakeSource) Open(context.Context, exec.OpenContext) error { s.opened = true; return nil }
func (s *fakeSource) Next(context.Context) (exec.Chunk, error)     { return exec.Chunk{}, exec.ErrNoData }
func (s *fakeSource) OnBarrier(context.Context, exec.Barrier, exec.StateWriter) error {
	return nil
}
func (s *fakeSource) Close() error { return nil }
func (s *fakeSource) Progress() exec.SourceProgress {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.progress
}
func (s *fakeSource) setPosition(rows int64, pos string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.progress.Rows, s.progress.Position = rows, pos
}

const table statestore.TableID = 7

// open returns a guard of stream "events" for view "v" over a fresh fake
// source, opened on store, and what takes its bad records.
func open(t *testing.T, store *exectest.Store, counts *ErrorCounts, policy Policy) (*Source, *fakeSource, *RecordErrors) {
	t.Helper()
	g := New("events", policy, table)
	errs := counts.For("events", "v", g)
	src := &fakeSource{}
	g.Wrap(src)
	if err := g.Open(context.Background(), exec.OpenContext{State: store}); err != nil {
		t.Fatal(err)
	}
	if !src.opened {
		t.Fatal("the guard did not open its source")
	}
	return g, src, errs
}

// barrier passes the barrier of epoch through g and commits its writes.
func barrier(t *testing.T, store *exectest.Store, g *Source, epoch exec.Epoch) {
	t.Helper()
	w := store.NewWriter()
	if err := g.OnBarrier(context.Background(), exec.Barrier{Epoch: epoch}, w); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
}

func deadLetters(t *testing.T, store *exectest.Store) string {
	t.Helper()
	var b strings.Builder
	err := DeadLetters(store, table, func(seq uint64, r BadRecord, err error) bool {
		if err != nil {
			t.Fatalf("dead letter %d: %v", seq, err)
		}
		fmt.Fprintf(&b, "%d: partition %d offset %d %q %q\n", seq, r.Partition, r.Offset, r.Err, r.Raw)
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestDeadLettersCommitAtBarriersAndContinueAfterReopen(t *testing.T) {
	store := exectest.NewStore()
	counts := NewErrorCounts()
	g, _, errs := open(t, store, counts, DeadLetter)
	errs.RecordError(10, 2, []byte("x,y"), errors.New("bad int"))
	errs.RecordPartitionError(3, 41, []byte("{"), errors.New("bad json"))
	if got := deadLetters(t, store); got != "" {
		t.Fatalf("dead letters before the barrier:\n%s", got)
	}
	barrier(t, store, g, 1)
	want := "0: partition -1 offset 10 \"bad int\" \"x,y\"\n1: partition 3 offset 41 \"bad json\" \"{\"\n"
	if got := deadLetters(t, store); got != want {
		t.Fatalf("dead letters:\n%s\nwant:\n%s", got, want)
	}
	// A barrier without bad records writes nothing more.
	barrier(t, store, g, 2)

	// A source opened again (a restart) goes on with the next sequence
	// number.
	g, _, errs = open(t, store, counts, DeadLetter)
	errs.RecordError(99, 5, []byte("z"), errors.New("bad again"))
	barrier(t, store, g, 3)
	want += "2: partition -1 offset 99 \"bad again\" \"z\"\n"
	if got := deadLetters(t, store); got != want {
		t.Fatalf("dead letters after a reopen:\n%s\nwant:\n%s", got, want)
	}
	if _, err := g.Next(context.Background()); !errors.Is(err, exec.ErrNoData) {
		t.Fatalf("Next under dlq = %v, want the source's ErrNoData", err)
	}
}

func TestSkipKeepsNoDeadLetters(t *testing.T) {
	store := exectest.NewStore()
	g, _, errs := open(t, store, NewErrorCounts(), Skip)
	errs.RecordError(10, 2, []byte("x"), errors.New("bad int"))
	barrier(t, store, g, 1)
	if store.Len() != 0 {
		t.Fatalf("skip wrote state:\n%s", store.Dump(nil))
	}
	if _, err := g.Next(context.Background()); !errors.Is(err, exec.ErrNoData) {
		t.Fatalf("Next under skip = %v, want the source's ErrNoData", err)
	}
}

func TestFailStopsAtTheFirstBadRecord(t *testing.T) {
	store := exectest.NewStore()
	g, _, errs := open(t, store, NewErrorCounts(), Fail)
	errs.RecordPartitionError(3, 7, []byte("{"), errors.New("unexpected end of JSON input"))
	errs.RecordError(8, 1, nil, errors.New("a later one"))
	_, err := g.Next(context.Background())
	e := sqlstate.From(err)
	if e == nil || e.Code != sqlstate.InvalidTextRepresentation || e.Message != "malformed record at partition 3 offset 7: unexpected end of JSON input" {
		t.Fatalf("Next = %v (%+v)", err, e)
	}
	if !strings.Contains(e.Hint, "on.error = 'fail'") {
		t.Fatalf("hint = %q", e.Hint)
	}
}

func TestPositionsAndRateAtBarriers(t *testing.T) {
	store := exectest.NewStore()
	g, src, _ := open(t, store, NewErrorCounts(), Skip)
	if _, ok := g.PositionAt(1); ok {
		t.Fatal("a position before any barrier")
	}
	for e := exec.Epoch(1); e <= 6; e++ {
		src.setPosition(int64(e)*100, fmt.Sprint(int(e)*1000))
		barrier(t, store, g, e)
	}
	for e := exec.Epoch(1); e <= 6; e++ {
		pos, ok := g.PositionAt(e)
		if kept := e > 6-keptPositions; ok != kept || (ok && pos != fmt.Sprint(int(e)*1000)) {
			t.Errorf("PositionAt(%d) = %q, %v; kept: %v", e, pos, ok, kept)
		}
	}
	if p, ok := g.Progress(); !ok || p.Rows != 600 {
		t.Fatalf("Progress = %+v, %v", p, ok)
	}
	// The barriers came within a second: no rate yet.
	if r := g.Rate(); r != 0 {
		t.Fatalf("Rate = %v, want 0", r)
	}
}

// TestReadersDuringBarriers reads what the system tables, the metrics and
// the checkpoint manifests read while the source takes barriers and
// reports bad records (run with -race).
func TestReadersDuringBarriers(t *testing.T) {
	store := exectest.NewStore()
	counts := NewErrorCounts()
	g, src, errs := open(t, store, counts, DeadLetter)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			g.Progress()
			g.PositionAt(3)
			g.Rate()
			counts.Snapshot()
		}
	}()
	for e := exec.Epoch(1); e <= 50; e++ {
		src.setPosition(int64(e), fmt.Sprint(e))
		errs.RecordError(int64(e), int64(e), []byte("x"), errors.New("bad"))
		barrier(t, store, g, e)
	}
	close(done)
	wg.Wait()
	n := 0
	if err := DeadLetters(store, table, func(uint64, BadRecord, error) bool { n++; return true }); err != nil || n != 50 {
		t.Fatalf("%d dead letters (%v), want 50", n, err)
	}
	if c := counts.Snapshot(); len(c) != 1 || c[0].Count != 50 {
		t.Fatalf("counts = %+v, want 50 errors of one source", c)
	}
}

func TestErrorCounts(t *testing.T) {
	counts := NewErrorCounts()
	counts.For("s2", "a", nil).RecordError(5, 1, nil, errors.New("first"))
	b := counts.For("s1", "b", nil)
	b.RecordError(5, 1, nil, errors.New("first"))
	b.RecordPartitionError(2, 9, nil, errors.New("second"))
	counts.For("s1", "a", nil).RecordError(7, 3, nil, errors.New("only"))
	got := fmt.Sprint(counts.Snapshot())
	want := "[{s1 a 1 only 3 7} {s1 b 2 second -1 9} {s2 a 1 first 1 5}]"
	if got != want {
		t.Fatalf("Snapshot = %s, want %s", got, want)
	}
	counts.Forget("a")
	if got, want := fmt.Sprint(counts.Snapshot()), "[{s1 b 2 second -1 9}]"; got != want {
		t.Fatalf("after Forget(a): %s, want %s", got, want)
	}
}

func TestParsePolicy(t *testing.T) {
	for v, want := range map[string]Policy{"": Skip, "skip": Skip, "DLQ": DeadLetter, "fail": Fail} {
		opts := map[string]string{}
		if v != "" {
			opts["on.error"] = v
		}
		if got, err := ParsePolicy(opts); err != nil || got != want {
			t.Errorf("ParsePolicy(%q) = %v, %v; want %v", v, got, err, want)
		}
	}
	_, err := ParsePolicy(map[string]string{"on.error": "maybe"})
	if e := sqlstate.From(err); e == nil || e.Code != sqlstate.InvalidParameterValue || e.Message != `option on.error must be 'skip', 'dlq' or 'fail', not "maybe"` {
		t.Fatalf("ParsePolicy(maybe) = %v", err)
	}
}
