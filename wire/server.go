package wire

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Options configures a Server. The zero value is usable.
type Options struct {
	// Logger receives connection-level events; nil discards them.
	Logger *slog.Logger
	// ServerVersion is reported as the server_version parameter; it must
	// start with a Postgres version number that clients parse ("16.0").
	// Empty means DefaultServerVersion.
	ServerVersion string
	// MaxConns is the largest number of sessions open at once; 0 is no limit.
	MaxConns int
	// MaxMessageSize bounds a client message's body in bytes once the
	// client has authenticated (MaxAuthMessageSize before); 0 means
	// DefaultMaxMessageSize.
	MaxMessageSize int
	// MaxStartupConns bounds the connections that have not authenticated
	// yet (from accept to AuthenticationOk); a connection beyond it is
	// refused at once with 53300. 0 means DefaultMaxStartupConns.
	MaxStartupConns int
	// MaxStatementSize bounds a statement's text in bytes (a Query's or a
	// Parse's); a longer one is refused with 54000. 0 means
	// DefaultMaxStatementSize.
	MaxStatementSize int
	// Passwords, when set, makes every client authenticate with
	// SCRAM-SHA-256 against the verifier (Postgres' stored form) it returns
	// for the startup packet's user; ok false (no such role, no password,
	// no LOGIN) fails the exchange like a wrong password; the session is
	// then opened with a context marked by session.WithPasswordAuthentication.
	// Nil is trust authentication: every user name is let in.
	Passwords func(user string) (verifier string, ok bool)
	// MockSecret salts the mock SCRAM exchange of users that are no role
	// (or have no password). Keep it the same across restarts, as Postgres
	// keeps its mock nonce, so that comparing salts over a restart cannot
	// tell which users exist; nil picks a random one.
	MockSecret []byte
	// TLS, when set, answers SSLRequest with 'S' and runs TLS over the
	// connection; nil answers 'N'.
	TLS *tls.Config
	// TLSRequired refuses clients that do not use TLS (FATAL 28000).
	TLSRequired bool
	// AuthTimeout closes a connection that has not completed its startup
	// packet and authentication this long after it was accepted
	// (Postgres' authentication_timeout); 0 means DefaultAuthTimeout.
	AuthTimeout time.Duration
}

// DefaultAuthTimeout is the default Options.AuthTimeout.
const DefaultAuthTimeout = 60 * time.Second

// DefaultServerVersion is the server_version a Server reports by default.
const DefaultServerVersion = "16.0"

// DefaultMaxMessageSize is the default bound on a client message's body.
const DefaultMaxMessageSize = 64 << 20

// Server accepts Postgres wire connections and runs each, in its own
// goroutine, against a Session from its SessionFactory. Its methods are safe
// for concurrent use.
type Server struct {
	factory SessionFactory
	opts    Options
	log     *slog.Logger

	// stop is closed by Shutdown: idle connections leave, busy ones leave
	// when their current query is done.
	stop     chan struct{}
	sessions atomic.Int64
	starting atomic.Int64 // connections that have not authenticated yet

	// drained is closed once Shutdown has begun and no connection is left.
	drained chan struct{}

	mu        sync.Mutex
	shutdown  bool
	listeners map[net.Listener]struct{}
	active    int // connections being served
	byPID     map[uint32]*conn
	nextPID   uint32

	// mockSecret salts the SCRAM exchange of users without a verifier.
	mockSecret [32]byte
}

// NewServer returns a Server that opens sessions with f.
func NewServer(f SessionFactory, opts Options) *Server {
	if opts.ServerVersion == "" {
		opts.ServerVersion = DefaultServerVersion
	}
	if opts.MaxMessageSize <= 0 {
		opts.MaxMessageSize = DefaultMaxMessageSize
	}
	if opts.MaxStatementSize <= 0 {
		opts.MaxStatementSize = DefaultMaxStatementSize
	}
	if opts.AuthTimeout <= 0 {
		opts.AuthTimeout = DefaultAuthTimeout
	}
	if opts.MaxStartupConns <= 0 {
		opts.MaxStartupConns = DefaultMaxStartupConns
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		factory:   f,
		opts:      opts,
		log:       log,
		stop:      make(chan struct{}),
		drained:   make(chan struct{}),
		listeners: make(map[net.Listener]struct{}),
		byPID:     make(map[uint32]*conn),
		nextPID:   1000,
	}
	if len(opts.MockSecret) > 0 {
		copy(s.mockSecret[:], opts.MockSecret)
	} else {
		_, _ = rand.Read(s.mockSecret[:])
	}
	return s
}

