package weir

import (
	"crypto/tls"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/planner/privilege"
	"github.com/weir-stream/weir/statestore"
	"github.com/weir-stream/weir/wire/login"
)

// Authentication methods of server.auth.method.
const (
	AuthTrust = login.Trust
	AuthSCRAM = login.SCRAM
)

// SuperuserPasswordEnv is the environment variable that gives the
// superuser's password when server.auth.superuser_password_file does not.
const SuperuserPasswordEnv = login.PasswordEnv

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
	if err := login.CheckMethod(c.Auth.Method, c.Auth.Superuser); err != nil {
		return err
	}
	return login.CheckTLS(c.TLS.CertFile, c.TLS.KeyFile, c.TLS.Required)
}

// ServerTLS returns the TLS configuration of server.tls, or nil when the
// server has no certificate.
func (c ServerConfig) ServerTLS() (*tls.Config, error) {
	return login.LoadTLS(c.TLS.CertFile, c.TLS.KeyFile)
}

// CheckExposure refuses trust authentication on an address other hosts
// can reach: anyone who reaches the port would get in as any user.
// `weir serve` and `weir run` call it before they start.
func (c ServerConfig) CheckExposure() error { return login.CheckExposure(c.Listen, c.Auth.SCRAM()) }

// ensureSuperuser makes sure that someone can administer the server when
// clients authenticate with passwords: it creates the configured superuser
// when the role does not exist yet, gives it the configured password when
// it has none, and refuses the start when it lacks SUPERUSER or LOGIN
// (privilege.ConfiguredSuperuser).
func (e *Engine) ensureSuperuser() error {
	auth := e.cfg.Server.Auth
	if !auth.SCRAM() {
		return nil
	}
	r, existed, err := privilege.ConfiguredSuperuser(e.cat, auth.Superuser, func() (string, error) {
		return login.SuperuserPassword(auth.SuperuserPasswordFile, auth.Superuser)
	})
	if err != nil || r == nil {
		return err
	}
	if err := e.writeNow(func(w exec.StateWriter) error { return e.cat.PutRole(w, r) }); err != nil {
		return err
	}
	if existed {
		e.log.Warn("the configured superuser had no password: it has the configured one now", "role", r.Name)
	} else {
		e.log.Info("superuser created", "role", r.Name)
	}
	return nil
}

// MockSecret returns the secret that salts the SCRAM exchange of users that
// are no role (wire.Options.MockSecret): made at the first start and kept in
// the state, so it survives restarts.
func (e *Engine) MockSecret() ([]byte, error) {
	return login.MockSecret(
		func() ([]byte, bool, error) { return e.store.Get(mockSecretKey) },
		func(secret []byte) error {
			return e.writeNow(func(w exec.StateWriter) error { return w.Set(mockSecretKey, secret) })
		})
}

// mockSecretKey is where the state keeps MockSecret's secret.
var mockSecretKey = statestore.AppendKey(nil, statestore.MetaTable, 0, []byte("scram-mock-secret"))

// LoginVerifier returns the SCRAM verifier of the role user when it may
// log in with a password: the wire server's Options.Passwords.
func (e *Engine) LoginVerifier(user string) (string, bool) {
	return privilege.LoginVerifier(e.cat, user)
}
