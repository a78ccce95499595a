package exec_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/internal/exectest"
)

// recordOp forwards every chunk and records what it saw; on a barrier it
// writes "<name>/<epoch>" into the writer. failOn and panicOn make it fail on
// a chunk whose first row prints so.
type recordOp struct {
	name    string
	failOn  string
	panicOn string

	mu     sync.Mutex
	events []string
}

func (o *recordOp) ProcessChunk(ctx context.Context, input int, c exec.Chunk, out exec.Output) error {
	row := strings.TrimSpace(exectest.FormatChunk(c))
	o.mu.Lock()
	o.events = append(o.events, fmt.Sprintf("in%d %s", input, strings.ReplaceAll(row, "\n", "; ")))
	o.mu.Unlock()
	if o.failOn != "" && strings.Contains(row, o.failOn) {
		return errors.New("bad row")
	}
	if o.panicOn != "" && strings.Contains(row, o.panicOn) {
		var m map[string]int
		m["boom"]++ // a nil map write: a real runtime panic
	}
	c.Batch.Retain()
	return out.Push(ctx, c)
}

func (o *recordOp) OnBarrier(ctx context.Context, b exec.Barrier, w exec.StateWriter, out exec.Output) error {
	o.mu.Lock()
	o.events = append(o.events, fmt.Sprintf("barrier %d", b.Epoch))
	o.mu.Unlock()
	return w.Set([]byte(fmt.Sprintf("%s/%d", o.name, b.Epoch)), nil)
}

func (o *recordOp) Events() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return strings.Join(o.events, "\n")
}

// readAll reads ch until it closes (or a timeout), printing each message and
// releasing chunks.
func readAll(t *testing.T, ch <-chan exec.Message) string {
	t.Helper()
	var b strings.Builder
	timeout := time.After(5 * time.Second)
	for {
		select {
		case m, ok := <-ch:
			if !ok {
				return b.String()
			}
			b.WriteString(exectest.FormatMessage(m))
			m.Chunk.Release()
		case <-timeout:
			t.Fatalf("channel not closed; got so far:\n%s", b.String())
		}
	}
}

func runFragment(ctx context.Context, f *exec.Fragment) chan error {
	errc := make(chan error, 1)
	go func() { errc <- f.Run(ctx) }()
	return errc
}

func chunk(t *testing.T, mem memory.Allocator, rows string) exec.Chunk {
	return exectest.MustChunk(t, mem, "v bigint", rows)
}

func TestFragmentRootBarriersAndStop(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	src := exectest.NewSource(chunk(t, mem, "+ | 1"), chunk(t, mem, "+ | 2\n- | 3"))
	op := &recordOp{name: "op"}
	store := exectest.NewStore()
	var mu sync.Mutex
	var acked []exec.Epoch
	f := exec.NewFragment(exec.FragmentSpec{Logger: quiet,
		Name: "root", Source: src, Ops: []exec.Operator{op}, State: store, Mem: mem,
		OnEpoch: func(b exec.Barrier) { mu.Lock(); acked = append(acked, b.Epoch); mu.Unlock() },
	})
	sub := make(chan exec.Message, 16)
	f.Output().Add(sub)
	errc := runFragment(ctx, f)

	waitFor(t, func() bool { return src.Position() == 2 })
	if err := f.InjectBarrier(ctx, exec.Barrier{Epoch: 1}); err != nil {
		t.Fatal(err)
	}
	src.Add(chunk(t, mem, "+ | 4"))
	src.Finish()
	waitFor(t, func() bool { return src.Position() == 3 })
	if err := f.InjectBarrier(ctx, exec.Barrier{Epoch: 2, Kind: exec.Stop}); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	got := readAll(t, sub)
	want := "+ | 1\n+ | 2\n- | 3\nbarrier 1\n+ | 4\nstop 2\n"
	if got != want {
		t.Fatalf("subscriber got\n%s\nwant\n%s", got, want)
	}
	if got, want := op.Events(), "in0 + | 1\nin0 + | 2; - | 3\nbarrier 1\nin0 + | 4\nbarrier 2"; got != want {
		t.Fatalf("op saw\n%s\nwant\n%s", got, want)
	}
	// One commit per epoch, holding the source position and the op's key.
	if store.Commits() != 2 {
		t.Fatalf("commits = %d, want 2", store.Commits())
	}
	dump := store.Dump(func(k, v []byte) string { return fmt.Sprintf("%s=%x", k, v) })
	if want := "op/1=\nop/2=\nsource=0000000000000003\n"; dump != want {
		t.Fatalf("state\n%s\nwant\n%s", dump, want)
	}
	if !src.Closed() {
		t.Fatal("source not closed")
	}
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(acked) != "[1 2]" {
		t.Fatalf("acked %v", acked)
	}
	if err := f.InjectBarrier(ctx, exec.Barrier{Epoch: 3}); !errors.Is(err, exec.ErrFragmentEnded) {
		t.Fatalf("inject after end: %v", err)
	}
}

