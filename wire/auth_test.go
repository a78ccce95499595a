package wire

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/weir-stream/weir/wire/scram"
)

// passwords returns an Options.Passwords over user → password.
func passwords(t *testing.T, users map[string]string) func(string) (string, bool) {
	verifiers := map[string]string{}
	for u, pw := range users {
		v, err := scram.NewVerifier(pw)
		if err != nil {
			t.Fatal(err)
		}
		verifiers[u] = v.String()
	}
	return func(user string) (string, bool) {
		v, ok := verifiers[user]
		return v, ok
	}
}

func wantPgError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != code || pgErr.Severity != "FATAL" || (msg != "" && pgErr.Message != msg) {
		t.Fatalf("got %v, want FATAL %s %s", err, code, msg)
	}
}

func TestSCRAM(t *testing.T) {
	// carol's password is written decomposed, with a no-break space: the
	// verifier and the clients (SASLprep, PRECIS) agree on its normal form.
	ts := startServer(t, Options{Passwords: passwords(t, map[string]string{"weir": "s3cret", "alice": "pa ss'wörd", "carol": "wo\u0308rd\u00a0x"})})
	dsn := func(user, pw string) string {
		return strings.Replace(ts.connString(""), "weir@", user+":"+pw+"@", 1)
	}
	for _, c := range []struct{ user, pw string }{{"weir", "s3cret"}, {"alice", "pa%20ss'w%C3%B6rd"}, {"carol", "w%C3%B6rd%20x"}} {
		conn, err := pgx.Connect(testCtx(t), dsn(c.user, c.pw))
		if err != nil {
			t.Fatalf("%s: %v", c.user, err)
		}
		var v int32
		if err := conn.QueryRow(testCtx(t), "select 1").Scan(&v); err != nil || v != 1 {
			t.Fatalf("got %v %v", v, err)
		}
		conn.Close(testCtx(t))
	}
	_, err := pgx.Connect(testCtx(t), dsn("weir", "wrong"))
	wantPgError(t, err, "28P01", `password authentication failed for user "weir"`)
	_, err = pgx.Connect(testCtx(t), ts.connString("")) // no password at all
	if err == nil {
		t.Fatal("connected without a password")
	}
	// An unknown user goes through the same exchange and gets the same answer.
	_, err = pgx.Connect(testCtx(t), dsn("mallory", "s3cret"))
	wantPgError(t, err, "28P01", `password authentication failed for user "mallory"`)

	// psql authenticates with SCRAM too.
	t.Setenv("PGPASSWORD", "s3cret")
	out, errOut, err := runPsql(t, ts, "-A", "-t", "-c", "select 1")
	if err != nil || out != "1\n" {
		t.Fatalf("psql: %q %v %s", out, err, errOut)
	}
	t.Setenv("PGPASSWORD", "wo\u0308rd\u00a0x")
	host, port, _ := net.SplitHostPort(ts.addr)
	out, errOut, err = psqlConninfo(t, "host="+host+" port="+port+" user=carol dbname=weir sslmode=disable", "-A", "-t", "-c", "select 1")
	if err != nil || out != "1\n" {
		t.Fatalf("psql as carol: %q %v %s", out, err, errOut)
	}
	t.Setenv("PGPASSWORD", "nope")
	_, errOut, err = runPsql(t, ts, "-c", "select 1")
	if err == nil || !strings.Contains(errOut, `password authentication failed for user "weir"`) {
		t.Fatalf("psql with a wrong password: %v %s", err, errOut)
	}
}

// psqlConninfo runs psql on the connection string conninfo with args and
// returns its stdout, stderr and error.
func psqlConninfo(t *testing.T, conninfo string, args ...string) (string, string, error) {
	t.Helper()
	path, err := exec.LookPath("psql")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("psql is required under CI=true")
		}
		t.Skip("psql not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, append([]string{"-X", "-d", conninfo}, args...)...)
	cmd.Env = append(os.Environ(), "PGCONNECT_TIMEOUT=5", "PAGER=", "PSQL_PAGER=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	return stdout.String(), stderr.String(), err
}

// testCA writes a CA certificate into dir and returns its path and a server
// TLS config whose certificate the CA signed for 127.0.0.1 and localhost.
func testCA(t *testing.T, dir string) (caFile string, cfg *tls.Config) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "weir test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	srvTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, &srvKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(dir, "ca.crt")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert := tls.Certificate{Certificate: [][]byte{srvDER}, PrivateKey: srvKey}
	return caFile, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
}

