package exec_test

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/internal/exectest"
)

// idleAtEOFSource is a watermarkSource whose call of Next that returns
// io.EOF raises the watermark, as a source does whose last active split
// went idle during that call.
type idleAtEOFSource struct {
	watermarkSource
	atEOF exec.Watermark
}

func (s *idleAtEOFSource) Next(ctx context.Context) (exec.Chunk, error) {
	c, err := s.watermarkSource.Next(ctx)
	if errors.Is(err, io.EOF) {
		s.mu.Lock()
		s.pending = append(s.pending, s.atEOF)
		s.atEOF = exec.Watermark{}
		s.mu.Unlock()
	}
	return c, err
}

// TestWatermarkRaisedAtEOF checks that a watermark a source raised during
// the call of Next that ended it still reaches the output, after the last
// chunk and before the stop barrier, whether the root read the end in its
// loop or while draining for a barrier.
func TestWatermarkRaisedAtEOF(t *testing.T) {
	for _, drain := range []bool{false, true} {
		name := "loop"
		if drain {
			name = "drain"
		}
		t.Run(name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			ctx := context.Background()
			src := &idleAtEOFSource{watermarkSource: watermarkSource{Source: exectest.NewSource(chunk(t, mem, "+ | 1"))},
				atEOF: exec.Watermark{Column: 0, Value: 9}}
			f := exec.NewFragment(exec.FragmentSpec{Logger: quiet, Name: "root", Source: src,
				Ops: []exec.Operator{&passWatermarks{}}, Mem: mem})
			sub := make(chan exec.Message, 16)
			f.Output().Add(sub)
			src.Finish()
			if drain {
				// The barrier is queued before Run: the root reads the
				// source to its end for it.
				if err := f.InjectBarrier(ctx, exec.Barrier{Epoch: 1, Kind: exec.Stop, Drain: true}); err != nil {
					t.Fatal(err)
				}
			}
			errc := runFragment(ctx, f)
			if !drain {
				// Once Next returned io.EOF the root handles what that
				// call raised before it looks at the barrier.
				waitFor(t, func() bool {
					src.mu.Lock()
					defer src.mu.Unlock()
					return src.atEOF.Value == 0
				})
				if err := f.InjectBarrier(ctx, exec.Barrier{Epoch: 1, Kind: exec.Stop}); err != nil {
					t.Fatal(err)
				}
			}
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
			if got, want := readAll(t, sub), "+ | 1\nwatermark $0 9\nstop 1\n"; got != want {
				t.Fatalf("got\n%swant\n%s", got, want)
			}
		})
	}
}