func TestFragmentDo(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	op := &recordOp{name: "op", failOn: "+ | 99"}
	f := exec.NewFragment(exec.FragmentSpec{Logger: quiet, Name: "table", Ops: []exec.Operator{op}, Mem: mem})
	out := &exectest.Collector{}
	defer out.Release()
	sub := make(chan exec.Message, 16)
	errc := runFragment(ctx, f)
	err := f.Do(ctx, func(ctx context.Context, in exec.Output) error {
		f.Output().Add(sub)
		return in.Push(ctx, chunk(t, mem, "+ | 7"))
	})
	if err != nil {
		t.Fatal(err)
	}
	// An error from fn goes back to the caller and the fragment keeps running.
	err = f.Do(ctx, func(ctx context.Context, in exec.Output) error {
		return in.Push(ctx, chunk(t, mem, "+ | 99"))
	})
	if err == nil || !strings.Contains(err.Error(), "fragment table: operator 0 (*exec_test.recordOp): bad row") {
		t.Fatalf("Do error = %v", err)
	}
	sentinel := errors.New("caller error")
	if err := f.Do(ctx, func(context.Context, exec.Output) error { return sentinel }); err != sentinel {
		t.Fatalf("Do error = %v", err)
	}
	if err := f.InjectBarrier(ctx, exec.Barrier{Epoch: 1, Kind: exec.Stop}); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if got, want := readAll(t, sub), "+ | 7\nstop 1\n"; got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if err := f.Do(ctx, func(context.Context, exec.Output) error { return nil }); !errors.Is(err, exec.ErrFragmentEnded) {
		t.Fatalf("Do after end: %v", err)
	}
}

func TestFragmentOperatorError(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	src := exectest.NewSource(chunk(t, mem, "+ | 1"), chunk(t, mem, "+ | 2"), chunk(t, mem, "+ | 3"))
	f := exec.NewFragment(exec.FragmentSpec{Logger: quiet, Name: "root", Source: src,
		Ops: []exec.Operator{&recordOp{name: "a"}, &recordOp{name: "b", failOn: "+ | 2"}}})
	sub := make(chan exec.Message, 16)
	f.Output().Add(sub)
	err := f.Run(context.Background())
	if err == nil || err.Error() != "fragment root: operator 1 (*exec_test.recordOp): bad row" {
		t.Fatalf("Run = %v", err)
	}
	<-f.Done()
	if f.Err() != err {
		t.Fatalf("Err() = %v", f.Err())
	}
	if got := readAll(t, sub); got != "+ | 1\n" {
		t.Fatalf("got %q", got)
	}
	if !src.Closed() {
		t.Fatal("source not closed")
	}
}

