package weir_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/weir-stream/weir"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/statestore"
	"github.com/weir-stream/weir/wire"
	"github.com/weir-stream/weir/wire/scram"
)

// startAuthServer serves an engine opened with cfg the way `weir serve`
// does: passwords checked against the catalog's roles when cfg asks for
// scram-sha-256. It returns the server's address and a stop function.
func startAuthServer(t *testing.T, cfg weir.Config) (addr string, stop func()) {
	t.Helper()
	ctx := context.Background()
	eng, err := weir.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open engine: %v", err)
	}
	opts := wire.Options{}
	if cfg.Server.Auth.SCRAM() {
		opts.Passwords = eng.LoginVerifier
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := wire.NewServer(sessions{eng}, opts)
	serveCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(serveCtx, ln)
	}()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		sctx, scancel := context.WithTimeout(ctx, 20*time.Second)
		defer scancel()
		_ = srv.Shutdown(sctx)
		cancel()
		<-done
		if err := eng.Close(sctx); err != nil {
			t.Errorf("close engine: %v", err)
		}
	}
	t.Cleanup(stop)
	return ln.Addr().String(), stop
}

// scramConfig is a local-disk engine in dir whose clients authenticate
// with passwords; the superuser admin's password is "adminpw".
func scramConfig(t *testing.T, dir string) weir.Config {
	cfg := weir.DefaultConfig()
	cfg.Server.DataDir = dir
	cfg.State.CheckpointIntervalMS = 50
	cfg.Server.Auth = weir.AuthConfig{Method: weir.AuthSCRAM, Superuser: "admin"}
	t.Setenv(weir.SuperuserPasswordEnv, "adminpw")
	return cfg
}

func connectAs(t *testing.T, addr, user, password string) (*pgx.Conn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, fmt.Sprintf("postgres://%s:%s@%s/weir?sslmode=disable", user, password, addr))
	if err == nil {
		t.Cleanup(func() { conn.Close(context.Background()) })
	}
	return conn, err
}

func mustConnectAs(t *testing.T, addr, user, password string) *pgx.Conn {
	t.Helper()
	conn, err := connectAs(t, addr, user, password)
	if err != nil {
		t.Fatalf("connect as %s: %v", user, err)
	}
	return conn
}

