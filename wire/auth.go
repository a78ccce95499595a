package wire

import (
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"hash"
	"io"
	"net"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/wire/scram"
)

// Codes of the 8-byte startup packets that ask for an encrypted connection.
const (
	sslRequestCode    = 80877103
	gssEncRequestCode = 80877104
)

// negotiate reads the packets that may come before the startup message
// straight from the socket, before the reader goroutine starts: SSLRequest
// is answered 'S' and the connection continues over TLS when the server has
// a certificate ('N' otherwise), GSSENCRequest 'N'. It stops at the first
// other packet, whose header it leaves in the inbox for the protocol
// decoder; it reports false when the connection is gone.
func (c *conn) negotiate() bool {
	// The reads below do not watch the server's stop: a shutdown closes
	// the connection instead.
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-c.srv.stop:
			c.cancel()
		case <-done:
		}
	}()
	for {
		var hdr [8]byte
		if _, err := io.ReadFull(c.nc, hdr[:]); err != nil {
			c.srv.log.Debug("wire: connection ended before startup", "pid", c.pid, "err", err)
			return false
		}
		size, code := binary.BigEndian.Uint32(hdr[:4]), binary.BigEndian.Uint32(hdr[4:])
		switch {
		case size == 8 && code == sslRequestCode && c.srv.opts.TLS != nil && !c.tls:
			c.write([]byte{'S'})
			c.flush()
			if c.writeErr != nil {
				return false
			}
			tc := tls.Server(c.nc, c.srv.opts.TLS)
			if err := tc.HandshakeContext(c.ctx); err != nil {
				c.srv.log.Debug("wire: TLS handshake failed", "pid", c.pid, "err", err)
				return false
			}
			c.nc = tc
			c.w.Reset(tc)
			c.tls = true
		case size == 8 && (code == sslRequestCode || code == gssEncRequestCode):
			c.write([]byte{'N'})
			c.flush()
			if c.writeErr != nil {
				return false
			}
		default:
			c.in.cur = append([]byte(nil), hdr[:]...)
			return true
		}
	}
}

// startAuthTimer closes the connection unless the returned function is
// called within Options.AuthTimeout: a client that sends no complete
// startup packet, or does not finish authenticating, is dropped.
func (c *conn) startAuthTimer() (authenticated func()) {
	t := time.AfterFunc(c.srv.opts.AuthTimeout, func() {
		c.srv.log.Debug("wire: startup timed out", "pid", c.pid, "timeout", c.srv.opts.AuthTimeout)
		c.cancel()
	})
	return func() { t.Stop() }
}

