// Package login holds the server's rules about who may connect that lie
// outside the protocol: the TLS certificate of server.tls, the refusal of
// trust authentication on an address other hosts can reach, the configured
// superuser's password file, and the secret that salts the mock SCRAM
// exchange. It works on plain values: the config types stay the root
// package's API, and the exchange itself is the wire package's (auth.go)
// over wire/scram.
package login

import (
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"strings"
)

// Authentication methods of server.auth.method.
const (
	Trust = "trust"
	SCRAM = "scram-sha-256"
)

// PasswordEnv is the environment variable that gives the superuser's
// password when server.auth.superuser_password_file does not.
const PasswordEnv = "WEIR_SUPERUSER_PASSWORD"

// CheckMethod checks server.auth's method ("" is trust) and that
// scram-sha-256 names a superuser.
func CheckMethod(method, superuser string) error {
	switch method {
	case "", Trust:
	case SCRAM:
		if superuser == "" {
			return fmt.Errorf("server.auth.superuser: required with method %s (the role created at the first start)", SCRAM)
		}
	default:
		return fmt.Errorf("server.auth.method: unknown method %q (trust or %s)", method, SCRAM)
	}
	return nil
}

// CheckTLS checks server.tls: a certificate and its key go together, and
// requiring TLS needs them.
func CheckTLS(certFile, keyFile string, required bool) error {
	if (certFile == "") != (keyFile == "") {
		return fmt.Errorf("server.tls: cert_file and key_file go together")
	}
	if required && certFile == "" {
		return fmt.Errorf("server.tls.required: needs cert_file and key_file")
	}
	return nil
}

// LoadTLS returns the TLS configuration of the certificate and key files,
// or nil when there is no certificate.
func LoadTLS(certFile, keyFile string) (*tls.Config, error) {
	if certFile == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("server.tls.cert_file, key_file: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// CheckExposure refuses trust authentication on listen, a host:port other
// hosts can reach: anyone who reaches the port would get in as any user.
// Password authentication (passwords true) may listen anywhere.
func CheckExposure(listen string, passwords bool) error {
	if passwords {
		return nil
	}
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("server.listen: %w", err)
	}
	if isLoopback(host) {
		return nil
	}
	return fmt.Errorf("refusing to serve on %s with server.auth.method trust: anyone who reaches that address "+
		"would be let in as any user, superusers included; listen on a loopback address (127.0.0.1, ::1, localhost) "+
		"or set server.auth.method: %s with a superuser in the config file", listen, SCRAM)
}

// isLoopback reports whether host names only the local machine.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// SuperuserPassword returns the password of the configured superuser
// called superuser: the first line of file (without a trailing CR), or
// $WEIR_SUPERUSER_PASSWORD when file is empty.
func SuperuserPassword(file, superuser string) (string, error) {
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("server.auth.superuser_password_file: %w", err)
		}
		pw, _, _ := strings.Cut(string(data), "\n")
		pw = strings.TrimSuffix(pw, "\r")
		if pw == "" {
			return "", fmt.Errorf("server.auth.superuser_password_file: %s is empty", file)
		}
		return pw, nil
	}
	if pw := os.Getenv(PasswordEnv); pw != "" {
		return pw, nil
	}
	return "", fmt.Errorf("server.auth.superuser_password_file: required to create the superuser %q (or set %s)", superuser, PasswordEnv)
}