func TestTLS(t *testing.T) {
	caFile, cfg := testCA(t, t.TempDir())
	ts := startServer(t, Options{TLS: cfg, TLSRequired: true, Passwords: passwords(t, map[string]string{"weir": "pw"})})
	host, port, _ := net.SplitHostPort(ts.addr)
	for _, h := range []string{host, "localhost"} {
		// channel_binding=require: only SCRAM-SHA-256-PLUS satisfies it.
		dsn := "postgres://weir:pw@" + net.JoinHostPort(h, port) + "/weir?sslmode=verify-full&channel_binding=require&sslrootcert=" + caFile
		conn, err := pgx.Connect(testCtx(t), dsn)
		if err != nil {
			t.Fatalf("%s: %v", h, err)
		}
		if _, ok := conn.PgConn().Conn().(*tls.Conn); !ok {
			t.Fatalf("%s: connection is %T, not TLS", h, conn.PgConn().Conn())
		}
		var v int32
		if err := conn.QueryRow(testCtx(t), "select 1").Scan(&v); err != nil || v != 1 {
			t.Fatalf("got %v %v", v, err)
		}
		conn.Close(testCtx(t))
	}

	// A plain connection is refused; verify-full against another CA fails.
	_, err := pgx.Connect(testCtx(t), strings.Replace(ts.connString(""), "weir@", "weir:pw@", 1))
	wantPgError(t, err, "28000", "")
	if !strings.Contains(err.Error(), "no encryption") {
		t.Fatalf("got %v", err)
	}
	// Without channel binding over TLS, SCRAM-SHA-256 still works.
	conn, err := pgx.Connect(testCtx(t), "postgres://weir:pw@"+ts.addr+"/weir?sslmode=require&channel_binding=disable")
	if err != nil {
		t.Fatal(err)
	}
	conn.Close(testCtx(t))
	otherCA, _ := testCA(t, t.TempDir())
	if _, err := pgx.Connect(testCtx(t), "postgres://weir:pw@"+ts.addr+"/weir?sslmode=verify-full&sslrootcert="+otherCA); err == nil {
		t.Fatal("verify-full accepted a certificate of another CA")
	}

	// psql, for real: verify-full with the CA, and refused without TLS.
	t.Setenv("PGPASSWORD", "pw")
	for _, h := range []string{host, "localhost"} {
		out, errOut, err := psqlConninfo(t, "host="+h+" port="+port+" user=weir dbname=weir sslmode=verify-full channel_binding=require sslrootcert="+caFile, "-A", "-t", "-c", "select 1")
		if err != nil || out != "1\n" {
			t.Fatalf("psql verify-full: %q %v %s", out, err, errOut)
		}
	}
	_, errOut, err := psqlConninfo(t, "host="+host+" port="+port+" user=weir dbname=weir sslmode=disable", "-c", "select 1")
	if err == nil || !strings.Contains(errOut, "no pg_hba.conf entry") {
		t.Fatalf("psql sslmode=disable: %v %s", err, errOut)
	}
}

// TestTLSOptional serves TLS to clients that ask and plain to the others.
func TestTLSOptional(t *testing.T) {
	caFile, cfg := testCA(t, t.TempDir())
	ts := startServer(t, Options{TLS: cfg})
	conn, err := pgx.Connect(testCtx(t), strings.Replace(ts.connString(""), "sslmode=disable", "sslmode=require", 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := conn.PgConn().Conn().(*tls.Conn); !ok {
		t.Fatalf("sslmode=require: connection is %T", conn.PgConn().Conn())
	}
	conn.Close(testCtx(t))
	ts.connect(t) // sslmode=disable
	conn, err = pgx.Connect(testCtx(t), strings.Replace(ts.connString(""), "sslmode=disable", "sslmode=verify-full&sslrootcert="+caFile, 1))
	if err != nil {
		t.Fatal(err)
	}
	conn.Close(testCtx(t))
}

// TestShutdownBeforeStartup: Shutdown does not wait for a connection that
// has sent nothing yet.
func TestShutdownBeforeStartup(t *testing.T) {
	ts := startServer(t, Options{})
	nc, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	waitFor(t, func() bool {
		ts.srv.mu.Lock()
		defer ts.srv.mu.Unlock()
		return ts.srv.active == 1
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := ts.srv.Shutdown(ctx); err != nil || time.Since(start) > 2*time.Second {
		t.Fatalf("Shutdown: %v after %v", err, time.Since(start))
	}
}

// TestStartupTimeout: a socket that sends nothing, or half a startup
// packet, or stops after TLS, is closed after Options.AuthTimeout.
func TestStartupTimeout(t *testing.T) {
	_, cfg := testCA(t, t.TempDir())
	ts := startServer(t, Options{AuthTimeout: 200 * time.Millisecond, TLS: cfg, Passwords: passwords(t, map[string]string{"weir": "pw"})})
	closedWithin := func(nc net.Conn) {
		t.Helper()
		start := time.Now()
		_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err := io.ReadAll(nc)
		if err != nil {
			t.Fatalf("read: %v (the server did not close the connection)", err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("closed after %v", d)
		}
	}
	dial := func() net.Conn {
		nc, err := net.Dial("tcp", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { nc.Close() })
		return nc
	}
	closedWithin(dial()) // idle

	nc := dial() // half a startup packet
	if _, err := nc.Write([]byte{0, 0, 0, 40, 0, 3, 0, 0}); err != nil {
		t.Fatal(err)
	}
	closedWithin(nc)

	nc = dial() // GSSENCRequest is refused with 'N', then nothing more
	var req [8]byte
	binary.BigEndian.PutUint32(req[:4], 8)
	binary.BigEndian.PutUint32(req[4:], gssEncRequestCode)
	if _, err := nc.Write(req[:]); err != nil {
		t.Fatal(err)
	}
	var b [1]byte
	if _, err := io.ReadFull(nc, b[:]); err != nil || b[0] != 'N' {
		t.Fatalf("GSSENCRequest answered %q, %v", b, err)
	}
	closedWithin(nc)

	nc = dial() // TLS, then no startup packet
	binary.BigEndian.PutUint32(req[4:], sslRequestCode)
	if _, err := nc.Write(req[:]); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(nc, b[:]); err != nil || b[0] != 'S' {
		t.Fatalf("SSLRequest answered %q, %v", b, err)
	}
	tc := tls.Client(nc, &tls.Config{InsecureSkipVerify: true})
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	closedWithin(tc)

	// A client that authenticates in time is not closed later.
	conn, err := pgx.Connect(testCtx(t), strings.Replace(ts.connString(""), "weir@", "weir:pw@", 1))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(testCtx(t))
	time.Sleep(400 * time.Millisecond)
	var v int32
	if err := conn.QueryRow(testCtx(t), "select 1").Scan(&v); err != nil || v != 1 {
		t.Fatalf("after the timeout: %v %v", v, err)
	}
}