func TestFragmentPanicRecovered(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()

	// A panic in an operator ends the fragment with an error.
	src := exectest.NewSource(chunk(t, mem, "+ | 1"), chunk(t, mem, "+ | 666"))
	f := exec.NewFragment(exec.FragmentSpec{Logger: quiet, Name: "p", Source: src, Ops: []exec.Operator{&recordOp{panicOn: "666"}}})
	sub := make(chan exec.Message, 16)
	f.Output().Add(sub)
	err := f.Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "fragment p: operator 0 (*exec_test.recordOp): panic: assignment to entry in nil map") {
		t.Fatalf("Run = %v", err)
	}
	readAll(t, sub)

	// A panic in the source too.
	src = exectest.NewSource()
	src.PanicNext = "corrupt record"
	f = exec.NewFragment(exec.FragmentSpec{Logger: quiet, Name: "s", Source: src})
	if err := f.Run(ctx); err == nil || err.Error() != "fragment s: source (*exectest.Source): panic: corrupt record" {
		t.Fatalf("Run = %v", err)
	}

	// A panic during Do is returned to the caller and ends the fragment.
	op := &recordOp{panicOn: "666"}
	f = exec.NewFragment(exec.FragmentSpec{Logger: quiet, Name: "d", Ops: []exec.Operator{op}})
	errc := runFragment(ctx, f)
	err = f.Do(ctx, func(ctx context.Context, in exec.Output) error {
		return in.Push(ctx, chunk(t, mem, "+ | 666"))
	})
	if err == nil || !strings.Contains(err.Error(), "panic") {
		t.Fatalf("Do = %v", err)
	}
	if err := <-errc; err == nil || !strings.Contains(err.Error(), "fragment d: operator 0") {
		t.Fatalf("Run = %v", err)
	}
}

func TestFragmentInputsAligned(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	in0, in1 := make(chan exec.Message, 8), make(chan exec.Message, 8)
	op := &recordOp{name: "join"}
	store := exectest.NewStore()
	f := exec.NewFragment(exec.FragmentSpec{Logger: quiet, Name: "j", Inputs: []<-chan exec.Message{in0, in1}, Ops: []exec.Operator{op}, State: store})
	sub := make(chan exec.Message, 16)
	f.Output().Add(sub)
	errc := runFragment(ctx, f)
	in0 <- exec.Message{Chunk: chunk(t, mem, "+ | 1")}
	in0 <- exec.Message{Barrier: &exec.Barrier{Epoch: 1}}
	in0 <- exec.Message{Chunk: chunk(t, mem, "+ | 2")}
	waitFor(t, func() bool { return strings.Contains(op.Events(), "+ | 1") })
	if strings.Contains(op.Events(), "+ | 2") {
		t.Fatal("input 0 read past its barrier before alignment")
	}
	in1 <- exec.Message{Chunk: chunk(t, mem, "+ | 10")}
	in1 <- exec.Message{Barrier: &exec.Barrier{Epoch: 1}}
	close(in1)
	in0 <- exec.Message{Barrier: &exec.Barrier{Epoch: 2, Kind: exec.Stop}}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if got, want := op.Events(), "in0 + | 1\nin1 + | 10\nbarrier 1\nin0 + | 2\nbarrier 2"; got != want {
		t.Fatalf("op saw\n%s\nwant\n%s", got, want)
	}
	if got, want := readAll(t, sub), "+ | 1\n+ | 10\nbarrier 1\n+ | 2\nstop 2\n"; got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if store.Commits() != 2 {
		t.Fatalf("commits %d", store.Commits())
	}
}

func TestFragmentInputsClosedAndCancel(t *testing.T) {
	ctx := context.Background()
	in := make(chan exec.Message)
	f := exec.NewFragment(exec.FragmentSpec{Logger: quiet, Name: "c", Inputs: []<-chan exec.Message{in}})
	errc := runFragment(ctx, f)
	close(in)
	if err := <-errc; err != nil {
		t.Fatalf("Run after inputs closed = %v", err)
	}

	cctx, cancel := context.WithCancel(ctx)
	f = exec.NewFragment(exec.FragmentSpec{Logger: quiet, Name: "r", Source: exectest.NewSource()})
	errc = runFragment(cctx, f)
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run after cancel = %v", err)
	}
	if err := f.Run(ctx); err == nil {
		t.Fatal("second Run succeeded")
	}
}

