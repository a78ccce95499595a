// Package scram implements the server side of SCRAM-SHA-256 (RFC 5802 and
// RFC 7677) as PostgreSQL uses it: password verifiers in Postgres' stored
// form and the exchange's two round trips, without channel binding. It does
// no I/O: wire carries its messages, and the engine stores its verifiers.
package scram

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Mechanism is the SASL mechanism name a server offers.
const Mechanism = "SCRAM-SHA-256"

// MechanismPlus is the mechanism with channel binding (tls-server-end-point),
// offered over TLS.
const MechanismPlus = "SCRAM-SHA-256-PLUS"

// channelBindingType is the only channel-binding type weir supports.
const channelBindingType = "tls-server-end-point"

// DefaultIterations is the PBKDF2 iteration count of new verifiers
// (Postgres' scram_iterations default).
const DefaultIterations = 4096

const saltLen = 16

// Verifier is what a server keeps of a password: the salt, the iteration
// count, StoredKey = H(ClientKey) and ServerKey. The password cannot be
// recovered from it.
type Verifier struct {
	Iterations int
	Salt       []byte
	StoredKey  []byte
	ServerKey  []byte
}

// NewVerifier returns the verifier of password, prepared with Normalize,
// with a fresh random salt.
func NewVerifier(password string) (Verifier, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return Verifier{}, err
	}
	return verifierFor(Normalize(password), salt, DefaultIterations)
}

// verifierFor derives the verifier of password with salt and iterations.
func verifierFor(password string, salt []byte, iterations int) (Verifier, error) {
	salted, err := pbkdf2.Key(sha256.New, password, salt, iterations, sha256.Size)
	if err != nil {
		return Verifier{}, err
	}
	clientKey := hmacSHA256(salted, "Client Key")
	stored := sha256.Sum256(clientKey)
	return Verifier{
		Iterations: iterations,
		Salt:       salt,
		StoredKey:  stored[:],
		ServerKey:  hmacSHA256(salted, "Server Key"),
	}, nil
}

// String returns v in Postgres' stored form:
// SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>, base64 parts.
func (v Verifier) String() string {
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("%s$%d:%s$%s:%s", Mechanism, v.Iterations, b64(v.Salt), b64(v.StoredKey), b64(v.ServerKey))
}

// IsVerifier reports whether s has the stored form of a verifier, so that a
// password given already in that form is kept as is.
func IsVerifier(s string) bool {
	_, err := ParseVerifier(s)
	return err == nil
}

// ParseVerifier parses a verifier in Postgres' stored form.
func ParseVerifier(s string) (Verifier, error) {
	bad := errors.New("scram: not a SCRAM-SHA-256 verifier")
	rest, ok := strings.CutPrefix(s, Mechanism+"$")
	if !ok {
		return Verifier{}, bad
	}
	params, keys, ok := strings.Cut(rest, "$")
	if !ok {
		return Verifier{}, bad
	}
	iterText, saltText, ok1 := strings.Cut(params, ":")
	storedText, serverText, ok2 := strings.Cut(keys, ":")
	if !ok1 || !ok2 {
		return Verifier{}, bad
	}
	var v Verifier
	var err error
	if v.Iterations, err = strconv.Atoi(iterText); err != nil || v.Iterations < 1 {
		return Verifier{}, bad
	}
	dec := base64.StdEncoding.DecodeString
	if v.Salt, err = dec(saltText); err != nil || len(v.Salt) == 0 {
		return Verifier{}, bad
	}
	if v.StoredKey, err = dec(storedText); err != nil || len(v.StoredKey) != sha256.Size {
		return Verifier{}, bad
	}
	if v.ServerKey, err = dec(serverText); err != nil || len(v.ServerKey) != sha256.Size {
		return Verifier{}, bad
	}
	return v, nil
}

// MockVerifier returns a verifier for a user who does not exist or has no
// password, with a salt derived from the user name and secret, so that the
// exchange looks the same as for a real user (the same salt every time) and
// fails only at the proof, as Postgres does.
func MockVerifier(user string, secret []byte) Verifier {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(user))
	salt := mac.Sum(nil)[:saltLen]
	// Random keys: no proof can match them.
	keys := make([]byte, 2*sha256.Size)
	_, _ = rand.Read(keys)
	return Verifier{Iterations: DefaultIterations, Salt: salt, StoredKey: keys[:sha256.Size], ServerKey: keys[sha256.Size:]}
}

func hmacSHA256(key []byte, msg string) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(msg))
	return mac.Sum(nil)
}

// ErrMalformed is wrapped by the errors of messages that do not follow the
// protocol (as opposed to a wrong password).
var ErrMalformed = errors.New("malformed SCRAM message")

// ErrWrongProof is returned when the client's proof does not match the
// verifier: a wrong password, or a user without one.
var ErrWrongProof = errors.New("scram: wrong proof")

// Exchange is the server's side of one SCRAM-SHA-256 authentication.
type Exchange struct {
	v               Verifier
	binding         []byte // tls-server-end-point data when PLUS was offered
	plus            bool   // the client chose MechanismPlus
	cbindData       []byte // what c= must hold after the GS2 header
	gs2Header       string
	clientFirstBare string
	serverFirst     string
	nonce           string
	// serverNonce, when set, replaces the random server nonce (tests
	// replaying RFC 7677's example).
	serverNonce string
}

