package login

import "crypto/rand"

// MockSecretSize is the length of a mock secret in bytes.
const MockSecretSize = 32

// MockSecret returns the secret that salts the SCRAM exchange of users that
// are no role (wire.Options.MockSecret). It is made once and kept, so that
// the salts sent for unknown users stay the same across restarts and do
// not give away which users exist: stored returns the kept secret (ok false
// when there is none), and a new one is handed to store before it is
// returned. A kept value of the wrong size is replaced.
func MockSecret(stored func() (secret []byte, ok bool, err error), store func(secret []byte) error) ([]byte, error) {
	v, ok, err := stored()
	if err != nil {
		return nil, err
	}
	if ok && len(v) == MockSecretSize {
		return v, nil
	}
	secret := make([]byte, MockSecretSize)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	if err := store(secret); err != nil {
		return nil, err
	}
	return secret, nil
}
