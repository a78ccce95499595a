package exectest

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/weir-stream/weir/exec"
)

// Collector is an exec.Output that keeps every chunk pushed to it. It takes
// over the reference of each chunk; Release (or Take) gives them back.
// Collector is safe for concurrent use.
type Collector struct {
	mu     sync.Mutex
	chunks []exec.Chunk
	// Err, when set, is returned by Push (after releasing the chunk), to
	// simulate a dataflow being torn down.
	Err error
}

// Push keeps c, or releases it and returns Err when Err is set.
func (o *Collector) Push(_ context.Context, c exec.Chunk) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.Err != nil {
		c.Release()
		return o.Err
	}
	o.chunks = append(o.chunks, c)
	return nil
}

// Chunks returns the chunks collected so far; they stay owned by o.
func (o *Collector) Chunks() []exec.Chunk {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]exec.Chunk(nil), o.chunks...)
}

// Len returns the number of chunks collected so far.
func (o *Collector) Len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.chunks)
}

// String prints every collected chunk with FormatChunk, chunks separated by
// a line "--".
func (o *Collector) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return formatChunks(o.chunks)
}

// Take prints the collected chunks like String, then releases and forgets them.
func (o *Collector) Take() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := formatChunks(o.chunks)
	for _, c := range o.chunks {
		c.Release()
	}
	o.chunks = nil
	return s
}

// Release releases and forgets every collected chunk.
func (o *Collector) Release() { o.Take() }

func formatChunks(chunks []exec.Chunk) string {
	var b strings.Builder
	for i, c := range chunks {
		if i > 0 {
			b.WriteString("--\n")
		}
		b.WriteString(FormatChunk(c))
	}
	return b.String()
}

// FormatMessage prints m: a chunk as FormatChunk does, a barrier as
// `barrier <epoch>` or `stop <epoch>`, a watermark as
// `watermark $<column> <value>`, plus a newline.
func FormatMessage(m exec.Message) string {
	if w := m.Watermark; w != nil {
		return fmt.Sprintf("watermark $%d %d\n", w.Column, w.Value)
	}
	if m.Barrier != nil {
		if m.Barrier.Kind == exec.Stop {
			return "stop " + itoa(uint64(m.Barrier.Epoch)) + "\n"
		}
		return "barrier " + itoa(uint64(m.Barrier.Epoch)) + "\n"
	}
	return FormatChunk(m.Chunk)
}

func itoa(v uint64) string {
	if v == 0 {
		return "0"
	}
	var buf [20]byte
	i := len(buf)
	for v > 0 {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return string(buf[i:])
}
