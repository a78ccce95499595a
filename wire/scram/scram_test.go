package scram

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// TestRFC7677Example replays the exchange of RFC 7677 section 3 (user
// "user", password "pencil") and checks the server's messages byte for byte.
func TestRFC7677Example(t *testing.T) {
	salt, _ := base64.StdEncoding.DecodeString("W22ZaJ0SNY7soEsUEjb6gQ==")
	v, err := verifierFor("pencil", salt, 4096)
	if err != nil {
		t.Fatal(err)
	}
	x := NewExchange(v)
	x.serverNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
	first, err := x.ServerFirst([]byte("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"; string(first) != want {
		t.Fatalf("server-first = %q, want %q", first, want)
	}
	final, err := x.ServerFinal([]byte("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="))
	if err != nil {
		t.Fatal(err)
	}
	if want := "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="; string(final) != want {
		t.Fatalf("server-final = %q, want %q", final, want)
	}

	// The same exchange with a proof computed from another password fails.
	x = NewExchange(v)
	x.serverNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
	if _, err := x.ServerFirst([]byte("n,,n=user,r=rOprNGfwEbeRWgbNEkqO")); err != nil {
		t.Fatal(err)
	}
	_, err = x.ServerFinal([]byte("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=AAAAZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="))
	if !errors.Is(err, ErrWrongProof) {
		t.Fatalf("wrong proof: err = %v", err)
	}
}

func TestVerifierString(t *testing.T) {
	v, err := NewVerifier("secret")
	if err != nil {
		t.Fatal(err)
	}
	s := v.String()
	if !strings.HasPrefix(s, "SCRAM-SHA-256$4096:") || strings.Contains(s, "secret") {
		t.Fatalf("verifier %q", s)
	}
	back, err := ParseVerifier(s)
	if err != nil || back.String() != s {
		t.Fatalf("ParseVerifier(%q) = %v, %v", s, back, err)
	}
	for _, bad := range []string{"", "secret", "SCRAM-SHA-256$x:abc$def:ghi", "md5abc", "SCRAM-SHA-256$4096:c2FsdA==$c2hvcnQ=:c2hvcnQ="} {
		if IsVerifier(bad) {
			t.Errorf("IsVerifier(%q) = true", bad)
		}
	}
}

func TestMalformed(t *testing.T) {
	v, _ := NewVerifier("pw")
	for _, msg := range []string{"", "n", "p=tls-server-end-point,,n=,r=abc", "n,a=admin,n=,r=abc", "n,,r=abc", "x,,n=,r=abc", "n,,n=,r="} {
		if _, err := NewExchange(v).ServerFirst([]byte(msg)); !errors.Is(err, ErrMalformed) {
			t.Errorf("ServerFirst(%q): err = %v", msg, err)
		}
	}
	x := NewExchange(v)
	if _, err := x.ServerFirst([]byte("n,,n=,r=abc")); err != nil {
		t.Fatal(err)
	}
	for _, msg := range []string{"", "c=biws,r=abc", "c=biws,r=wrong,p=AAAA", "c=eSws,r=" + x.nonce + ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="} {
		if _, err := x.ServerFinal([]byte(msg)); !errors.Is(err, ErrMalformed) {
			t.Errorf("ServerFinal(%q): err = %v", msg, err)
		}
	}
}