// execErr runs sql on conn and returns its error's SQLSTATE and message
// ("" when it succeeded).
func execErr(conn *pgx.Conn, sql string) string {
	_, err := conn.Exec(context.Background(), sql, pgx.QueryExecModeSimpleProtocol)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code + " " + pgErr.Message
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func wantExec(t *testing.T, conn *pgx.Conn, sql, want string) {
	t.Helper()
	if got := execErr(conn, sql); got != want {
		t.Fatalf("%s: got %q, want %q", sql, got, want)
	}
}

// TestRolesAndGrants: passwords are checked over the wire, a role without
// a grant is refused, GRANT and REVOKE change that at once, and roles,
// grants and passwords survive a restart; passwords are stored only as
// SCRAM verifiers.
func TestRolesAndGrants(t *testing.T) {
	dir := t.TempDir()
	cfg := scramConfig(t, dir)
	addr, stop := startAuthServer(t, cfg)

	for _, c := range []struct{ user, pw string }{{"admin", "wrong"}, {"nobody", "adminpw"}, {"admin", ""}} {
		_, err := connectAs(t, addr, c.user, c.pw)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "28P01" || pgErr.Message != `password authentication failed for user "`+c.user+`"` {
			t.Fatalf("%s/%q: got %v, want 28P01", c.user, c.pw, err)
		}
	}
	admin := mustConnectAs(t, addr, "admin", "adminpw")
	for _, s := range []string{
		"CREATE TABLE t (k INT PRIMARY KEY, v INT)",
		"INSERT INTO t VALUES (1, 10), (2, 20)",
		"CREATE MATERIALIZED VIEW tv AS SELECT count(*) AS n FROM t",
		"CREATE USER alice WITH PASSWORD 'alicepw'",
		"CREATE USER nologin WITH PASSWORD 'pw' NOLOGIN",
		"FLUSH",
	} {
		wantExec(t, admin, s, "")
	}
	if _, err := connectAs(t, addr, "nologin", "pw"); err == nil {
		t.Fatal("a NOLOGIN role logged in")
	}
	// A password given as a verifier is kept as is: its password logs in.
	v, err := scram.NewVerifier("verifierpw")
	if err != nil {
		t.Fatal(err)
	}
	wantExec(t, admin, "CREATE USER viv PASSWORD '"+v.String()+"'", "")
	mustConnectAs(t, addr, "viv", "verifierpw")
	alice := mustConnectAs(t, addr, "alice", "alicepw")
	if got := alice.PgConn().ParameterStatus("is_superuser"); got != "off" {
		t.Fatalf("alice: is_superuser %q", got)
	}
	if got := admin.PgConn().ParameterStatus("is_superuser"); got != "on" {
		t.Fatalf("admin: is_superuser %q", got)
	}
	denied := "42501 permission denied for table t"
	wantExec(t, alice, "SELECT * FROM t", denied)
	wantExec(t, alice, "SELECT count(*) FROM t JOIN t AS u ON t.k = u.k", denied)
	wantExec(t, alice, "SELECT (SELECT max(v) FROM t)", denied)
	wantExec(t, alice, "INSERT INTO t VALUES (3, 30)", denied)
	wantExec(t, alice, "UPDATE t SET v = 0", denied)
	wantExec(t, alice, "DELETE FROM t WHERE k = 1", denied)
	wantExec(t, alice, "CREATE MATERIALIZED VIEW av AS SELECT count(*) AS n FROM t", denied)
	wantExec(t, alice, "CREATE SINK ak FROM t WITH (connector = 'blackhole')", denied)
	wantExec(t, alice, "DROP TABLE t", "42501 must be owner of table t")
	wantExec(t, alice, "ALTER MATERIALIZED VIEW tv RESUME", "42501 must be owner of materialized view tv")
	wantExec(t, alice, "GRANT SELECT ON t TO alice", denied)
	wantExec(t, alice, "CREATE USER mallory", "42501 permission denied to create role")
	wantExec(t, alice, "ALTER USER alice SUPERUSER", "42501 permission denied to alter role")
	wantExec(t, alice, "DROP USER admin", "42501 permission denied to drop role")

	wantExec(t, admin, "GRANT SELECT, INSERT ON TABLE t TO alice", "")
	wantExec(t, alice, "SELECT * FROM t", "")
	wantExec(t, alice, "INSERT INTO t VALUES (3, 30)", "")
	wantExec(t, alice, "UPDATE t SET v = 0", denied)
	wantExec(t, alice, "CREATE MATERIALIZED VIEW av AS SELECT count(*) AS n FROM t", "")
	wantExec(t, alice, "FLUSH", "")
	if got := queryText(t, alice, "SELECT n FROM av"); strings.Join(got, ",") != "3" {
		t.Fatalf("av: %v", got)
	}
	// alice owns what she made; admin, a superuser, reads it anyway.
	wantExec(t, alice, "CREATE TABLE mine (a INT)", "")
	wantExec(t, admin, "SELECT * FROM av", "")
	wantExec(t, alice, "ALTER USER alice WITH PASSWORD ''", "") // clears it: alice cannot log in
	if _, err := connectAs(t, addr, "alice", ""); err == nil {
		t.Fatal("logged in with an empty password")
	}
	wantExec(t, alice, "ALTER USER alice WITH PASSWORD 'newpw'", "")

	wantExec(t, admin, "REVOKE SELECT ON t FROM alice", "")
	wantExec(t, alice, "SELECT * FROM t", denied)
	wantExec(t, admin, "GRANT SELECT ON t TO PUBLIC", "")
	wantExec(t, alice, "SELECT * FROM t", "")
	wantExec(t, admin, "REVOKE ALL ON t FROM public", "")
	wantExec(t, alice, "SELECT * FROM t", denied)
	wantExec(t, alice, "INSERT INTO t VALUES (4, 40)", "")
	wantExec(t, admin, "DROP USER alice", `2BP01 role "alice" cannot be dropped because some objects depend on it`)
	wantExec(t, admin, "ALTER USER admin NOSUPERUSER", "42501 permission denied to alter role")
	wantExec(t, admin, "ALTER USER admin NOLOGIN", "42501 permission denied to alter role")
	wantExec(t, admin, "DROP USER admin", "55006 current user cannot be dropped")
	stop()

	// The catalog holds verifiers, never the passwords.
	store, err := statestore.Open(statestore.Options{Dir: filepath.Join(dir, "state")})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Load(store)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := cat.Role("alice")
	if !ok || !strings.HasPrefix(r.Password, "SCRAM-SHA-256$4096:") || r.Superuser || !r.Login {
		t.Fatalf("alice in the catalog: %+v", r)
	}
	lo, hi := statestore.TableSpan(statestore.CatalogTable)
	err = store.Scan(lo, hi, func(k, v []byte) (bool, error) {
		for _, pw := range []string{"adminpw", "alicepw", "newpw"} {
			if bytes.Contains(v, []byte(pw)) || bytes.Contains(k, []byte(pw)) {
				t.Errorf("the catalog holds the password %q in clear: %s", pw, v)
			}
		}
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	store.Close()

	// After a restart: the new password, the grants that were left.
	addr, _ = startAuthServer(t, cfg)
	if _, err := connectAs(t, addr, "alice", "alicepw"); err == nil {
		t.Fatal("the old password still works")
	}
	alice = mustConnectAs(t, addr, "alice", "newpw")
	wantExec(t, alice, "SELECT * FROM t", denied)
	wantExec(t, alice, "INSERT INTO t VALUES (5, 50)", "")
	// av reads t with alice's rights, which she lost.
	wantExec(t, alice, "SELECT * FROM av", denied)
	wantExec(t, alice, "DROP TABLE mine", "")
	admin = mustConnectAs(t, addr, "admin", "adminpw")
	wantExec(t, admin, "GRANT ALL ON t TO alice", "")
	wantExec(t, alice, "UPDATE t SET v = 1 WHERE k = 1", "")
	wantExec(t, admin, "REVOKE SELECT ON t FROM alice", "")
	wantExec(t, alice, "UPDATE t SET v = 2", "")
	wantExec(t, alice, "UPDATE t SET v = v + 1", denied)
	wantExec(t, alice, "DELETE FROM t WHERE k = 1", denied)
	wantExec(t, alice, "DELETE FROM t", "")
	wantExec(t, alice, "CREATE TABLE mine2 (a INT)", "")
	wantExec(t, alice, "INSERT INTO mine2 SELECT k FROM t", denied)
	wantExec(t, alice, "UPDATE mine2 SET a = (SELECT max(k) FROM t)", denied)
	wantExec(t, alice, "DELETE FROM mine2 WHERE a IN (SELECT k FROM t)", denied)
	wantExec(t, alice, "DROP TABLE mine2", "")
	wantExec(t, admin, "DROP MATERIALIZED VIEW av", "")
	wantExec(t, admin, "DROP USER alice", `2BP01 role "alice" cannot be dropped because some objects depend on it`)
	wantExec(t, admin, "REVOKE ALL ON t FROM alice", "")
	wantExec(t, admin, "DROP USER alice", "")
	if _, err := connectAs(t, addr, "alice", "newpw"); err == nil {
		t.Fatal("a dropped role logged in")
	}
	// A session of a dropped role keeps no rights.
	wantExec(t, alice, "SELECT * FROM t", denied)
}

// TestTrustRoles: with trust authentication (the default) a user that is
// no role is a superuser, as before roles existed, and one that is a role
// has that role's rights.
func TestTrustRoles(t *testing.T) {
	ts := startServer(t, memoryConfig())
	conn := connect(t, ts.dsn)
	mustExec(t, conn, "CREATE TABLE t (k INT PRIMARY KEY)")
	mustExec(t, conn, "CREATE USER bob")
	bob := connect(t, strings.Replace(ts.dsn, "weir@", "bob@", 1))
	wantExec(t, bob, "SELECT * FROM t", "42501 permission denied for table t")
	mustExec(t, conn, "GRANT SELECT ON t TO bob")
	wantExec(t, bob, "SELECT * FROM t", "")
	mustExec(t, conn, "ALTER ROLE bob NOLOGIN")
	if _, err := pgx.Connect(context.Background(), strings.Replace(ts.dsn, "weir@", "bob@", 1)); err == nil || !strings.Contains(err.Error(), `role "bob" is not permitted to log in`) {
		t.Fatalf("NOLOGIN: %v", err)
	}
}

func TestAuthConfig(t *testing.T) {
	cfg := weir.DefaultConfig()
	for _, c := range []struct {
		listen string
		auth   string
		ok     bool
	}{
		{"127.0.0.1:5454", "", true},
		{"localhost:5454", "trust", true},
		{"[::1]:5454", "", true},
		{"0.0.0.0:5454", "", false},
		{":5454", "", false},
		{"10.1.2.3:5454", "trust", false},
		{"0.0.0.0:5454", weir.AuthSCRAM, true},
	} {
		s := cfg.Server
		s.Listen, s.Auth.Method = c.listen, c.auth
		err := s.CheckExposure()
		if (err == nil) != c.ok {
			t.Errorf("%s %s: %v", c.listen, c.auth, err)
		}
		if err != nil && !strings.Contains(err.Error(), "server.auth.method") {
			t.Errorf("the refusal does not say what to set: %v", err)
		}
	}

	// A bad config names the key; a superuser without a password is refused at Open.
	for _, c := range []struct{ yaml, want string }{
		{"server:\n  auth:\n    method: md5\n", "server.auth.method"},
		{"server:\n  auth:\n    method: scram-sha-256\n", "server.auth.superuser"},
		{"server:\n  tls:\n    cert_file: /x.crt\n", "server.tls"},
		{"server:\n  tls:\n    required: true\n", "server.tls.required"},
		{"server:\n  auth:\n    methd: trust\n", "methd"},
	} {
		path := filepath.Join(t.TempDir(), "weir.yaml")
		writeFile(t, path, c.yaml)
		_, err := weir.LoadConfig(path)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%q: got %v, want an error naming %s and the file", c.yaml, err, c.want)
		}
	}
	scram := weir.DefaultConfig()
	scram.State.BackendType = "memory"
	scram.Server.Auth = weir.AuthConfig{Method: weir.AuthSCRAM, Superuser: "admin"}
	t.Setenv(weir.SuperuserPasswordEnv, "")
	if _, err := weir.Open(context.Background(), scram); err == nil || !strings.Contains(err.Error(), "server.auth.superuser_password_file") {
		t.Fatalf("no superuser password: %v", err)
	}
	pwFile := filepath.Join(t.TempDir(), "admin.pw")
	writeFile(t, pwFile, "filepw\n")
	scram.Server.Auth.SuperuserPasswordFile = pwFile
	addr, _ := startAuthServer(t, scram)
	mustConnectAs(t, addr, "admin", "filepw")
}

// TestServerTLSFiles: server.tls's certificate and key files make the
// server's TLS config (cmd/weir hands it to the wire server), and pgx
// verifies the certificate; a bad file is an error naming the keys.
func TestServerTLSFiles(t *testing.T) {
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	writeFile(t, certFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	writeFile(t, keyFile, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})))

	cfg := memoryConfig()
	cfg.Server.TLS = weir.TLSConfig{CertFile: certFile, KeyFile: keyFile, Required: true}
	tlsCfg, err := cfg.Server.ServerTLS()
	if err != nil || tlsCfg == nil {
		t.Fatalf("ServerTLS: %v %v", tlsCfg, err)
	}
	eng, err := weir.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close(context.Background())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := wire.NewServer(sessions{eng}, wire.Options{TLS: tlsCfg, TLSRequired: cfg.Server.TLS.Required})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go srv.Serve(ctx, ln)
	conn, err := pgx.Connect(ctx, "postgres://weir@"+ln.Addr().String()+"/weir?sslmode=verify-full&sslrootcert="+certFile)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	wantExec(t, conn, "SELECT 1", "")
	if _, err := pgx.Connect(ctx, "postgres://weir@"+ln.Addr().String()+"/weir?sslmode=disable"); err == nil || !strings.Contains(err.Error(), "28000") {
		t.Fatalf("plain connection: %v", err)
	}

	cfg.Server.TLS.KeyFile = filepath.Join(dir, "missing.key")
	if _, err := cfg.Server.ServerTLS(); err == nil || !strings.Contains(err.Error(), "server.tls.cert_file, key_file") {
		t.Fatalf("missing key: %v", err)
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}