func TestFragmentBackpressure(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	src := exectest.NewSource()
	for i := 0; i < 10; i++ {
		src.Add(chunk(t, mem, fmt.Sprintf("+ | %d", i)))
	}
	src.Finish()
	f := exec.NewFragment(exec.FragmentSpec{Logger: quiet, Name: "bp", Source: src})
	sub := make(chan exec.Message, 2)
	f.Output().Add(sub)
	errc := runFragment(ctx, f)
	waitFor(t, func() bool { return src.Position() >= 3 })
	time.Sleep(20 * time.Millisecond)
	if p := src.Position(); p > 3 {
		t.Fatalf("source read %d chunks past a full subscriber", p)
	}
	for i := 0; i < 10; i++ {
		m := <-sub
		if m.Chunk.NumRows() != 1 {
			t.Fatalf("message %d: %s", i, exectest.FormatMessage(m))
		}
		m.Chunk.Release()
	}
	if err := f.InjectBarrier(ctx, exec.Barrier{Epoch: 1, Kind: exec.Stop}); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, sub); got != "stop 1\n" {
		t.Fatalf("got\n%s", got)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// quiet discards the logs of fragments that fail on purpose.
var quiet = slog.New(slog.DiscardHandler)

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestFragmentDrainBarrier checks that a root reads what its source has
// available before it takes a Drain barrier (what FLUSH relies on), and takes
// a plain barrier without waiting for the source.
func TestFragmentDrainBarrier(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	src := exectest.NewSource()
	f := exec.NewFragment(exec.FragmentSpec{Logger: quiet, Name: "root", Source: src, Mem: mem, State: exectest.NewStore()})
	sub := make(chan exec.Message, 16)
	f.Output().Add(sub)
	errc := runFragment(ctx, f)

	// The source is idle, so the root sits in its poll wait; data arrives
	// just before the barrier.
	time.Sleep(5 * time.Millisecond)
	src.Add(chunk(t, mem, "+ | 1"), chunk(t, mem, "+ | 2"))
	if err := f.InjectBarrier(ctx, exec.Barrier{Epoch: 1, Drain: true}); err != nil {
		t.Fatal(err)
	}
	src.Finish()
	if err := f.InjectBarrier(ctx, exec.Barrier{Epoch: 2, Kind: exec.Stop, Drain: true}); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if got, want := readAll(t, sub), "+ | 1\n+ | 2\nbarrier 1\nstop 2\n"; got != want {
		t.Fatalf("subscriber got\n%s\nwant\n%s", got, want)
	}
}

// paritySplit sends even values to part 0 and odd ones to part 1.
type paritySplit struct {
	t   *testing.T
	mem memory.Allocator
}

func (s paritySplit) Split(_ context.Context, c exec.Chunk, n int) ([]exec.Chunk, error) {
	var rows [2]strings.Builder
	vals := c.Batch.Column(0)
	for i := 0; i < c.NumRows(); i++ {
		v := exectest.FormatValue(vals, i)
		fmt.Fprintf(&rows[int(v[len(v)-1]-'0')%2], "%s | %s\n", c.OpAt(i), v)
	}
	parts := make([]exec.Chunk, n)
	for i := range parts {
		if rows[i].Len() > 0 {
			parts[i] = exectest.MustChunk(s.t, s.mem, "v bigint", rows[i].String())
		}
	}
	return parts, nil
}

// TestFragmentSplit checks that a fragment with a Splitter sends part i of
// each chunk to its Broadcast's subscriber i, and every barrier to all.
func TestFragmentSplit(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	f := exec.NewFragment(exec.FragmentSpec{Logger: quiet, Name: "exchange", Mem: mem, Split: paritySplit{t, mem}})
	even, odd := make(chan exec.Message, 16), make(chan exec.Message, 16)
	f.Output().Add(even)
	f.Output().Add(odd)
	errc := runFragment(ctx, f)
	if err := f.Do(ctx, func(ctx context.Context, in exec.Output) error {
		if err := in.Push(ctx, chunk(t, mem, "+ | 1\n+ | 2\n- | 3\n+ | 5")); err != nil {
			return err
		}
		return in.Push(ctx, chunk(t, mem, "+ | 4"))
	}); err != nil {
		t.Fatal(err)
	}
	if err := f.InjectBarrier(ctx, exec.Barrier{Epoch: 1, Kind: exec.Stop}); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if got, want := readAll(t, even), "+ | 2\n+ | 4\nstop 1\n"; got != want {
		t.Errorf("part 0: got\n%s\nwant\n%s", got, want)
	}
	if got, want := readAll(t, odd), "+ | 1\n- | 3\n+ | 5\nstop 1\n"; got != want {
		t.Errorf("part 1: got\n%s\nwant\n%s", got, want)
	}
}
