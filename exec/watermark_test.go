package exec_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/internal/exectest"
)

// passWatermarks forwards chunks and watermarks unchanged; shift, when set,
// moves a watermark to column shift-1 (as a projection maps one).
type passWatermarks struct {
	shift int
}

func (o *passWatermarks) ProcessChunk(ctx context.Context, _ int, c exec.Chunk, out exec.Output) error {
	c.Batch.Retain()
	return out.Push(ctx, c)
}

func (o *passWatermarks) OnWatermark(ctx context.Context, _ int, w exec.Watermark, out exec.Output) error {
	if o.shift > 0 {
		w.Column = o.shift - 1
	}
	return exec.PushWatermark(ctx, out, w)
}

// perInputOp records the watermarks it gets with their input number.
type perInputOp struct {
	passWatermarks
	mu  sync.Mutex
	got []string
}

func (o *perInputOp) PerInputWatermarks() {}

func (o *perInputOp) OnWatermark(ctx context.Context, input int, w exec.Watermark, out exec.Output) error {
	o.mu.Lock()
	o.got = append(o.got, exectest.FormatMessage(exec.Message{Watermark: &w}))
	o.mu.Unlock()
	return nil
}

// nextMessage returns the next message of ch printed, failing after a
// timeout.
func nextMessage(t *testing.T, ch <-chan exec.Message) string {
	t.Helper()
	select {
	case m := <-ch:
		m.Chunk.Release()
		return strings.TrimSpace(exectest.FormatMessage(m))
	case <-time.After(5 * time.Second):
		t.Fatal("no message")
	}
	return ""
}

// noMessage fails if ch delivers a message within a short wait.
func noMessage(t *testing.T, ch <-chan exec.Message) {
	t.Helper()
	select {
	case m := <-ch:
		m.Chunk.Release()
		t.Fatalf("unexpected message %s", exectest.FormatMessage(m))
	case <-time.After(50 * time.Millisecond):
	}
}

func wm(col int, v int64) exec.Message {
	return exec.Message{Watermark: &exec.Watermark{Column: col, Value: v}}
}

// TestWatermarkMinimumOverInputs checks that a fragment with two inputs
// passes on the minimum of their watermarks when it rises: nothing while
// one input is stalled (has sent none), then each rise of the minimum once;
// an input that ended no longer holds the minimum back.
func TestWatermarkMinimumOverInputs(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in0, in1 := make(chan exec.Message), make(chan exec.Message)
	f := exec.NewFragment(exec.FragmentSpec{Logger: quiet, Name: "union",
		Inputs: []<-chan exec.Message{in0, in1}, Ops: []exec.Operator{&passWatermarks{}}})
	sub := make(chan exec.Message, 16)
	f.Output().Add(sub)
	errc := runFragment(ctx, f)

	in0 <- wm(0, 10)
	in0 <- wm(0, 20)
	noMessage(t, sub) // input 1 is stalled: no minimum yet
	in1 <- wm(0, 15)
	if got := nextMessage(t, sub); got != "watermark $0 15" {
		t.Fatalf("got %q, want the minimum 15", got)
	}
	in0 <- wm(0, 30)
	noMessage(t, sub) // the minimum is still input 1's 15
	in1 <- wm(0, 12)  // a watermark never goes back
	noMessage(t, sub)
	in1 <- wm(0, 40)
	if got := nextMessage(t, sub); got != "watermark $0 30" {
		t.Fatalf("got %q, want 30", got)
	}
	in1 <- wm(1, 7) // another column: input 0 has none on it
	noMessage(t, sub)
	close(in1)
	in0 <- wm(0, 50) // input 1 ended: input 0 alone decides
	if got := nextMessage(t, sub); got != "watermark $0 50" {
		t.Fatalf("got %q, want 50", got)
	}
	close(in0)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// TestWatermarkPerInput checks that an operator that asks for them gets
// each input's rising watermarks with the input's number.
func TestWatermarkPerInput(t *testing.T) {
	ctx := context.Background()
	in0, in1 := make(chan exec.Message), make(chan exec.Message)
	op := &perInputOp{}
	f := exec.NewFragment(exec.FragmentSpec{Logger: quiet, Name: "join",
		Inputs: []<-chan exec.Message{in0, in1}, Ops: []exec.Operator{op}})
	errc := runFragment(ctx, f)
	in0 <- wm(2, 10)
	in1 <- wm(0, 5)
	in1 <- wm(0, 5) // not a rise
	in0 <- wm(2, 11)
	close(in0)
	close(in1)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	got := strings.Join(op.got, "")
	want := "watermark $2 10\nwatermark $0 5\nwatermark $2 11\n"
	if got != want {
		t.Fatalf("got\n%swant\n%s", got, want)
	}
}

// watermarkSource is an exectest.Source whose every chunk is followed by
// the watermark queued with it.
type watermarkSource struct {
	*exectest.Source
	mu      sync.Mutex
	pending []exec.Watermark
}

func (s *watermarkSource) TakeWatermarks() []exec.Watermark {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.pending
	s.pending = nil
	return out
}

// TestWatermarkPropagation checks the path of a source's watermark through
// a chain: in band after the chunk it follows, mapped by an operator that
// handles it, dropped by one that does not.
func TestWatermarkPropagation(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		ops  []exec.Operator
		want string
	}{
		{"passed and mapped", []exec.Operator{&passWatermarks{}, &passWatermarks{shift: 4}}, "+ | 1\nwatermark $3 100\n+ | 2\nstop 1\n"},
		{"dropped by an operator that does not handle it", []exec.Operator{&passWatermarks{}, &recordOp{name: "agg"}}, "+ | 1\n+ | 2\nstop 1\n"},
		{"no operator", nil, "+ | 1\nwatermark $0 100\n+ | 2\nstop 1\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := &watermarkSource{Source: exectest.NewSource()}
			f := exec.NewFragment(exec.FragmentSpec{Logger: quiet, Name: "root", Source: src, Ops: tc.ops, Mem: mem})
			sub := make(chan exec.Message, 16)
			f.Output().Add(sub)
			src.mu.Lock()
			src.pending = []exec.Watermark{{Column: 0, Value: 100}}
			src.mu.Unlock()
			src.Add(chunk(t, mem, "+ | 1"))
			errc := runFragment(ctx, f)
			waitFor(t, func() bool { return src.Position() == 1 })
			waitFor(t, func() bool { src.mu.Lock(); defer src.mu.Unlock(); return src.pending == nil })
			src.Add(chunk(t, mem, "+ | 2"))
			src.Finish()
			waitFor(t, func() bool { return src.Position() == 2 })
			if err := f.InjectBarrier(ctx, exec.Barrier{Epoch: 1, Kind: exec.Stop}); err != nil {
				t.Fatal(err)
			}
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
			if got := readAll(t, sub); got != tc.want {
				t.Fatalf("got\n%swant\n%s", got, tc.want)
			}
		})
	}
}

