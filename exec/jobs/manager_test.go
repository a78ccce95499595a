package jobs

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
)

type testJob struct{ Job }

func (j *testJob) Dataflow() *Job { return &j.Job }

var schema = arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)

func chunk(mem memory.Allocator, xs ...int64) exec.Chunk {
	b := array.NewInt64Builder(mem)
	defer b.Release()
	b.AppendValues(xs, nil)
	arr := b.NewArray()
	defer arr.Release()
	return exec.Chunk{Batch: array.NewRecordBatch(schema, []arrow.Array{arr}, int64(len(xs)))}
}

// collect keeps the values it receives; a value of failOn fails it.
type collect struct {
	mu     sync.Mutex
	got    []int64
	failOn int64
}

func (c *collect) ProcessChunk(_ context.Context, _ int, ch exec.Chunk, _ exec.Output) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, x := range ch.Batch.Column(0).(*array.Int64).Int64Values() {
		if x == c.failOn {
			return errors.New("the value fails")
		}
		c.got = append(c.got, x)
	}
	return nil
}

func (c *collect) values() []int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]int64(nil), c.got...)
}

// TestManager checks a job read by another: the reader gets the upstream's
// rows first (backfill), then its changes; when a reader's fragment fails,
// its job stops, leaves the upstream (whose writes then never block), and
// the failure is reported; Stop forgets a job.
func TestManager(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	coord := exec.NewCoordinator(exec.CoordinatorOptions{Interval: time.Hour, Commit: func(context.Context, exec.Epoch) error { return nil }})
	coord.Start(ctx, 0)
	m := NewManager[*testJob](ctx, coord)

	// The upstream: a root fed by Do, which forwards what it is given.
	upFrag := exec.NewFragment(exec.FragmentSpec{Name: "up", Mem: mem})
	up := &testJob{Job: Job{Name: "up", Fragments: []*exec.Fragment{upFrag}, Roots: []*exec.Fragment{upFrag},
		Snapshot: func(_ context.Context, emit func(exec.Chunk) error) error { return emit(chunk(mem, 1, 2)) }}}
	failed := make(chan error, 4)
	onFail := func(_ *exec.Fragment, err error) { failed <- err }
	if err := m.Start(ctx, up, true, false, onFail); err != nil {
		t.Fatal(err)
	}

	sink := &collect{failOn: 99}
	ch := make(chan exec.Message, 4)
	downFrag := exec.NewFragment(exec.FragmentSpec{Name: "down", Inputs: []<-chan exec.Message{ch}, Ops: []exec.Operator{sink}, Mem: mem})
	down := &testJob{Job: Job{Name: "down", Fragments: []*exec.Fragment{downFrag}, Inputs: []Input{{From: &up.Job, Ch: ch}}}}
	if err := m.Start(ctx, down, true, true, onFail); err != nil {
		t.Fatal(err)
	}
	push := func(xs ...int64) {
		t.Helper()
		err := upFrag.Do(ctx, func(ctx context.Context, out exec.Output) error { return out.Push(ctx, chunk(mem, xs...)) })
		if err != nil {
			t.Fatal(err)
		}
	}
	push(3)
	waitFor(t, func() bool { return len(sink.values()) == 3 })
	if got := sink.values(); got[0] != 1 || got[1] != 2 || got[2] != 3 {
		t.Fatalf("reader got %v, want the backfill 1 2 then 3", got)
	}
	if names := []string{m.List()[0].Name, m.List()[1].Name}; names[0] != "down" || names[1] != "up" {
		t.Fatalf("List = %v", names)
	}

	push(99)
	select {
	case err := <-failed:
		if err == nil || !strings.HasSuffix(err.Error(), "the value fails") {
			t.Fatalf("failure reported as %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the reader's failure was not reported")
	}
	waitFor(t, down.Stopped)
	// More than the channel holds: the upstream must not block on the
	// stopped reader.
	for i := int64(0); i < 20; i++ {
		push(100 + i)
	}
	if down.Failure() == nil {
		t.Fatal("the failed job reports no failure")
	}

	m.Stop(down)
	if _, ok := m.Get("down"); ok {
		t.Fatal("a stopped job is still found")
	}
	m.Stop(up)
	if !up.Stopped() || up.Failure() != nil {
		t.Fatalf("stopped upstream: stopped %t, failure %v", up.Stopped(), up.Failure())
	}
	if err := (&Job{Name: "stand-in"}).subscribe(ctx, ch, true); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("reading a stand-in: %v", err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