// authenticate checks the client before its session opens: TLS when
// required, then SCRAM-SHA-256 when the server has passwords. It reports
// whether the client may go on; a refused client has been sent a FATAL.
func (c *conn) authenticate(user, database string) bool {
	if c.srv.opts.TLSRequired && !c.tls {
		host := "local"
		if a, ok := c.nc.RemoteAddr().(*net.TCPAddr); ok {
			host = a.IP.String()
		}
		c.fatal(sqlstate.Errorf(sqlstate.InvalidAuthorization,
			"no pg_hba.conf entry for host \"%s\", user \"%s\", database \"%s\", no encryption", host, user, database).
			WithHint("This server requires TLS (server.tls.required): connect with sslmode=require or stronger."))
		return false
	}
	if c.srv.opts.Passwords == nil {
		return true
	}
	failed := sqlstate.Errorf(sqlstate.InvalidPassword, "password authentication failed for user \"%s\"", user)
	// A user without a verifier goes through the same exchange against a
	// mock one and fails at the proof, so a client cannot tell.
	v := scram.MockVerifier(user, c.srv.mockSecret[:])
	if text, ok := c.srv.opts.Passwords(user); ok {
		if parsed, err := scram.ParseVerifier(text); err == nil {
			v = parsed
		} else {
			c.srv.log.Warn("wire: stored password of user is not a SCRAM verifier", "user", user)
		}
	}
	// Over TLS, SCRAM-SHA-256-PLUS binds the exchange to the certificate.
	mechanisms := []string{scram.Mechanism}
	var binding []byte
	if c.tls {
		if binding = tlsServerEndPoint(c.srv.opts.TLS); binding != nil {
			mechanisms = []string{scram.MechanismPlus, scram.Mechanism}
		}
	}
	c.send(&pgproto3.AuthenticationSASL{AuthMechanisms: mechanisms})
	c.flush()

	_ = c.be.SetAuthType(pgproto3.AuthTypeSASL)
	msg, ok := c.receiveAuth()
	if !ok {
		return false
	}
	initial, isInitial := msg.(*pgproto3.SASLInitialResponse)
	if !isInitial {
		c.fatal(sqlstate.Errorf(sqlstate.ProtocolViolation, "expected SASL response, got message type %T", msg))
		return false
	}
	plus := initial.AuthMechanism == scram.MechanismPlus && binding != nil
	if initial.AuthMechanism != scram.Mechanism && !plus {
		c.fatal(sqlstate.Errorf(sqlstate.ProtocolViolation, "client selected an invalid SASL authentication mechanism"))
		return false
	}
	x := scram.NewExchange(v, binding, plus)
	serverFirst, err := x.ServerFirst(initial.Data)
	if err != nil {
		c.authFailed(err, failed)
		return false
	}
	c.send(&pgproto3.AuthenticationSASLContinue{Data: serverFirst})
	c.flush()

	_ = c.be.SetAuthType(pgproto3.AuthTypeSASLContinue)
	msg, ok = c.receiveAuth()
	if !ok {
		return false
	}
	resp, isResp := msg.(*pgproto3.SASLResponse)
	if !isResp {
		c.fatal(sqlstate.Errorf(sqlstate.ProtocolViolation, "expected SASL response, got message type %T", msg))
		return false
	}
	serverFinal, err := x.ServerFinal(resp.Data)
	if err != nil {
		c.authFailed(err, failed)
		return false
	}
	c.send(&pgproto3.AuthenticationSASLFinal{Data: serverFinal})
	return c.writeErr == nil
}

// tlsServerEndPoint returns the tls-server-end-point channel-binding data
// of cfg's certificate (RFC 5929: its hash with the hash function of its
// signature, SHA-256 for MD5 and SHA-1), or nil when the server cannot know
// which certificate a client saw or the signature has no hash (Ed25519).
func tlsServerEndPoint(cfg *tls.Config) []byte {
	if cfg == nil || len(cfg.Certificates) != 1 || cfg.GetCertificate != nil || len(cfg.Certificates[0].Certificate) == 0 {
		return nil
	}
	leaf, err := x509.ParseCertificate(cfg.Certificates[0].Certificate[0])
	if err != nil {
		return nil
	}
	var h hash.Hash
	switch leaf.SignatureAlgorithm {
	case x509.MD5WithRSA, x509.SHA1WithRSA, x509.ECDSAWithSHA1, x509.DSAWithSHA1,
		x509.SHA256WithRSA, x509.SHA256WithRSAPSS, x509.ECDSAWithSHA256, x509.DSAWithSHA256:
		h = sha256.New()
	case x509.SHA384WithRSA, x509.SHA384WithRSAPSS, x509.ECDSAWithSHA384:
		h = sha512.New384()
	case x509.SHA512WithRSA, x509.SHA512WithRSAPSS, x509.ECDSAWithSHA512:
		h = sha512.New()
	default:
		return nil
	}
	h.Write(leaf.Raw)
	return h.Sum(nil)
}

// receiveAuth receives the client's next authentication message.
func (c *conn) receiveAuth() (pgproto3.FrontendMessage, bool) {
	msg, err := c.be.Receive()
	if err != nil {
		c.receiveFailed(err)
		return nil, false
	}
	return msg, true
}

// authFailed reports a failed SCRAM step: a malformed message as a protocol
// violation, anything else as the wrong password.
func (c *conn) authFailed(err, failed error) {
	if errors.Is(err, scram.ErrMalformed) {
		c.fatal(sqlstate.Errorf(sqlstate.ProtocolViolation, "%s", err.Error()))
		return
	}
	c.srv.log.Info("wire: password authentication failed", "pid", c.pid, "err", err)
	c.fatal(failed)
}
