package exec

import (
	"context"
	"fmt"
	"sync"
)

// Broadcast is the Output at the end of a fragment: it fans every chunk and
// barrier out to the subscriber channels. Channels are bounded; a send blocks
// while a subscriber's channel is full, which is how backpressure reaches the
// fragment. Each subscriber receives its own reference to a chunk's batch (the
// Ops slice is shared and must not be modified).
//
// Push and Barrier are called from the fragment goroutine; Add and Remove are
// meant to be called from it too (inside Fragment.Do), so a subscriber joins
// between two messages, but they are safe from any goroutine. The Broadcast
// closes the channels still subscribed when the fragment ends (Close).
//
// With a Splitter (an exchange), a chunk is divided instead: subscriber i
// receives part i. Barriers still go to every subscriber.
type Broadcast struct {
	mu     sync.Mutex
	subs   []chan<- Message // copy-on-write: Push sends over a snapshot
	closed bool
	split  Splitter
}

// Splitter divides the rows of a chunk among n downstream instances, as an
// exchange does between a fragment and the parallel instances of a stateful
// operator. Split returns n chunks (an empty one where an instance gets no
// row), each holding a reference the caller hands on or releases; it
// borrows c. Every row goes to exactly one part, and rows keep their order
// within a part. An update pair split across two parts must become a
// Delete and an Insert.
type Splitter interface {
	Split(ctx context.Context, c Chunk, n int) ([]Chunk, error)
}

// NewBroadcast returns a Broadcast with no subscriber.
func NewBroadcast() *Broadcast { return &Broadcast{} }

// Add subscribes ch: it receives every message pushed from now on. Adding to
// a closed Broadcast closes ch at once.
func (b *Broadcast) Add(ch chan<- Message) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		close(ch)
		return
	}
	subs := make([]chan<- Message, len(b.subs), len(b.subs)+1)
	copy(subs, b.subs)
	b.subs = append(subs, ch)
}

// Remove unsubscribes ch, which the Broadcast will then neither send to nor
// close. It reports whether ch was subscribed.
func (b *Broadcast) Remove(ch chan<- Message) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, s := range b.subs {
		if s == ch {
			subs := make([]chan<- Message, 0, len(b.subs)-1)
			subs = append(subs, b.subs[:i]...)
			b.subs = append(subs, b.subs[i+1:]...)
			return true
		}
	}
	return false
}

// Len returns the number of subscribers.
func (b *Broadcast) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}

func (b *Broadcast) snapshot() []chan<- Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.subs
}

// Push sends c to every subscriber, each with its own reference (with a
// Splitter: part i to subscriber i), and releases the caller's reference.
// An empty chunk is dropped. It returns ctx's error if ctx ends while a send
// is blocked.
func (b *Broadcast) Push(ctx context.Context, c Chunk) error {
	defer c.Release()
	if c.NumRows() == 0 {
		return nil
	}
	subs := b.snapshot()
	if b.split != nil && len(subs) > 0 {
		return b.pushSplit(ctx, c, subs)
	}
	for _, ch := range subs {
		c.Batch.Retain()
		select {
		case ch <- Message{Chunk: c}:
		case <-ctx.Done():
			c.Batch.Release()
			return ctx.Err()
		}
	}
	return nil
}

// pushSplit sends part i of c to subs[i].
func (b *Broadcast) pushSplit(ctx context.Context, c Chunk, subs []chan<- Message) error {
	parts, err := b.split.Split(ctx, c, len(subs))
	if err != nil {
		return err
	}
	if len(parts) != len(subs) {
		for _, p := range parts {
			p.Release()
		}
		return fmt.Errorf("exec: the exchange split a chunk into %d parts for %d instances", len(parts), len(subs))
	}
	for i, p := range parts {
		if p.NumRows() == 0 {
			p.Release()
			continue
		}
		select {
		case subs[i] <- Message{Chunk: p}:
		case <-ctx.Done():
			for _, rest := range parts[i:] {
				rest.Release()
			}
			return ctx.Err()
		}
	}
	return nil
}

// Barrier sends br to every subscriber.
func (b *Broadcast) Barrier(ctx context.Context, br Barrier) error {
	for _, ch := range b.snapshot() {
		bc := br
		select {
		case ch <- Message{Barrier: &bc}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// PushWatermark sends w to every subscriber (with a Splitter too: every
// parallel instance downstream learns the stream's watermark).
func (b *Broadcast) PushWatermark(ctx context.Context, w Watermark) error {
	for _, ch := range b.snapshot() {
		wc := w
		select {
		case ch <- Message{Watermark: &wc}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Close closes every subscribed channel (their readers see the end of the
// input) and makes later Adds close their channel at once.
func (b *Broadcast) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	b.closed = true
	for _, ch := range b.subs {
		close(ch)
	}
	b.subs = nil
}
