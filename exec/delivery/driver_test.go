package delivery_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/delivery"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/statestore"
)

const logTable statestore.TableID = 7

// destination is an exec.SinkWriter that keeps what was committed, as a
// transactional destination does: prepared records become visible at
// Commit, with the epoch they end at; Recover says that epoch.
type destination struct {
	mu        sync.Mutex
	committed []string
	last      exec.Epoch
	pending   []string
	pendingAt exec.Epoch
	// failCommits fails that many commits (before they happen).
	failCommits int
	recovers    int
	closed      bool
}

func (d *destination) Recover(context.Context) (exec.Epoch, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.recovers++
	d.pending = nil
	return d.last, nil
}

func (d *destination) Prepare(_ context.Context, epoch exec.Epoch, records []exec.SinkRecord) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.pending, d.pendingAt = nil, epoch
	for _, r := range records {
		d.pending = append(d.pending, string(r.Value))
	}
	return nil
}

func (d *destination) Commit(context.Context, exec.Epoch) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.failCommits > 0 {
		d.failCommits--
		return errors.New("broker went away")
	}
	d.committed = append(d.committed, d.pending...)
	d.last, d.pending = d.pendingAt, nil
	return nil
}

func (d *destination) Abort(context.Context) error { return nil }

func (d *destination) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = true
	return nil
}

func (d *destination) state() (string, exec.Epoch) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return strings.Join(d.committed, " "), d.last
}

// logEpoch writes the records of epoch into the sink's log, as
// ops.SinkLog does at the epoch's barrier.
func logEpoch(t *testing.T, s *statestore.Store, epoch exec.Epoch, values ...string) {
	t.Helper()
	w := s.NewWriteBatch()
	defer w.Close()
	for i, v := range values {
		if err := w.Set(ops.SinkLogKey(nil, logTable, epoch, uint32(i)), ops.EncodeSinkRecord(nil, nil, []byte(v))); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
}

// logSize counts the records left in the log.
func logSize(t *testing.T, s *statestore.Store) int {
	t.Helper()
	lo, hi := statestore.TableSpan(logTable)
	n := 0
	if err := s.Scan(lo, hi, func(_, _ []byte) (bool, error) { n++; return true, nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestDriver: committed epochs are delivered only once durable, in order,
// and their log is deleted; a failed commit sends the driver back to
// Recover, which delivers what the destination does not hold, once.
func TestDriver(t *testing.T) {
	s, err := statestore.Open(statestore.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var committed, durable atomic.Uint64
	dest := &destination{failCommits: 1}
	var steps []string
	var stepsMu sync.Mutex
	d := delivery.New(delivery.Options{Name: "s", Log: logTable, Store: s, Writer: dest,
		Committed: func() exec.Epoch { return exec.Epoch(committed.Load()) },
		Durable:   func() exec.Epoch { return exec.Epoch(min(durable.Load(), committed.Load())) },
		Hook: func(step string) {
			stepsMu.Lock()
			steps = append(steps, step)
			stepsMu.Unlock()
		}})
	d.Start()

	logEpoch(t, s, 1, "a", "b")
	logEpoch(t, s, 2) // an epoch without output
	logEpoch(t, s, 3, "c")
	committed.Store(3)
	d.Poke(3)
	// Prepared, but not committed before the checkpoint is durable.
	waitFor(t, "epochs 1-3 prepared", func() bool { return d.Stats().Prepared == 3 })
	if got, _ := dest.state(); got != "" {
		t.Fatalf("delivered %q before the checkpoint was durable", got)
	}
	// The first commit fails: the driver recovers and prepares again.
	durable.Store(3)
	d.Poke(0)
	waitFor(t, "epoch 3 delivered", func() bool { return d.Stats().Delivered == 3 })
	if got, last := dest.state(); got != "a b c" || last != 3 {
		t.Fatalf("destination holds %q up to %d, want \"a b c\" up to 3", got, last)
	}
	st := d.Stats()
	if st.Records != 6 || st.Committed != 1 || st.Aborted != 1 || st.LastErr != "" || dest.recovers != 2 {
		t.Errorf("stats %+v, %d recovers; want 6 records prepared (3 twice), 1 commit, 1 abort, 2 recovers", st, dest.recovers)
	}
	waitFor(t, "the delivered log deleted", func() bool { return logSize(t, s) == 0 })

	logEpoch(t, s, 4, "d")
	committed.Store(4)
	durable.Store(4)
	d.Poke(4)
	waitFor(t, "epoch 4 delivered", func() bool { return d.Stats().Delivered == 4 })
	d.Stop(context.Background(), true)
	if got, _ := dest.state(); got != "a b c d" || !dest.closed {
		t.Errorf("destination holds %q (closed %v), want \"a b c d\", closed", got, dest.closed)
	}
	stepsMu.Lock()
	defer stepsMu.Unlock()
	if got := strings.Join(steps, ","); got != "sink-prepared,sink-committing,sink-prepared,sink-committing,sink-committed,sink-prepared,sink-committing,sink-committed" {
		t.Errorf("steps %s", got)
	}
}

// TestDriverBatches: a delivery holds at most BatchRecords records, in
// whole epochs; the rest follow in the next.
func TestDriverBatches(t *testing.T) {
	if testing.Short() {
		t.Skip("writes BatchRecords records")
	}
	s, err := statestore.Open(statestore.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	values := make([]string, delivery.BatchRecords)
	for i := range values {
		values[i] = fmt.Sprint(i % 10)
	}
	logEpoch(t, s, 1, values...)
	logEpoch(t, s, 2, "last")
	dest := &destination{}
	d := delivery.New(delivery.Options{Name: "s", Log: logTable, Store: s, Writer: dest,
		Committed: func() exec.Epoch { return 2 }, Durable: func() exec.Epoch { return 2 }})
	d.Start()
	defer d.Stop(context.Background(), false)
	waitFor(t, "epoch 2 delivered", func() bool { return d.Stats().Delivered == 2 })
	if st := d.Stats(); st.Committed != 2 || st.Records != delivery.BatchRecords+1 {
		t.Errorf("stats %+v: want 2 deliveries of %d records", st, delivery.BatchRecords+1)
	}
}
