package wire

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/weir-stream/weir/sql/session"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// errStopping is returned by the connection's reader when the server shuts
// down while the connection waits for a client message.
var errStopping = errors.New("wire: server shutting down")

// inbox is the connection's input: a goroutine reads the socket into chunks
// ahead of the protocol decoder, so that a client that goes away is noticed
// (and its query's context cancelled) even while a query runs.
type inbox struct {
	ch   chan []byte
	cur  []byte
	err  error // the read error; written before ch is closed
	stop <-chan struct{}
	kill chan struct{} // closed by conn.terminate: Read stops as at a server stop
	dead bool          // Read has returned an error
}

// Read implements io.Reader for the protocol decoder. Buffered input is
// always consumed before a server stop is honoured.
func (r *inbox) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		var ok bool
		select {
		case r.cur, ok = <-r.ch:
		default:
			select {
			case r.cur, ok = <-r.ch:
			case <-r.stop:
				r.dead = true
				return 0, errStopping
			case <-r.kill:
				r.dead = true
				return 0, errStopping
			}
		}
		if !ok {
			r.dead = true
			return 0, r.err
		}
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// conn is one client connection. Its serve goroutine owns everything but
// the fields under mu, which CancelRequest and Shutdown touch from others.
type conn struct {
	srv    *Server
	nc     net.Conn
	ctx    context.Context // cancelled when the client or the server ends the connection
	cancel context.CancelFunc
	in     *inbox
	be     *pgproto3.Backend
	w      *bufio.Writer
	pid    uint32
	secret [4]byte

	sess     Session
	counted  bool // the session counts against Options.MaxConns
	starting bool // the connection counts against Options.MaxStartupConns
	tls      bool // the connection runs over TLS (negotiate)
	wbuf     []byte
	writeErr error

	stmts          map[string]*statement
	portals        map[string]*portal
	ignoreTillSync bool

	mu          sync.Mutex
	queryCancel context.CancelFunc
	killOnce    sync.Once // closes in.kill (terminate)

	// following is set while rows that never end stream (a SUBSCRIBE's,
	// Result.Endless: copy.go): a server shutdown cancels them rather
	// than wait for their end.
	following atomic.Bool
}

func newConn(ctx context.Context, s *Server, nc net.Conn) *conn {
	cctx, cancel := context.WithCancel(ctx)
	in := &inbox{ch: make(chan []byte, 16), stop: s.stop, kill: make(chan struct{})}
	c := &conn{
		srv:     s,
		nc:      nc,
		ctx:     cctx,
		cancel:  cancel,
		in:      in,
		w:       bufio.NewWriterSize(nc, 32<<10),
		stmts:   make(map[string]*statement),
		portals: make(map[string]*portal),
	}
	c.be = pgproto3.NewBackend(in, io.Discard)
	c.be.SetMaxBodyLen(min(MaxAuthMessageSize, s.opts.MaxMessageSize))
	return c
}

// readLoop copies the socket into the inbox until it fails; a failure
// (the client left, or the connection was closed) cancels c.ctx.
func (c *conn) readLoop() {
	buf := make([]byte, 32<<10)
	for {
		n, err := c.nc.Read(buf)
		if n > 0 {
			chunk := make([]byte, n)
			copy(chunk, buf[:n])
			select {
			case c.in.ch <- chunk:
			case <-c.ctx.Done():
				err = c.ctx.Err()
			}
		}
		if err != nil {
			c.in.err = err
			close(c.in.ch)
			c.cancel()
			return
		}
	}
}

