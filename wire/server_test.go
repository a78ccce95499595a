package wire

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// testServer is a Server on 127.0.0.1:0 over a fakeFactory.
type testServer struct {
	srv    *Server
	f      *fakeFactory
	addr   string
	served chan error
}

func startServer(t *testing.T, opts Options) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{f: newFakeFactory(t), addr: ln.Addr().String(), served: make(chan error, 1)}
	ts.srv = NewServer(ts.f, opts)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { ts.served <- ts.srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-ts.served; err != nil {
			t.Errorf("Serve: %v", err)
		}
		waitFor(t, func() bool { return ts.f.opened.Load() == ts.f.closed.Load() })
	})
	return ts
}

func (ts *testServer) connString(extra string) string {
	host, port, _ := net.SplitHostPort(ts.addr)
	return fmt.Sprintf("postgres://weir@%s:%s/weir?sslmode=disable%s", host, port, extra)
}

func (ts *testServer) connect(t *testing.T) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(testCtx(t), ts.connString(""))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestSimpleQueryMultiStatement(t *testing.T) {
	ts := startServer(t, Options{})
	conn := ts.connect(t)
	results, err := conn.PgConn().Exec(testCtx(t), "select 1; create table x (a int); gen 4; notice").ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range results {
		var vals []string
		for _, row := range r.Rows {
			vals = append(vals, string(row[0]))
		}
		got = append(got, fmt.Sprintf("%s %v", r.CommandTag, vals))
	}
	want := "[SELECT 1 [1] CREATE TABLE [] SELECT 4 [0 1 2 3] SET []]"
	if fmt.Sprint(got) != want {
		t.Fatalf("got %v, want %v", got, want)
	}
	// An empty query gets EmptyQueryResponse, then the connection goes on.
	if _, err := conn.PgConn().Exec(testCtx(t), " ; ").ReadAll(); err != nil {
		t.Fatal(err)
	}
	// The first failing statement stops the script.
	_, err = conn.PgConn().Exec(testCtx(t), "select 1; select * from nope; select 1").ReadAll()
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42P01" || pgErr.Position != 25 {
		t.Fatalf("got %#v", err)
	}
}

func TestErrorPosition(t *testing.T) {
	ts := startServer(t, Options{})
	conn := ts.connect(t)
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeDescribeExec, pgx.QueryExecModeCacheStatement} {
		// "é" is two bytes and one character: the position counts characters.
		_, err := conn.Exec(testCtx(t), "select 'é' from nope", mode)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) {
			t.Fatalf("%v: got %v", mode, err)
		}
		if pgErr.Code != "42P01" || pgErr.Position != 17 || pgErr.Severity != "ERROR" || pgErr.Message != `relation "nope" does not exist` {
			t.Fatalf("%v: got %+v", mode, pgErr)
		}
	}
	if err := conn.Ping(testCtx(t)); err != nil {
		t.Fatal(err)
	}
}

func TestBadUser(t *testing.T) {
	ts := startServer(t, Options{})
	_, err := pgx.Connect(testCtx(t), strings.Replace(ts.connString(""), "weir@", "nobody@", 1))
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "22023" || pgErr.Severity != "FATAL" {
		t.Fatalf("got %v", err)
	}
}

func TestMaxConns(t *testing.T) {
	ts := startServer(t, Options{MaxConns: 1})
	ts.connect(t)
	_, err := pgx.Connect(testCtx(t), ts.connString(""))
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "53300" {
		t.Fatalf("got %v", err)
	}
}

func TestSSLRequestRefused(t *testing.T) {
	ts := startServer(t, Options{})
	conn, err := pgx.Connect(testCtx(t), strings.Replace(ts.connString(""), "sslmode=disable", "sslmode=prefer", 1))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var v int32
	if err := conn.QueryRow(testCtx(t), "select 1").Scan(&v); err != nil || v != 1 {
		t.Fatalf("got %v %v", v, err)
	}
	if got := conn.PgConn().ParameterStatus("server_version"); got != DefaultServerVersion {
		t.Fatalf("server_version %q", got)
	}
}