// NewExchange starts an exchange against verifier v. binding is the
// connection's tls-server-end-point channel-binding data when the server
// offered MechanismPlus (nil otherwise), and plus says the client chose it.
func NewExchange(v Verifier, binding []byte, plus bool) *Exchange {
	return &Exchange{v: v, binding: binding, plus: plus}
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// ServerFirst reads the client-first-message and returns the server-first-message.
func (x *Exchange) ServerFirst(clientFirst []byte) ([]byte, error) {
	msg := string(clientFirst)
	// gs2-header: cbind-flag "," [authzid] ","
	flag, rest, ok := strings.Cut(msg, ",")
	if !ok {
		return nil, malformed("missing GS2 header")
	}
	switch {
	case x.plus && !strings.HasPrefix(flag, "p="):
		return nil, malformed("client selected %s without channel binding", MechanismPlus)
	case flag == "n":
	case flag == "y":
		// The client could bind but thinks the server cannot: with PLUS
		// offered, someone between them removed it from the list.
		if x.binding != nil {
			return nil, malformed("SCRAM channel binding negotiation error")
		}
	case strings.HasPrefix(flag, "p="):
		if !x.plus || x.binding == nil {
			return nil, malformed("client requires channel binding, but the client did not select %s", MechanismPlus)
		}
		if flag[2:] != channelBindingType {
			return nil, malformed("unsupported SCRAM channel-binding type %q", flag[2:])
		}
		x.cbindData = x.binding
	default:
		return nil, malformed("unexpected channel-binding flag %q", flag)
	}
	authzid, bare, ok := strings.Cut(rest, ",")
	if !ok {
		return nil, malformed("missing GS2 header")
	}
	if authzid != "" {
		return nil, malformed("client uses authorization identity, but it is not supported")
	}
	x.gs2Header = flag + "," + authzid + ","
	x.clientFirstBare = bare
	attrs := strings.Split(bare, ",")
	if len(attrs) < 2 || !strings.HasPrefix(attrs[0], "n=") || !strings.HasPrefix(attrs[1], "r=") {
		return nil, malformed("expected user name and nonce attributes")
	}
	// The n= user name is ignored: Postgres authenticates the startup
	// packet's user.
	clientNonce := attrs[1][2:]
	if clientNonce == "" || !printable(clientNonce) {
		return nil, malformed("invalid client nonce")
	}
	if x.serverNonce == "" {
		random := make([]byte, 18)
		if _, err := rand.Read(random); err != nil {
			return nil, err
		}
		x.serverNonce = base64.StdEncoding.EncodeToString(random)
	}
	x.nonce = clientNonce + x.serverNonce
	x.serverFirst = fmt.Sprintf("r=%s,s=%s,i=%d", x.nonce, base64.StdEncoding.EncodeToString(x.v.Salt), x.v.Iterations)
	return []byte(x.serverFirst), nil
}

// printable reports whether s is printable ASCII without a comma (a valid nonce).
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e || s[i] == ',' {
			return false
		}
	}
	return true
}

// ServerFinal reads the client-final-message, checks its proof and returns
// the server-final-message. The error is ErrWrongProof for a wrong
// password and wraps ErrMalformed for a message that breaks the protocol.
func (x *Exchange) ServerFinal(clientFinal []byte) ([]byte, error) {
	msg := string(clientFinal)
	withoutProof, proofAttr, ok := cutLast(msg, ",")
	if !ok || !strings.HasPrefix(proofAttr, "p=") {
		return nil, malformed("expected proof attribute at the end")
	}
	attrs := strings.Split(withoutProof, ",")
	if len(attrs) < 2 || !strings.HasPrefix(attrs[0], "c=") || !strings.HasPrefix(attrs[1], "r=") {
		return nil, malformed("expected channel-binding and nonce attributes")
	}
	cbind, err := base64.StdEncoding.DecodeString(attrs[0][2:])
	if err != nil || string(cbind) != x.gs2Header+string(x.cbindData) {
		return nil, malformed("unexpected channel-binding data")
	}
	if attrs[1][2:] != x.nonce {
		return nil, malformed("nonce does not match")
	}
	proof, err := base64.StdEncoding.DecodeString(proofAttr[2:])
	if err != nil || len(proof) != sha256.Size {
		return nil, malformed("invalid proof")
	}
	authMessage := x.clientFirstBare + "," + x.serverFirst + "," + withoutProof
	clientSignature := hmacSHA256(x.v.StoredKey, authMessage)
	clientKey := make([]byte, sha256.Size)
	for i := range clientKey {
		clientKey[i] = proof[i] ^ clientSignature[i]
	}
	stored := sha256.Sum256(clientKey)
	if subtle.ConstantTimeCompare(stored[:], x.v.StoredKey) != 1 {
		return nil, ErrWrongProof
	}
	serverSignature := hmacSHA256(x.v.ServerKey, authMessage)
	return []byte("v=" + base64.StdEncoding.EncodeToString(serverSignature)), nil
}

// cutLast slices s around the last sep.
func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}