// serve runs the connection to its end.
func (c *conn) serve() {
	raw := c.nc // negotiate may wrap c.nc in TLS; closing raw unblocks both
	stopClose := context.AfterFunc(c.ctx, func() { raw.Close() })
	defer stopClose()
	defer c.finish()
	authenticated := c.startAuthTimer()
	if !c.enterStartup() {
		c.refuseStartup()
		return
	}
	if !c.negotiate() {
		return
	}
	go c.readLoop()
	if !c.startup() {
		return
	}
	authenticated()
	c.leaveStartup()
	for c.writeErr == nil {
		msg, err := c.be.Receive()
		if err != nil {
			c.receiveFailed(err)
			return
		}
		if c.ignoreTillSync {
			if _, ok := msg.(*pgproto3.Sync); !ok {
				continue
			}
		}
		switch m := msg.(type) {
		case *pgproto3.Query:
			c.closePortals()
			c.simpleQuery(m.String)
		case *pgproto3.Parse:
			c.parse(m)
		case *pgproto3.Bind:
			c.bind(m)
		case *pgproto3.Describe:
			c.describe(m)
		case *pgproto3.Execute:
			c.execute(m)
		case *pgproto3.Close:
			c.closeMsg(m)
		case *pgproto3.Sync:
			c.ignoreTillSync = false
			c.closePortals()
			c.readyForQuery()
		case *pgproto3.Flush:
			c.flush()
		case *pgproto3.Terminate:
			return
		case *pgproto3.CopyData, *pgproto3.CopyDone, *pgproto3.CopyFail:
			// Postgres ignores COPY messages outside COPY; so does weir.
		default:
			c.fatal(sqlstate.Errorf(sqlstate.ProtocolViolation, "unexpected message type %T", msg))
			return
		}
	}
}

// receiveFailed reports why reading a message failed, when the client can
// still hear it.
func (c *conn) receiveFailed(err error) {
	switch {
	case errors.Is(err, errStopping):
		c.fatal(sqlstate.Errorf(sqlstate.AdminShutdown, "terminating connection due to administrator command"))
	case c.in.dead:
		c.srv.log.Debug("wire: client connection ended", "pid", c.pid, "err", err)
	default:
		c.fatal(sqlstate.Errorf(sqlstate.ProtocolViolation, "invalid frontend message: %v", err))
	}
}

// finish releases everything the connection holds.
func (c *conn) finish() {
	c.closePortals()
	if c.sess != nil {
		if err := c.sess.Close(); err != nil {
			c.srv.log.Warn("wire: closing session", "pid", c.pid, "err", err)
		}
	}
	if c.counted {
		c.srv.sessions.Add(-1)
	}
	c.leaveStartup()
	c.cancel()
	c.nc.Close()
}

// startup runs the startup phase; it reports whether a session is open.
func (c *conn) startup() bool {
	for {
		msg, err := c.be.ReceiveStartupMessage()
		if err != nil {
			c.receiveFailed(err)
			return false
		}
		switch m := msg.(type) {
		case *pgproto3.SSLRequest, *pgproto3.GSSEncRequest:
			c.write([]byte{'N'})
			c.flush()
			if c.writeErr != nil {
				return false
			}
		case *pgproto3.CancelRequest:
			c.srv.cancelQuery(m.ProcessID, m.SecretKey)
			return false
		case *pgproto3.StartupMessage:
			return c.open(m)
		default:
			c.fatal(sqlstate.Errorf(sqlstate.ProtocolViolation, "unexpected startup message %T", msg))
			return false
		}
	}
}