// ListenAndServe listens on the TCP address addr and calls Serve.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}

// Serve accepts connections on ln until ctx is cancelled, Shutdown is
// called, or ln fails; it closes ln and returns once the connections it
// accepted have ended. Cancelling ctx cancels their queries and closes them
// at once; Shutdown lets them finish. Serve returns nil in those two cases
// and the accept error otherwise.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.mu.Lock()
	if s.shutdown {
		s.mu.Unlock()
		return ln.Close()
	}
	s.listeners[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, ln)
		s.mu.Unlock()
		ln.Close()
	}()
	stopWatch := context.AfterFunc(ctx, func() { ln.Close() })
	defer stopWatch()

	var mine sync.WaitGroup
	defer mine.Wait()
	for {
		nc, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || s.isShutdown() {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(5 * time.Millisecond)
				continue
			}
			return err
		}
		c := s.startConn(ctx, nc)
		if c == nil {
			continue
		}
		mine.Add(1)
		go func() {
			defer mine.Done()
			defer s.endConn(c)
			c.serve()
		}()
	}
}

// Shutdown stops accepting connections, closes idle ones, and lets the
// running queries finish until ctx expires; then it cancels the remaining
// queries and closes their connections. It returns ctx.Err() when it had to
// force connections closed.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if !s.shutdown {
		s.shutdown = true
		for ln := range s.listeners {
			ln.Close()
		}
		close(s.stop)
		if s.active == 0 {
			close(s.drained)
		}
		// Rows that never end (SUBSCRIBE) would hold the drain until
		// ctx's end: cancel them, as a client's cancel would.
		for _, c := range s.byPID {
			if c.following.Load() {
				c.cancelQuery()
			}
		}
	}
	s.mu.Unlock()

	select {
	case <-s.drained:
		return nil
	case <-ctx.Done():
	}
	s.mu.Lock()
	for _, c := range s.byPID {
		c.cancel()
	}
	s.mu.Unlock()
	<-s.drained
	return ctx.Err()
}

func (s *Server) isShutdown() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.shutdown
}

// startConn creates and registers the connection of nc, or closes nc and
// returns nil when the server is shutting down.
func (s *Server) startConn(ctx context.Context, nc net.Conn) *conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutdown {
		nc.Close()
		return nil
	}
	s.active++
	c := newConn(ctx, s, nc)
	s.register(c)
	return c
}

// endConn forgets c after its goroutine is done.
func (s *Server) endConn(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byPID[c.pid] == c {
		delete(s.byPID, c.pid)
	}
	s.active--
	if s.shutdown && s.active == 0 {
		close(s.drained)
	}
}

// register gives c its process id and secret key for CancelRequest; s.mu
// is held.
func (s *Server) register(c *conn) {
	var secret [4]byte
	_, _ = rand.Read(secret[:])
	for {
		s.nextPID++
		if s.nextPID == 0 {
			s.nextPID = 1
		}
		if _, taken := s.byPID[s.nextPID]; !taken {
			break
		}
	}
	c.pid, c.secret = s.nextPID, secret
	s.byPID[c.pid] = c
}

// cancelQuery cancels the running query of the connection with process id
// pid, if secret matches its key.
func (s *Server) cancelQuery(pid uint32, secret []byte) {
	s.mu.Lock()
	c := s.byPID[pid]
	s.mu.Unlock()
	if c == nil || subtle.ConstantTimeCompare(c.secret[:], secret) != 1 {
		s.log.Debug("wire: cancel request for unknown backend", "pid", pid)
		return
	}
	c.cancelQuery()
}