func TestCancelRequest(t *testing.T) {
	ts := startServer(t, Options{})
	conn := ts.connect(t)
	errc := make(chan error, 1)
	go func() {
		_, err := conn.Exec(context.Background(), "sleep")
		errc <- err
	}()
	waitFor(t, func() bool { return ts.f.sleeping.Load() == 1 })
	if err := conn.PgConn().CancelRequest(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	err := <-errc
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "57014" {
		t.Fatalf("got %v", err)
	}
	if err := conn.Ping(testCtx(t)); err != nil {
		t.Fatal(err)
	}

	// pgx turns a cancelled context into a CancelRequest too.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := conn.Exec(ctx, "sleep"); err == nil {
		t.Fatal("sleep was not cancelled")
	}
	waitFor(t, func() bool { return ts.f.sleeping.Load() == 0 })
}

func TestManyClients(t *testing.T) {
	ts := startServer(t, Options{})
	const clients = 16
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := pgx.Connect(testCtx(t), ts.connString(""))
			if err != nil {
				errs <- err
				return
			}
			defer conn.Close(context.Background())
			n := 10 + i
			for range 5 {
				rows, err := conn.Query(testCtx(t), fmt.Sprintf("gen %d", n))
				if err != nil {
					errs <- err
					return
				}
				sum := int64(0)
				for rows.Next() {
					var v int64
					if err := rows.Scan(&v); err != nil {
						errs <- err
						return
					}
					sum += v
				}
				if err := rows.Err(); err != nil {
					errs <- err
					return
				}
				if want := int64(n * (n - 1) / 2); sum != want {
					errs <- fmt.Errorf("client %d: sum %d, want %d", i, sum, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestClientDisconnectMidQuery(t *testing.T) {
	ts := startServer(t, Options{})
	other := ts.connect(t)
	rc := dialRaw(t, ts.addr)
	rc.send(&pgproto3.Query{String: "sleep"})
	waitFor(t, func() bool { return ts.f.sleeping.Load() == 1 })
	rc.nc.Close()
	// The abandoned query's context is cancelled and its session closed.
	waitFor(t, func() bool { return ts.f.sleeping.Load() == 0 })
	waitFor(t, func() bool { return ts.f.closed.Load() == 1 })
	if err := other.Ping(testCtx(t)); err != nil {
		t.Fatal(err)
	}
}

func TestShutdown(t *testing.T) {
	ts := startServer(t, Options{})
	idle := ts.connect(t)
	busy := ts.connect(t)
	errc := make(chan error, 1)
	go func() {
		_, err := busy.Exec(context.Background(), "sleep")
		errc <- err
	}()
	waitFor(t, func() bool { return ts.f.sleeping.Load() == 1 })

	// The sleeping query never finishes: Shutdown waits for it until its
	// context expires, then cancels it.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := ts.srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-errc; err == nil {
		t.Fatal("busy query survived the shutdown")
	}
	if err := idle.Ping(testCtx(t)); err == nil {
		t.Fatal("idle connection survived the shutdown")
	}
	if _, err := pgx.Connect(testCtx(t), ts.connString("")); err == nil {
		t.Fatal("connected after shutdown")
	}
}

func TestShutdownGraceful(t *testing.T) {
	ts := startServer(t, Options{})
	idle := ts.connect(t)
	if err := ts.srv.Shutdown(testCtx(t)); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	err := idle.Ping(testCtx(t))
	var pgErr *pgconn.PgError
	if err == nil || (errors.As(err, &pgErr) && pgErr.Code != "57P01") {
		t.Fatalf("got %v", err)
	}
}

func TestProtocol32Negotiated(t *testing.T) {
	ts := startServer(t, Options{})
	conn, err := pgx.Connect(testCtx(t), ts.connString("&max_protocol_version=3.2"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if err := conn.Ping(testCtx(t)); err != nil {
		t.Fatal(err)
	}
}
