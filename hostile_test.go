package weir_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/weir-stream/weir/sql/sqlstate"
)

// TestHostileClients sends what a broken or malicious client might: deep and
// huge expressions, invalid UTF-8 and NUL bytes, random bytes, absurd length
// prefixes, and a client that disappears in the middle of a big result. The
// server must answer each with an error or a closed connection, and a second
// session must be answered throughout and after.
func TestHostileClients(t *testing.T) {
	ts := startServer(t, memoryConfig())
	ctx := context.Background()
	addr := strings.TrimPrefix(strings.Split(ts.dsn, "@")[1], "")
	addr = addr[:strings.Index(addr, "/")]
	observer := connect(t, ts.dsn)
	mustExec(t, observer, "CREATE TABLE n (i INT PRIMARY KEY)")
	var vals []string
	for i := 1; i <= 1000; i++ {
		vals = append(vals, fmt.Sprintf("(%d)", i))
	}
	mustExec(t, observer, "INSERT INTO n VALUES "+strings.Join(vals, ","))
	mustExec(t, observer, "CREATE TABLE notes (id INT PRIMARY KEY, body VARCHAR)")
	mustExec(t, observer, "FLUSH")
	alive := func(when string) {
		t.Helper()
		qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		var n int64
		if err := observer.QueryRow(qctx, "SELECT count(*) FROM n").Scan(&n); err != nil || n != 1000 {
			t.Fatalf("after %s: the other session got %d, %v", when, n, err)
		}
	}
	wantCode := func(t *testing.T, err error, code string) {
		t.Helper()
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != code {
			t.Fatalf("got %v, want SQLSTATE %s", err, code)
		}
	}

	t.Run("deep and huge expressions", func(t *testing.T) {
		c := connect(t, ts.dsn)
		for _, text := range []string{
			"SELECT " + strings.Repeat("(", 5000) + "1" + strings.Repeat(")", 5000),
			"SELECT " + strings.Repeat("- ", 5000) + "1",
			"SELECT 1" + strings.Repeat("+1", 1<<19), // 1 MB
			"SELECT 1" + strings.Repeat("+1", 5<<19), // 5 MB: overflowed the stack before
			"SELECT " + strings.Repeat("(SELECT ", 3000) + "1" + strings.Repeat(")", 3000),
		} {
			start := time.Now()
			_, err := c.Exec(ctx, text, pgx.QueryExecModeSimpleProtocol)
			wantCode(t, err, "54001")
			// How long it took is logged, never judged: the machine's load
			// would decide (sql's TestHugeChainFast checks the parser's work
			// grows linearly).
			t.Logf("refusing %d bytes took %v", len(text), time.Since(start))
			_, err = c.Exec(ctx, text, pgx.QueryExecModeDescribeExec)
			wantCode(t, err, "54001")
			alive("a deep expression")
		}
		// A statement over the size bound is refused before it is parsed.
		_, err := c.Exec(ctx, "SELECT '"+strings.Repeat("x", 17<<20)+"'", pgx.QueryExecModeSimpleProtocol)
		wantCode(t, err, "54000")
		if _, err := c.Exec(ctx, "SELECT 1"); err != nil {
			t.Fatalf("the session does not go on: %v", err)
		}
		alive("a huge statement")
	})

	t.Run("invalid UTF-8 and NUL", func(t *testing.T) {
		c := connect(t, ts.dsn)
		_, err := c.Exec(ctx, "INSERT INTO notes VALUES (1, 'bad \xff')", pgx.QueryExecModeSimpleProtocol)
		wantCode(t, err, "22021")
		_, err = c.Exec(ctx, "INSERT INTO notes VALUES (2, 'bad \xff')", pgx.QueryExecModeExec)
		wantCode(t, err, "22021")
		for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeExec, pgx.QueryExecModeDescribeExec, pgx.QueryExecModeCacheStatement} {
			_, err = c.Exec(ctx, "INSERT INTO notes VALUES ($1, $2)", mode, 3, "bad \xc3\x28")
			wantCode(t, err, "22021")
			_, err = c.Exec(ctx, "INSERT INTO notes VALUES ($1, $2)", mode, 4, "nul \x00 inside")
			wantCode(t, err, "22021")
			_, err = c.Exec(ctx, "UPDATE notes SET body = $1", mode, "bad \xfe")
			wantCode(t, err, "22021")
		}
		// Escapes can spell the same bytes in valid statement text.
		_, err = c.Exec(ctx, `INSERT INTO notes VALUES (6, E'\xff')`, pgx.QueryExecModeSimpleProtocol)
		wantCode(t, err, "22021")
		_, err = c.Exec(ctx, `INSERT INTO notes VALUES (7, E'a\000b')`, pgx.QueryExecModeSimpleProtocol)
		wantCode(t, err, "22021")
		// The embedding API goes through the same lexer.
		if err := ts.eng.Exec(ctx, "INSERT INTO notes VALUES (8, 'bad \xff')"); err == nil || sqlstate.From(err).Code != "22021" {
			t.Fatalf("embedded INSERT of invalid UTF-8: %v", err)
		}
		mustExec(t, c, "INSERT INTO notes VALUES (5, 'fine ✓')")
		mustExec(t, c, "FLUSH")
		var n int64
		if err := observer.QueryRow(ctx, "SELECT count(*) FROM notes").Scan(&n); err != nil || n != 1 {
			t.Fatalf("notes: %d rows, %v; want the one valid row", n, err)
		}
		alive("invalid text")
	})

	t.Run("client_encoding", func(t *testing.T) {
		_, err := pgx.Connect(ctx, ts.dsn+"&client_encoding=LATIN1")
		wantCode(t, err, "0A000")
		c := connect(t, ts.dsn+"&client_encoding=UTF8")
		_, err = c.Exec(ctx, "SET client_encoding = 'WIN1252'")
		wantCode(t, err, "0A000")
		alive("a refused encoding")
	})

	t.Run("random bytes", func(t *testing.T) {
		rng := rand.New(rand.NewSource(1))
		for i := range 30 {
			nc := dial(t, addr)
			if i%2 == 1 {
				startup(t, nc)
			}
			junk := make([]byte, 1+rng.Intn(4096))
			rng.Read(junk)
			nc.Write(junk)
			drain(nc)
		}
		alive("random bytes")
	})

	t.Run("absurd lengths", func(t *testing.T) {
		for _, msg := range [][]byte{
			be32(0x7fffffff, 0x00030000), // startup packet of 2 GiB
			be32(4),                      // startup packet shorter than its header
			be32(8, 80877103),            // SSLRequest, then nothing
			append([]byte{'Q'}, be32(0x7ffffff0)...),
		} {
			nc := dial(t, addr)
			if msg[0] == 'Q' {
				startup(t, nc)
			}
			nc.Write(msg)
			drain(nc)
		}
		// A message body at the protocol's bound, sent in full.
		nc := dial(t, addr)
		startup(t, nc)
		body := 65 << 20
		hdr := append([]byte{'Q'}, be32(uint32(body+4))...)
		nc.Write(hdr)
		go func() { nc.Write(make([]byte, body)) }()
		drain(nc)
		alive("absurd lengths")
	})

	t.Run("client killed mid-result", func(t *testing.T) {
		for range 3 {
			nc := dial(t, addr)
			startup(t, nc)
			fe := pgproto3.NewFrontend(nc, nc)
			fe.Send(&pgproto3.Query{String: "SELECT a.i, b.i FROM n a, n b"})
			if err := fe.Flush(); err != nil {
				t.Fatal(err)
			}
			rows := 0
			for rows < 10 {
				msg, err := fe.Receive()
				if err != nil {
					t.Fatalf("receive: %v", err)
				}
				switch m := msg.(type) {
				case *pgproto3.DataRow:
					rows++
				case *pgproto3.ErrorResponse:
					t.Fatalf("big select failed: %s", m.Message)
				}
			}
			nc.Close()
			alive("a client killed mid-result")
		}
	})

	// A new session works too.
	c := connect(t, ts.dsn)
	if _, err := c.Exec(ctx, "SELECT 1"); err != nil {
		t.Fatalf("a new session after the attacks: %v", err)
	}
	alive("everything")
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	nc.SetDeadline(time.Now().Add(30 * time.Second))
	t.Cleanup(func() { nc.Close() })
	return nc
}

// startup opens a session on nc and reads up to its first ReadyForQuery.
func startup(t *testing.T, nc net.Conn) {
	t.Helper()
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30,
		Parameters: map[string]string{"user": "weir", "database": "weir"}})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	for {
		msg, err := fe.Receive()
		if err != nil {
			t.Fatalf("startup: %v", err)
		}
		switch m := msg.(type) {
		case *pgproto3.ReadyForQuery:
			return
		case *pgproto3.ErrorResponse:
			t.Fatalf("startup: %s", m.Message)
		}
	}
}

// drain reads what the server answers until it closes the connection (or
// the deadline passes, which fails nothing: the server may wait for more).
func drain(nc net.Conn) {
	nc.SetReadDeadline(time.Now().Add(3 * time.Second))
	io.Copy(io.Discard, nc)
	nc.Close()
}

func be32(vs ...uint32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	return b
}