// open authenticates (auth.go) and opens the session for a startup message.
func (c *conn) open(m *pgproto3.StartupMessage) bool {
	if m.ProtocolVersion != pgproto3.ProtocolVersion30 {
		// A 3.2 client is told the server speaks 3.0, and continues in 3.0.
		var unknown []string
		for k := range m.Parameters {
			if strings.HasPrefix(k, "_pq_.") {
				unknown = append(unknown, k)
			}
		}
		c.send(&pgproto3.NegotiateProtocolVersion{NewestMinorProtocol: 0, UnrecognizedOptions: unknown})
	}
	user := m.Parameters["user"]
	if user == "" {
		c.fatal(sqlstate.Errorf(sqlstate.ProtocolViolation, "no PostgreSQL user name specified in startup packet"))
		return false
	}
	if err := checkStartupEncoding(m.Parameters); err != nil {
		c.fatal(err)
		return false
	}
	database := m.Parameters["database"]
	if database == "" {
		database = user
	}
	if !c.authenticate(user, database) {
		return false
	}
	n := c.srv.sessions.Add(1)
	c.counted = true
	if max := c.srv.opts.MaxConns; max > 0 && n > int64(max) {
		c.fatal(sqlstate.Errorf(sqlstate.TooManyConnections, "sorry, too many clients already"))
		return false
	}
	sessCtx := session.WithClient(c.ctx, session.Client{PID: c.pid, Addr: c.nc.RemoteAddr(), Cancel: c.cancelQuery, Terminate: c.terminate})
	if c.srv.opts.Passwords != nil {
		// The user must still be a role: it may have been dropped
		// since its password was checked.
		sessCtx = session.WithPasswordAuthentication(sessCtx)
	}
	sess, err := c.srv.factory.NewSession(sessCtx, user, database)
	if err != nil {
		c.fatal(sqlstate.From(err))
		return false
	}
	c.sess = sess
	if err := c.applyStartupParams(m.Parameters); err != nil {
		c.fatal(err)
		return false
	}
	c.send(&pgproto3.AuthenticationOk{})
	c.send(&pgproto3.ParameterStatus{Name: "server_version", Value: c.srv.opts.ServerVersion})
	for _, p := range reportedAtStartup(sess, user, m.Parameters) {
		c.send(&pgproto3.ParameterStatus{Name: p[0], Value: p[1]})
	}
	c.send(&pgproto3.BackendKeyData{ProcessID: c.pid, SecretKey: c.secret[:]})
	c.readyForQuery()
	return c.writeErr == nil
}

// beginQuery returns the context of a query that CancelRequest can cancel.
func (c *conn) beginQuery(parent context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(parent)
	c.setQueryCancel(cancel)
	return ctx, cancel
}

// setQueryCancel records what a CancelRequest cancels (nil: nothing runs).
func (c *conn) setQueryCancel(cancel context.CancelFunc) {
	c.mu.Lock()
	c.queryCancel = cancel
	c.mu.Unlock()
}

// cancelQuery cancels the running query, if any; called by other goroutines.
func (c *conn) cancelQuery() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.queryCancel != nil {
		c.queryCancel()
	}
}

// simpleQuery runs a Query message.
func (c *conn) simpleQuery(text string) {
	if err := c.checkStatement(text); err != nil {
		c.sendError(err, "")
		c.readyForQuery()
		return
	}
	ctx, cancel := c.beginQuery(session.WithPreparedStatements(session.WithCopyIn(c.ctx, &copyIn{c: c}), c))
	emitted := false
	err := c.sess.ExecuteScript(ctx, text, func(res *session.Result) error {
		emitted = true
		return c.sendResult(ctx, res)
	})
	c.setQueryCancel(nil)
	cancel()
	switch {
	case c.writeErr != nil:
		return
	case err != nil && c.terminating():
		c.fatalTerminated()
		return
	case err != nil:
		c.sendError(err, text)
	case !emitted:
		c.send(&pgproto3.EmptyQueryResponse{})
	}
	c.readyForQuery()
}

// sendResult sends one statement's complete result in text format and
// releases its rows.
func (c *conn) sendResult(ctx context.Context, res *session.Result) error {
	if res.Rows != nil {
		defer res.Rows.Release()
	}
	c.sendNotices(res)
	if res.CopyOut != nil {
		return c.sendCopyOut(ctx, res)
	}
	if !res.HasRows() {
		c.send(&pgproto3.CommandComplete{CommandTag: []byte(res.Tag)})
		return c.writeErr
	}
	c.sendRowDescription(res.Columns, nil)
	rs := rowStream{rd: res.Rows, cols: res.Columns}
	defer rs.close()
	if _, _, err := c.sendRows(ctx, &rs, 0); err != nil {
		return err
	}
	c.commandComplete(res.Tag, rs.count)
	return c.writeErr
}

