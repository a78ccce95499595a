package exec_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/cockroachdb/datadriven"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/internal/exectest"
)

// TestAligner scripts interleavings of inputs:
//
//	init inputs=N           new aligner over N buffered channels
//	send input=I            queue the input's lines on input I: chunk rows
//	                        (`+ | 1`, one chunk per line), `barrier E`, `stop E`
//	close input=I           close input I
//	next [n=K]              read up to K events; "blocked" when none is ready
func TestAligner(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema, err := exectest.ParseSchema("v bigint")
	if err != nil {
		t.Fatal(err)
	}
	var chans []chan exec.Message
	var al exec.BarrierAligner
	drain := func() {
		for _, ch := range chans {
			for {
				select {
				case m, ok := <-ch:
					if ok {
						m.Chunk.Release()
						continue
					}
				default:
				}
				break
			}
		}
	}
	defer drain()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	datadriven.RunTest(t, "testdata/aligner", func(t *testing.T, d *datadriven.TestData) string {
		switch d.Cmd {
		case "init":
			drain()
			var n int
			d.ScanArgs(t, "inputs", &n)
			chans = make([]chan exec.Message, n)
			ins := make([]<-chan exec.Message, n)
			for i := range chans {
				chans[i] = make(chan exec.Message, 64)
				ins[i] = chans[i]
			}
			al = exec.NewBarrierAligner(ins)
			return ""
		case "send":
			var i int
			d.ScanArgs(t, "input", &i)
			for _, line := range strings.Split(strings.TrimSpace(d.Input), "\n") {
				var e uint64
				switch {
				case strings.HasPrefix(line, "barrier "):
					fmt.Sscanf(line, "barrier %d", &e)
					chans[i] <- exec.Message{Barrier: &exec.Barrier{Epoch: exec.Epoch(e)}}
				case strings.HasPrefix(line, "stop "):
					fmt.Sscanf(line, "stop %d", &e)
					chans[i] <- exec.Message{Barrier: &exec.Barrier{Epoch: exec.Epoch(e), Kind: exec.Stop}}
				default:
					c, err := exectest.ParseChunk(mem, schema, line)
					if err != nil {
						return fmt.Sprintf("error: %v\n", err)
					}
					chans[i] <- exec.Message{Chunk: c}
				}
			}
			return ""
		case "close":
			var i int
			d.ScanArgs(t, "input", &i)
			close(chans[i])
			return ""
		case "next":
			n := 1
			if d.HasArg("n") {
				d.ScanArgs(t, "n", &n)
			}
			var b strings.Builder
			for k := 0; k < n; k++ {
				m, in, done, err := al.Next(cancelled)
				switch {
				case err == context.Canceled:
					b.WriteString("blocked\n")
					return b.String()
				case err != nil:
					fmt.Fprintf(&b, "error: %v\n", err)
					return b.String()
				case done:
					b.WriteString("done\n")
					return b.String()
				case m.Barrier != nil:
					b.WriteString(exectest.FormatMessage(m))
				default:
					fmt.Fprintf(&b, "input %d: %s", in, exectest.FormatChunk(m.Chunk))
					m.Chunk.Release()
				}
			}
			return b.String()
		}
		return fmt.Sprintf("unknown command %q\n", d.Cmd)
	})
}
