//go:build duckdb_arrow

package adhoc

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/sql/sqlstate"
)

// TestHeldQueriesKeepNoPooledConnection holds the rows of more queries open
// (HoldRows, each for its own owner) than the engine has held connections,
// over a pool of one connection: the first ones keep held connections, the
// next reads its rows into memory, one too large for that fails with 53000,
// and meanwhile an ordinary query still gets the pool's connection. The
// deadline only detects a query that waits for a connection no one gives
// back.
func TestHeldQueriesKeepNoPooledConnection(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	e, err := Open(context.Background(), Options{Mem: mem, Conns: 1, HeldConns: 2, HeldMemory: 1 << 20,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	owner := 0
	// held returns ctx marked for a new owner.
	held := func() context.Context {
		owner++
		return HoldRows(ctx, owner)
	}

	// count reads the rows of r and releases it.
	count := func(r array.RecordReader) int64 {
		t.Helper()
		defer r.Release()
		var n int64
		for r.Next() {
			n += r.RecordBatch().NumRows()
		}
		if err := r.Err(); err != nil {
			t.Fatal(err)
		}
		return n
	}
	query := func(ctx context.Context, text string) array.RecordReader {
		t.Helper()
		_, r, err := e.Query(ctx, text, nil, nil)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		return r
	}

	var open []array.RecordReader
	for range 2 {
		r := query(held(), "SELECT * FROM range(100000)")
		if rr, ok := r.(*resultReader); !ok || !rr.held {
			t.Fatalf("a held query's reader is %T, want one on a held connection", r)
		}
		open = append(open, r)
	}
	if n := count(query(ctx, "SELECT * FROM range(10)")); n != 10 {
		t.Fatalf("an ordinary query beside held ones read %d rows, want 10", n)
	}

	// Every held connection is taken: the next held query's rows are read
	// into memory and its pooled connection given back.
	ahead := query(held(), "SELECT * FROM range(5000)")
	if _, ok := ahead.(*resultReader); ok {
		t.Fatal("a held query past the held connections kept its connection")
	}
	if n := count(query(ctx, "SELECT * FROM range(10)")); n != 10 {
		t.Fatalf("an ordinary query beside a read-ahead one read %d rows, want 10", n)
	}
	if n := count(ahead); n != 5000 {
		t.Fatalf("the read-ahead query has %d rows, want 5000", n)
	}
	_, _, err = e.Query(held(), "SELECT * FROM range(1000000)", nil, nil)
	var se *sqlstate.Error
	if !errors.As(err, &se) || se.Code != sqlstate.InsufficientResources {
		t.Fatalf("a held query past the memory bound: %v, want 53000", err)
	}
	if n := count(query(ctx, "SELECT * FROM range(10)")); n != 10 {
		t.Fatalf("an ordinary query after a failed read-ahead read %d rows, want 10", n)
	}

	// The held connections, once released, serve held queries again.
	for _, r := range open {
		if n := count(r); n != 100000 {
			t.Fatalf("a held query read %d rows, want 100000", n)
		}
	}
	r := query(held(), "SELECT * FROM range(3)")
	if _, ok := r.(*resultReader); !ok {
		t.Fatal("a released held connection was not reused")
	}
	if n := count(r); n != 3 {
		t.Fatalf("read %d rows, want 3", n)
	}
}

// TestHeldConnectionsPerOwner: one owner keeps at most a quarter of the
// held connections; its next held query reads its rows into memory while
// another owner still gets a held connection, and the owner's share comes
// back when it releases one.
func TestHeldConnectionsPerOwner(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	e, err := Open(context.Background(), Options{Mem: mem, Conns: 1, HeldConns: 8,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	keeps := func(r array.RecordReader) bool {
		rr, ok := r.(*resultReader)
		return ok && rr.held
	}
	query := func(owner string) array.RecordReader {
		t.Helper()
		_, r, err := e.Query(HoldRows(ctx, owner), "SELECT * FROM range(100000)", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a1, a2, a3 := query("a"), query("a"), query("a")
	if !keeps(a1) || !keeps(a2) || keeps(a3) {
		t.Fatalf("owner a's three held queries keep connections: %v %v %v, want two of eight", keeps(a1), keeps(a2), keeps(a3))
	}
	b := query("b")
	if !keeps(b) {
		t.Fatal("owner b got no held connection while owner a had its share")
	}
	a1.Release()
	a4 := query("a")
	if !keeps(a4) {
		t.Fatal("owner a got no held connection back after releasing one")
	}
	for _, r := range []array.RecordReader{a2, a3, b, a4} {
		r.Release()
	}
}