func (c *conn) sendNotices(res *session.Result) {
	for _, n := range res.Notices {
		c.send(&pgproto3.NoticeResponse{Severity: "NOTICE", SeverityUnlocalized: "NOTICE", Code: "00000", Message: n})
	}
	for _, w := range res.Warnings {
		c.send(&pgproto3.NoticeResponse{Severity: "WARNING", SeverityUnlocalized: "WARNING", Code: w.Code,
			Message: w.Message, Detail: w.Detail, Hint: w.Hint})
	}
	for _, r := range res.Reports {
		c.send(&pgproto3.ParameterStatus{Name: r.Name, Value: r.Value})
	}
}

// commandComplete sends CommandComplete; a bare SELECT or FETCH tag gets
// the count.
func (c *conn) commandComplete(tag string, rows int64) {
	b := append(c.wbuf[:0], 'C', 0, 0, 0, 0)
	b = append(b, tag...)
	if tag == "SELECT" || tag == "FETCH" {
		b = append(b, ' ')
		b = strconv.AppendInt(b, rows, 10)
	}
	b = append(b, 0)
	binary.BigEndian.PutUint32(b[1:], uint32(len(b)-1))
	c.wbuf = b
	c.write(b)
}

// sendRowDescription describes cols; formats has one code per column, or is
// nil for all text.
func (c *conn) sendRowDescription(cols types.Schema, formats []int16) {
	fields := make([]pgproto3.FieldDescription, len(cols))
	for i, col := range cols {
		f := formatText
		if i < len(formats) {
			f = formats[i]
		}
		fields[i] = pgproto3.FieldDescription{
			Name:                 []byte(col.Name),
			DataTypeOID:          col.Type.OID(),
			DataTypeSize:         col.Type.Size(),
			TypeModifier:         col.Type.Modifier(),
			Format:               f,
			TableOID:             0,
			TableAttributeNumber: 0,
		}
	}
	c.send(&pgproto3.RowDescription{Fields: fields})
}

func (c *conn) readyForQuery() {
	status := byte('I')
	if c.sess != nil {
		status = c.sess.TxStatus()
	}
	c.send(&pgproto3.ReadyForQuery{TxStatus: status})
	c.flush()
}

// send encodes msg onto the socket's buffer.
func (c *conn) send(msg pgproto3.BackendMessage) {
	b, err := msg.Encode(c.wbuf[:0])
	if err != nil {
		c.srv.log.Error("wire: encoding message", "pid", c.pid, "err", err)
		if c.writeErr == nil {
			c.writeErr = err
		}
		return
	}
	c.wbuf = b
	c.write(b)
}

func (c *conn) write(b []byte) {
	if c.writeErr != nil {
		return
	}
	if _, err := c.w.Write(b); err != nil {
		c.writeErr = err
		c.cancel()
	}
}

func (c *conn) flush() {
	if c.writeErr != nil {
		return
	}
	if err := c.w.Flush(); err != nil {
		c.writeErr = err
		c.cancel()
	}
}

// errorResponse turns err into an ErrorResponse; text is the statement text
// the error's byte position points into.
func errorResponse(severity string, err error, text string) *pgproto3.ErrorResponse {
	e := sqlstate.From(err)
	r := &pgproto3.ErrorResponse{
		Severity:            severity,
		SeverityUnlocalized: severity,
		Code:                e.Code,
		Message:             e.Message,
		Detail:              e.Detail,
		Hint:                e.Hint,
		Where:               e.Where,
	}
	if e.Position >= 0 {
		pos := min(e.Position, len(text))
		r.Position = int32(utf8.RuneCountInString(text[:pos]) + 1)
	}
	return r
}

// sendError sends an ERROR for a failed statement of text.
func (c *conn) sendError(err error, text string) {
	c.send(errorResponse("ERROR", err, text))
	// Any error inside a transaction block fails it, as in Postgres, also
	// one that wire found itself (a parameter that does not decode, a row
	// that could not be sent).
	if c.sess != nil {
		c.sess.FailTransaction()
	}
}

// fatal sends a FATAL error; the connection then ends.
func (c *conn) fatal(err error) {
	c.send(errorResponse("FATAL", err, ""))
	c.flush()
	if c.writeErr == nil {
		c.writeErr = err
	}
}
