package wire

import (
	"encoding/binary"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"
)

// TestAuthMessageBound: before it has authenticated, a client cannot make
// the server read (and allocate) a message of Options.MaxMessageSize; once
// it has, large messages are served.
func TestAuthMessageBound(t *testing.T) {
	ts := startServer(t, Options{Passwords: passwords(t, map[string]string{"weir": "pw"})})
	nc, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30,
		Parameters: map[string]string{"user": "weir", "database": "weir"}})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	msg, err := fe.Receive()
	if _, ok := msg.(*pgproto3.AuthenticationSASL); !ok {
		t.Fatalf("got %T %v, want AuthenticationSASL", msg, err)
	}
	// A SASLInitialResponse announcing 64 MiB, of which nothing follows.
	hdr := []byte{'p', 0, 0, 0, 0}
	binary.BigEndian.PutUint32(hdr[1:], DefaultMaxMessageSize)
	if _, err := nc.Write(hdr); err != nil {
		t.Fatal(err)
	}
	msg, err = fe.Receive()
	e, ok := msg.(*pgproto3.ErrorResponse)
	if !ok || e.Severity != "FATAL" || e.Code != "08P01" {
		t.Fatalf("got %T %+v, %v; want FATAL 08P01", msg, msg, err)
	}
	if _, err := io.ReadAll(nc); err != nil {
		t.Fatalf("the server did not close the connection: %v", err)
	}

	// After AuthenticationOk the bound is Options.MaxMessageSize.
	conn, err := pgx.Connect(testCtx(t), strings.Replace(ts.connString(""), "weir@", "weir:pw@", 1))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(testCtx(t))
	long := "create table " + strings.Repeat("x", 2*MaxAuthMessageSize)
	if tag, err := conn.Exec(testCtx(t), long, pgx.QueryExecModeSimpleProtocol); err != nil || tag.String() != "CREATE TABLE" {
		t.Fatalf("a %d-byte statement after authentication: %q, %.200v", len(long), tag, err)
	}
}

// TestMaxStartupConns: connections that have not authenticated count
// against Options.MaxStartupConns; one beyond it is refused with 53300,
// and a slot is free again once one of them leaves.
func TestMaxStartupConns(t *testing.T) {
	ts := startServer(t, Options{MaxStartupConns: 2, Passwords: passwords(t, map[string]string{"weir": "pw"})})
	dsn := strings.Replace(ts.connString(""), "weir@", "weir:pw@", 1)
	var idle []net.Conn
	for range 2 {
		nc, err := net.Dial("tcp", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		idle = append(idle, nc)
	}
	waitFor(t, func() bool { return ts.srv.starting.Load() == 2 })

	_, err := pgx.Connect(testCtx(t), dsn)
	wantPgError(t, err, "53300", "sorry, too many clients already")

	idle[0].Close()
	waitFor(t, func() bool { return ts.srv.starting.Load() == 1 })
	conn, err := pgx.Connect(testCtx(t), dsn)
	if err != nil {
		t.Fatalf("with a free slot: %v", err)
	}
	defer conn.Close(testCtx(t))
	// An authenticated session no longer holds a startup slot (the server
	// lets it go just after the client sees ReadyForQuery).
	waitFor(t, func() bool { return ts.srv.starting.Load() == 1 })
}
