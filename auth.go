package weir

import (
	"crypto/rand"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/statestore"
	"github.com/weir-stream/weir/wire/scram"
)

// Authentication methods of server.auth.method.
const (
	AuthTrust = "trust"
	AuthSCRAM = "scram-sha-256"
)

// SuperuserPasswordEnv is the environment variable that gives the
// superuser's password when server.auth.superuser_password_file does not.
const SuperuserPasswordEnv = "WEIR_SUPERUSER_PASSWORD"

// AuthConfig is the `server.auth:` block: how clients authenticate.
type AuthConfig struct {
	// Method is trust (the default: every user name is let in, and a user
	// that is not a role is a superuser; only on a loopback address) or
	// scram-sha-256 (a password checked against the role's verifier).
	Method string `yaml:"method"`
	// Superuser is the role created at start, with the password of
	// SuperuserPasswordFile or $WEIR_SUPERUSER_PASSWORD, when it does not
	// exist (scram-sha-256 only).
	Superuser             string `yaml:"superuser"`
	SuperuserPasswordFile string `yaml:"superuser_password_file"`
}

// TLSConfig is the `server.tls:` block.
type TLSConfig struct {
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// Required refuses clients that do not use TLS.
	Required bool `yaml:"required"`
}

// SCRAM reports whether clients authenticate with passwords.
func (c AuthConfig) SCRAM() bool { return c.Method == AuthSCRAM }

// validateSecurity checks the auth and tls blocks and names the offending key.
func (c ServerConfig) validateSecurity() error {
	switch c.Auth.Method {
	case "", AuthTrust:
	case AuthSCRAM:
		if c.Auth.Superuser == "" {
			return fmt.Errorf("server.auth.superuser: required with method %s (the role created at the first start)", AuthSCRAM)
		}
	default:
		return fmt.Errorf("server.auth.method: unknown method %q (trust or %s)", c.Auth.Method, AuthSCRAM)
	}
	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		return fmt.Errorf("server.tls: cert_file and key_file go together")
	}
	if c.TLS.Required && c.TLS.CertFile == "" {
		return fmt.Errorf("server.tls.required: needs cert_file and key_file")
	}
	return nil
}

// ServerTLS returns the TLS configuration of server.tls, or nil when the
// server has no certificate.
func (c ServerConfig) ServerTLS() (*tls.Config, error) {
	if c.TLS.CertFile == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(c.TLS.CertFile, c.TLS.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("server.tls.cert_file, key_file: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// CheckExposure refuses trust authentication on an address other hosts
// can reach: anyone who reaches the port would get in as any user.
// `weir serve` and `weir run` call it before they start.
func (c ServerConfig) CheckExposure() error {
	if c.Auth.SCRAM() {
		return nil
	}
	host, _, err := net.SplitHostPort(c.Listen)
	if err != nil {
		return fmt.Errorf("server.listen: %w", err)
	}
	if isLoopback(host) {
		return nil
	}
	return fmt.Errorf("refusing to serve on %s with server.auth.method trust: anyone who reaches that address "+
		"would be let in as any user, superusers included; listen on a loopback address (127.0.0.1, ::1, localhost) "+
		"or set server.auth.method: %s with a superuser in the config file", c.Listen, AuthSCRAM)
}

// isLoopback reports whether host names only the local machine.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// superuserPassword returns the configured superuser's password: the
// file's first line, or the environment variable.
func (c AuthConfig) superuserPassword() (string, error) {
	if c.SuperuserPasswordFile != "" {
		data, err := os.ReadFile(c.SuperuserPasswordFile)
		if err != nil {
			return "", fmt.Errorf("server.auth.superuser_password_file: %w", err)
		}
		pw, _, _ := strings.Cut(string(data), "\n")
		pw = strings.TrimSuffix(pw, "\r")
		if pw == "" {
			return "", fmt.Errorf("server.auth.superuser_password_file: %s is empty", c.SuperuserPasswordFile)
		}
		return pw, nil
	}
	if pw := os.Getenv(SuperuserPasswordEnv); pw != "" {
		return pw, nil
	}
	return "", fmt.Errorf("server.auth.superuser_password_file: required to create the superuser %q (or set %s)", c.Superuser, SuperuserPasswordEnv)
}

// ensureSuperuser makes sure that someone can administer the server when
// clients authenticate with passwords: it creates the configured superuser
// when the role does not exist yet. A role of that name that exists
// without SUPERUSER or LOGIN refuses the start (promoting it would hand the
// server to whoever holds that role's password); one without a password
// gets the configured one.
func (e *Engine) ensureSuperuser() error {
	auth := e.cfg.Server.Auth
	if !auth.SCRAM() {
		return nil
	}
	r, exists := e.cat.Role(auth.Superuser)
	if exists && (!r.Superuser || !r.Login) {
		return fmt.Errorf("server.auth.superuser: the role %q exists without SUPERUSER or LOGIN, so nobody could "+
			"administer the server; give it both (ALTER ROLE %s SUPERUSER LOGIN, as a superuser or in a trust start "+
			"on a loopback address) or name another role", auth.Superuser, auth.Superuser)
	}
	if exists && r.Password != "" {
		return nil
	}
	pw, err := auth.superuserPassword()
	if err != nil {
		return err
	}
	v, err := scram.NewVerifier(pw)
	if err != nil {
		return err
	}
	nr := &catalog.Role{Name: auth.Superuser, Password: v.String(), Superuser: true, Login: true}
	if err := e.writeNow(func(w exec.StateWriter) error { return e.cat.PutRole(w, nr) }); err != nil {
		return err
	}
	if exists {
		e.log.Warn("the configured superuser had no password: it has the configured one now", "role", nr.Name)
	} else {
		e.log.Info("superuser created", "role", nr.Name)
	}
	return nil
}

// MockSecret returns the secret that salts the SCRAM exchange of users that
// are no role (wire.Options.MockSecret): made at the first start and kept in
// the state, so it survives restarts.
func (e *Engine) MockSecret() ([]byte, error) {
	v, ok, err := e.store.Get(mockSecretKey)
	if err != nil {
		return nil, err
	}
	if ok && len(v) == 32 {
		return v, nil
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	if err := e.writeNow(func(w exec.StateWriter) error { return w.Set(mockSecretKey, secret) }); err != nil {
		return nil, err
	}
	return secret, nil
}

// mockSecretKey is where the state keeps MockSecret's secret.
var mockSecretKey = statestore.AppendKey(nil, statestore.MetaTable, 0, []byte("scram-mock-secret"))

// LoginVerifier returns the SCRAM verifier of the role user when it may
// log in with a password: the wire server's Options.Passwords.
func (e *Engine) LoginVerifier(user string) (string, bool) {
	r, ok := e.cat.Role(user)
	if !ok || !r.Login || r.Password == "" {
		return "", false
	}
	return r.Password, true
}
