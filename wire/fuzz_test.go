package wire

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// FuzzDecodeMessages feeds arbitrary bytes to a connection as the client's
// stream (startup and messages) over net.Pipe, against the fake session. The
// connection must neither panic nor hang, and must release every batch.
func FuzzDecodeMessages(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		fac := &fakeFactory{mem: memory.NewCheckedAllocator(memory.NewGoAllocator())}
		srv := NewServer(fac, Options{MaxMessageSize: 1 << 16})
		client, server := net.Pipe()
		deadline := time.Now().Add(5 * time.Second)
		client.SetDeadline(deadline)
		server.SetDeadline(deadline)

		c := srv.startConn(context.Background(), server)
		done := make(chan struct{})
		go func() {
			defer close(done)
			c.serve()
			srv.endConn(c)
		}()
		drained := make(chan struct{})
		go func() {
			defer close(drained)
			io.Copy(io.Discard, client)
		}()
		client.Write(data)
		client.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("connection did not end")
		}
		<-drained
		if n := fac.mem.(*memory.CheckedAllocator).CurrentAlloc(); n != 0 {
			t.Fatalf("%d bytes of Arrow memory leaked", n)
		}
		if fac.opened.Load() != fac.closed.Load() {
			t.Fatal("session not closed")
		}
	})
}
