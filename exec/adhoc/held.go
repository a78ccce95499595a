//go:build duckdb_arrow

package adhoc

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/sql/sqlstate"
)

// A query's reader holds its DuckDB connection until the rows are read. A
// cursor's rows are read over many statements, for as long as its client
// likes, so a cursor run on a pooled connection would keep it from every
// other session's queries: a few open cursors would stall them all. Such a
// query (HoldRows) therefore never keeps a pooled connection. It takes one
// of a separate, bounded set of held connections (Options.HeldConns,
// connected when first needed), without waiting; one owner (a session)
// keeps at most a quarter of them (at least one), so that no session takes
// them all. When its owner may take none, it runs on a pooled connection as
// any query does, reads its rows into memory (at most Options.HeldMemory
// bytes, else it fails with 53000) and gives the connection back before it
// returns.

// holdRows marks a context whose queries' rows are held open by owner.
type holdRows struct{ owner any }

// HoldRows returns ctx marked so that the queries run under it keep their
// rows open across statements (a cursor's) for owner, a comparable value
// (the session): Query runs them on a held connection, or reads their rows
// into memory, never keeping a pooled connection for longer than the
// query's own run.
func HoldRows(ctx context.Context, owner any) context.Context {
	return context.WithValue(ctx, holdRows{}, holdRows{owner})
}

// rowsHolder returns the owner ctx was marked with by HoldRows.
func rowsHolder(ctx context.Context) (owner any, ok bool) {
	h, ok := ctx.Value(holdRows{}).(holdRows)
	return h.owner, ok
}

// heldConns are the connections queries whose rows are held open take
// instead of pooled ones: one slot per connection in use, idle ones kept
// for reuse, and how many each owner has.
type heldConns struct {
	slots    chan struct{}
	memory   int64 // Options.HeldMemory
	perOwner int

	mu     sync.Mutex
	idle   []*conn
	owners map[any]int
}

// newHeldConns returns the set of n held connections, none connected yet.
func newHeldConns(n int, memory int64) heldConns {
	return heldConns{slots: make(chan struct{}, n), memory: memory, perOwner: max(1, n/4), owners: map[any]int{}}
}

// acquireHeld takes a held connection for owner without waiting,
// connecting one when none is idle; it returns nil when every held
// connection is in use, or owner has its share of them.
func (e *Engine) acquireHeld(ctx context.Context, owner any) (*conn, error) {
	e.held.mu.Lock()
	if e.held.owners[owner] >= e.held.perOwner {
		e.held.mu.Unlock()
		return nil, nil
	}
	select {
	case e.held.slots <- struct{}{}:
		e.held.owners[owner]++
	default:
		e.held.mu.Unlock()
		return nil, nil
	}
	if n := len(e.held.idle); n > 0 {
		c := e.held.idle[n-1]
		e.held.idle = e.held.idle[:n-1]
		e.held.mu.Unlock()
		return c, nil
	}
	e.held.mu.Unlock()
	c, err := e.connect(ctx)
	if err == nil {
		e.mu.Lock()
		if e.closed {
			err = errEngineClosed
		} else {
			e.all = append(e.all, c)
		}
		e.mu.Unlock()
		if err != nil {
			c.drv.Close()
		}
	}
	if err != nil {
		e.releaseSlot(owner)
		return nil, err
	}
	return c, nil
}

// releaseHeld returns c, a held connection owner took, for reuse.
func (e *Engine) releaseHeld(c *conn, owner any) {
	e.held.mu.Lock()
	e.held.idle = append(e.held.idle, c)
	e.held.mu.Unlock()
	e.releaseSlot(owner)
}

// releaseSlot gives back the slot of a held connection owner took.
func (e *Engine) releaseSlot(owner any) {
	e.held.mu.Lock()
	if e.held.owners[owner]--; e.held.owners[owner] <= 0 {
		delete(e.held.owners, owner)
	}
	e.held.mu.Unlock()
	<-e.held.slots
}

// readAhead reads the rest of r's rows into memory, which ends its query
// and gives its connection back, and returns a reader over them. It takes
// over r's reference. Rows of more than Options.HeldMemory bytes fail with
// 53000.
func (e *Engine) readAhead(r array.RecordReader) (array.RecordReader, error) {
	defer r.Release()
	var batches []arrow.RecordBatch
	release := func() {
		for _, b := range batches {
			b.Release()
		}
	}
	var size int64
	for r.Next() {
		b := r.RecordBatch()
		if size += batchBytes(b); size > e.held.memory {
			release()
			return nil, sqlstate.Errorf(sqlstate.InsufficientResources,
				"the cursor's rows take more than %s, the memory a cursor without a cursor connection may hold", byteSize(e.held.memory)).
				WithDetail(fmt.Sprintf("There are %d cursor connections, at most %d for one session's open cursors.", cap(e.held.slots), e.held.perOwner)).
				WithHint("Close other cursors, declare this one over fewer rows, or raise server.cursor_connections or server.cursor_memory_bytes.")
		}
		b.Retain()
		batches = append(batches, b)
	}
	if err := r.Err(); err != nil {
		release()
		return nil, err
	}
	out, err := array.NewRecordReader(r.Schema(), batches)
	release()
	return out, err
}

// byteSize returns n bytes as a size in MB, or in bytes when it is no
// whole number of MB.
func byteSize(n int64) string {
	if n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10) + "MB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// batchBytes returns the bytes of the buffers b's columns reference.
func batchBytes(b arrow.RecordBatch) int64 {
	var n int64
	for _, col := range b.Columns() {
		n += dataBytes(col.Data())
	}
	return n
}

func dataBytes(d arrow.ArrayData) int64 {
	var n int64
	for _, buf := range d.Buffers() {
		if buf != nil {
			n += int64(buf.Len())
		}
	}
	for _, child := range d.Children() {
		n += dataBytes(child)
	}
	return n
}
