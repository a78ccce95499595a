package jobs

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
)

// openFails is a source that cannot open.
type openFails struct{}

func (openFails) Open(context.Context, exec.OpenContext) error { return errors.New("cannot open") }
func (openFails) Next(context.Context) (exec.Chunk, error)     { return exec.Chunk{}, exec.ErrNoData }
func (openFails) OnBarrier(context.Context, exec.Barrier, exec.StateWriter) error {
	return nil
}
func (openFails) Close() error { return nil }

// TestFailureBeforeSubscribe: a job with a source that fails at once
// (a union of a stream and a view) and an input from another job. When the
// failure is handled before Start has subscribed the input, the input's
// channel must still leave the upstream's outputs: otherwise the upstream
// blocks for good once the channel's buffer is full, and with it every
// epoch.
func TestFailureBeforeSubscribe(t *testing.T) {
	mem := memory.NewGoAllocator()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	coord := exec.NewCoordinator(exec.CoordinatorOptions{Interval: time.Hour, Logger: quiet, Commit: func(context.Context, exec.Epoch) error { return nil }})
	coord.Start(ctx, 0)
	m := NewManager[*testJob](ctx, coord)
	upFrag := exec.NewFragment(exec.FragmentSpec{Name: "up", Mem: mem})
	up := &testJob{Job: Job{Name: "up", Fragments: []*exec.Fragment{upFrag}, Roots: []*exec.Fragment{upFrag}}}
	if err := m.Start(ctx, up, true, false, func(*exec.Fragment, error) {}); err != nil {
		t.Fatal(err)
	}
	for i := range 3000 {
		src := exec.NewFragment(exec.FragmentSpec{Name: "in0", Source: openFails{}, Mem: mem, Logger: quiet})
		ch := make(chan exec.Message, 2)
		reader := exec.NewFragment(exec.FragmentSpec{Name: "union", Inputs: []<-chan exec.Message{ch}, Ops: []exec.Operator{&collect{}}, Mem: mem})
		down := &testJob{Job: Job{Name: "down", Fragments: []*exec.Fragment{src, reader}, Roots: []*exec.Fragment{src},
			Inputs: []Input{{From: &up.Job, Ch: ch}}}}
		failed := make(chan struct{}, 2)
		if err := m.Start(ctx, down, true, false, func(*exec.Fragment, error) { failed <- struct{}{} }); err != nil {
			t.Fatal(err)
		}
		<-failed
		waitFor(t, down.Stopped)
		// More than the channel holds.
		for x := range int64(5) {
			pctx, pcancel := context.WithTimeout(ctx, 2*time.Second)
			err := upFrag.Do(pctx, func(ctx context.Context, out exec.Output) error { return out.Push(ctx, chunk(mem, x)) })
			pcancel()
			if err != nil {
				t.Fatalf("round %d: the upstream blocks on the failed job's input: %v", i, err)
			}
		}
		m.Stop(down)
	}
}
