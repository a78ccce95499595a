package exec_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/internal/exectest"
)

// pipeline is source → mid → sink, three fragments linked by channels.
type pipeline struct {
	src            *exectest.Source
	root, mid, end *exec.Fragment
	sinkOp         *recordOp
	errs           []chan error
}

func newPipeline(ctx context.Context, failOn string) *pipeline {
	p := &pipeline{src: exectest.NewSource(), sinkOp: &recordOp{name: "sink"}}
	store := exectest.NewStore()
	p.root = exec.NewFragment(exec.FragmentSpec{Logger: quiet, Name: "root", Source: p.src, State: store})
	c1 := make(chan exec.Message, 4)
	p.root.Output().Add(c1)
	p.mid = exec.NewFragment(exec.FragmentSpec{Logger: quiet, Name: "mid", Inputs: []<-chan exec.Message{c1},
		Ops: []exec.Operator{&recordOp{name: "mid", failOn: failOn}}, State: store})
	c2 := make(chan exec.Message, 4)
	p.mid.Output().Add(c2)
	p.end = exec.NewFragment(exec.FragmentSpec{Logger: quiet, Name: "end", Inputs: []<-chan exec.Message{c2},
		Ops: []exec.Operator{p.sinkOp}, State: store})
	for _, f := range []*exec.Fragment{p.root, p.mid, p.end} {
		p.errs = append(p.errs, runFragment(ctx, f))
	}
	return p
}

func (p *pipeline) register(c *exec.Coordinator) {
	c.AddRoot(p.root)
	c.AddFragment(p.mid)
	c.AddFragment(p.end)
}

type commitLog struct {
	mu      sync.Mutex
	epochs  []exec.Epoch
	failing int
}

func (l *commitLog) commit(_ context.Context, e exec.Epoch) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failing > 0 {
		l.failing--
		return errors.New("disk full")
	}
	l.epochs = append(l.epochs, e)
	return nil
}

func (l *commitLog) last() exec.Epoch {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.epochs) == 0 {
		return 0
	}
	return l.epochs[len(l.epochs)-1]
}

func TestCoordinatorFlushAndStop(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	p := newPipeline(ctx, "")
	log := &commitLog{}
	c := exec.NewCoordinator(exec.CoordinatorOptions{Interval: time.Hour, Commit: log.commit, Logger: quiet})
	p.register(c)
	c.Start(ctx, 41)

	p.src.Add(chunk(t, mem, "+ | 1"))
	waitFor(t, func() bool { return p.src.Position() == 1 })
	e, err := c.Flush(ctx)
	if err != nil || e != 42 {
		t.Fatalf("Flush = %d, %v", e, err)
	}
	if !strings.Contains(p.sinkOp.Events(), "+ | 1\nbarrier 42") {
		t.Fatalf("sink saw\n%s", p.sinkOp.Events())
	}
	// Concurrent flushes share epochs, and each returns a later epoch.
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if e, err := c.Flush(ctx); err != nil || e < 43 {
				t.Errorf("Flush = %d, %v", e, err)
			}
		}()
	}
	wg.Wait()
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	for _, errc := range p.errs {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	last := c.Committed()
	if log.last() != last || !strings.HasSuffix(p.sinkOp.Events(), "barrier "+itoa(last)) {
		t.Fatalf("committed %d, log %v, sink\n%s", last, log.epochs, p.sinkOp.Events())
	}
	for i, e := range log.epochs {
		if e != exec.Epoch(42+i) {
			t.Fatalf("epochs not consecutive: %v", log.epochs)
		}
	}
	if _, err := c.Flush(ctx); !errors.Is(err, exec.ErrCoordinatorStopped) {
		t.Fatalf("Flush after Stop = %v", err)
	}
}

func itoa(e exec.Epoch) string { return fmt.Sprint(uint64(e)) }

func TestCoordinatorTicksPauseResume(t *testing.T) {
	ctx := context.Background()
	p := newPipeline(ctx, "")
	log := &commitLog{}
	c := exec.NewCoordinator(exec.CoordinatorOptions{Interval: 5 * time.Millisecond, Commit: log.commit, Logger: quiet})
	p.register(c)
	c.Start(ctx, 0)
	waitFor(t, func() bool { return c.Committed() >= 3 })

	resume, err := c.Pause(ctx)
	if err != nil {
		t.Fatal(err)
	}
	held := c.Committed()
	flushed := make(chan exec.Epoch)
	go func() {
		e, _ := c.Flush(ctx)
		flushed <- e
	}()
	time.Sleep(30 * time.Millisecond)
	if c.Committed() != held {
		t.Fatalf("epoch committed while paused: %d -> %d", held, c.Committed())
	}
	select {
	case e := <-flushed:
		t.Fatalf("Flush returned %d while paused", e)
	default:
	}
	resume()
	resume() // idempotent
	if e := <-flushed; e <= held {
		t.Fatalf("Flush after resume = %d, held %d", e, held)
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestCoordinatorFailingFragment(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	p := newPipeline(ctx, "+ | 13")
	log := &commitLog{}
	c := exec.NewCoordinator(exec.CoordinatorOptions{Interval: time.Hour, Commit: log.commit, Logger: quiet})
	p.register(c)
	c.Start(ctx, 0)
	if _, err := c.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	p.src.Add(chunk(t, mem, "+ | 13"))
	if err := <-p.errs[1]; err == nil || !strings.Contains(err.Error(), "fragment mid") {
		t.Fatalf("mid ended with %v", err)
	}
	// The mid fragment is gone; its downstream sees its input end and ends
	// too; epochs proceed with the root alone.
	if err := <-p.errs[2]; err != nil {
		t.Fatalf("end ended with %v", err)
	}
	e, err := c.Flush(ctx)
	if err != nil || e < 2 {
		t.Fatalf("Flush after failure = %d, %v", e, err)
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-p.errs[0]; err != nil {
		t.Fatal(err)
	}
}

func TestCoordinatorCommitRetried(t *testing.T) {
	ctx := context.Background()
	p := newPipeline(ctx, "")
	log := &commitLog{failing: 2}
	c := exec.NewCoordinator(exec.CoordinatorOptions{Interval: 5 * time.Millisecond, Commit: log.commit, Logger: quiet})
	p.register(c)
	c.Start(ctx, 0)
	e, err := c.Flush(ctx)
	if err != nil || e != 1 {
		t.Fatalf("Flush = %d, %v", e, err)
	}
	if log.epochs[0] != 1 {
		t.Fatalf("epochs %v", log.epochs)
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestCoordinatorNoFragments(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	c := exec.NewCoordinator(exec.CoordinatorOptions{Interval: time.Millisecond, Logger: quiet})
	c.Start(ctx, 7)
	if e, err := c.Flush(ctx); err != nil || e != 8 {
		t.Fatalf("Flush = %d, %v", e, err)
	}
	cancel()
	if _, err := c.Flush(context.Background()); !errors.Is(err, exec.ErrCoordinatorStopped) {
		t.Fatalf("Flush after cancel = %v", err)
	}
}