// toFirst is a Splitter that gives every row to instance 0.
type toFirst struct{}

func (toFirst) Split(_ context.Context, c exec.Chunk, n int) ([]exec.Chunk, error) {
	parts := make([]exec.Chunk, n)
	c.Batch.Retain()
	parts[0] = c
	return parts, nil
}

// TestWatermarkThroughExchange checks that an exchange, which divides the
// rows among the parallel instances downstream, sends each watermark to
// every instance: an instance that gets no row still learns it.
func TestWatermarkThroughExchange(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	src := &watermarkSource{Source: exectest.NewSource(chunk(t, mem, "+ | 1"))}
	src.pending = []exec.Watermark{{Column: 0, Value: 7}}
	f := exec.NewFragment(exec.FragmentSpec{Logger: quiet, Name: "exchange", Source: src, Split: toFirst{}, Mem: mem})
	subs := []chan exec.Message{make(chan exec.Message, 16), make(chan exec.Message, 16)}
	for _, s := range subs {
		f.Output().Add(s)
	}
	src.Finish()
	errc := runFragment(ctx, f)
	waitFor(t, func() bool { return src.Position() == 1 })
	waitFor(t, func() bool { src.mu.Lock(); defer src.mu.Unlock(); return src.pending == nil })
	if err := f.InjectBarrier(ctx, exec.Barrier{Epoch: 1, Kind: exec.Stop}); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"+ | 1\nwatermark $0 7\nstop 1\n", "watermark $0 7\nstop 1\n"} {
		if got := readAll(t, subs[i]); got != want {
			t.Errorf("instance %d got\n%swant\n%s", i, got, want)
		}
	}
}

// TestWatermarkInputEnds checks that when an input of a multi-input
// fragment ends, the minimum over the others is passed on at once if it
// rose: the ended input no longer holds it back.
func TestWatermarkInputEnds(t *testing.T) {
	ctx := context.Background()
	in0, in1 := make(chan exec.Message), make(chan exec.Message)
	f := exec.NewFragment(exec.FragmentSpec{Logger: quiet, Name: "union",
		Inputs: []<-chan exec.Message{in0, in1}, Ops: []exec.Operator{&passWatermarks{}}})
	sub := make(chan exec.Message, 16)
	f.Output().Add(sub)
	errc := runFragment(ctx, f)
	in0 <- wm(0, 60)
	in1 <- wm(0, 40)
	if got := nextMessage(t, sub); got != "watermark $0 40" {
		t.Fatalf("got %q, want 40", got)
	}
	close(in1)
	if got := nextMessage(t, sub); got != "watermark $0 60" {
		t.Fatalf("after input 1 ended: got %q, want 60", got)
	}
	close(in0)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}
